package dev.reload;

import java.time.Duration;

/** How a requested reload or rollback ended. Immutable. */
public sealed interface ReloadOutcome {

  /** The name of the plugin. */
  String plugin();

  /** How long the reload took, from the start of admission to the end. */
  Duration duration();

  /** The incoming version is current. */
  record Swapped(String plugin, PluginVersion from, PluginVersion to, Duration duration,
      boolean rollback) implements ReloadOutcome {}

  /** The library file has the same bytes as the current version: nothing was loaded. */
  record Unchanged(String plugin, PluginVersion current, Duration duration)
      implements ReloadOutcome {}

  /** The reload was aborted at {@code step}; {@code current} keeps serving with its state. */
  record Failed(String plugin, PluginVersion current, ReloadStep step, Throwable cause,
      Duration duration) implements ReloadOutcome {

    /** One line a person can act on: the step and the cause's message. */
    public String reason() {
      String message = cause.getMessage();
      return step.name().toLowerCase(java.util.Locale.ROOT) + ": "
          + (message == null ? cause.getClass().getName() : message);
    }
  }
}
