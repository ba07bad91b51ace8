package dev.reload;

import java.util.Collection;

/** No plugin of the requested name is configured. */
public class UnknownPluginException extends PluginException {

  private static final long serialVersionUID = 1L;

  public UnknownPluginException(String name, Collection<String> known) {
    super("no plugin named '" + name + "'; configured plugins: " + known);
  }
}
