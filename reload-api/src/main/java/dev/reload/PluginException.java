package dev.reload;

/**
 * A plugin could not be loaded or called; the message says which plugin and why. Thread-safe:
 * nothing of its own changes once it is thrown.
 */
public class PluginException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public PluginException(String message) {
    super(message);
  }

  public PluginException(String message, Throwable cause) {
    super(message, cause);
  }
}
