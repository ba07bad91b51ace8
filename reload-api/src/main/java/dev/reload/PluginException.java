package dev.reload;

/**
 * A plugin could not be loaded or called; the message says which plugin and why. Thread-safe:
 * nothing of its own changes once it is thrown.
 */
public class PluginException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * A failure without an underlying cause.
   *
   * @param message which plugin and why
   */
  public PluginException(String message) {
    super(message);
  }

  /**
   * A failure caused by {@code cause}.
   *
   * @param message which plugin and why
   * @param cause what went wrong underneath
   */
  public PluginException(String message, Throwable cause) {
    super(message, cause);
  }
}
