package dev.reload;

import java.util.Collection;

/**
 * No plugin of the requested name is in the registry (never configured or added, or removed).
 * Thread-safe, as {@link PluginException}.
 */
public class UnknownPluginException extends PluginException {

  private static final long serialVersionUID = 1L;

  /**
   * Reports that no plugin is called {@code name}.
   *
   * @param name the name asked for
   * @param known the names of the plugins in the registry, for the message
   */
  public UnknownPluginException(String name, Collection<String> known) {
    super("no plugin named '" + name + "'; plugins in the registry: " + known);
  }
}
