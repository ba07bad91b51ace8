package dev.reload;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * How a requested reload or rollback ended: what the futures of {@link PluginRegistry#reload} and
 * {@link PluginRegistry#rollback} complete with. Each ending but {@link Unchanged} matches the last
 * event the listeners saw: {@link Swapped} the {@link ReloadEvent.After}, {@link RolledBack} the
 * {@link ReloadEvent.RolledBack}, and {@link Failed} the {@link ReloadEvent.Failed}, whose facts
 * are the same, component for component.
 *
 * <p>Immutable and thread-safe.
 */
public sealed interface ReloadOutcome {

  /** {@return the name of the plugin} */
  String plugin();

  /** {@return whether this ended a reload or a rollback} */
  ReloadKind kind();

  /** {@return how long the reload took, from the start of admission to the end} */
  Duration duration();

  /**
   * A reload made the incoming version, loaded from the library file, current.
   *
   * @param plugin the plugin's name
   * @param from the version swapped out
   * @param to the version serving now
   * @param duration how long the reload took
   */
  record Swapped(String plugin, PluginVersion from, PluginVersion to, Duration duration)
      implements ReloadOutcome {

    /** Always {@link ReloadKind#RELOAD}: a rollback that succeeds ends as {@link RolledBack}. */
    @Override
    public ReloadKind kind() {
      return ReloadKind.RELOAD;
    }
  }

  /**
   * A rollback made the previous good version current again, as a new generation {@code to}
   * loaded from the copy kept of it, with the state moved across as a reload moves it.
   *
   * @param plugin the plugin's name
   * @param from the version swapped out
   * @param to the new generation of the previous good version, serving now
   * @param duration how long the rollback took
   */
  record RolledBack(String plugin, PluginVersion from, PluginVersion to, Duration duration)
      implements ReloadOutcome {

    /** Always {@link ReloadKind#ROLLBACK}. */
    @Override
    public ReloadKind kind() {
      return ReloadKind.ROLLBACK;
    }
  }

  /**
   * The library file has the same bytes as the current version: nothing was loaded.
   *
   * @param plugin the plugin's name
   * @param current the version that keeps serving
   * @param duration how long the check took
   */
  record Unchanged(String plugin, PluginVersion current, Duration duration)
      implements ReloadOutcome {

    /** Always {@link ReloadKind#RELOAD}: a rollback always loads the version it returns to. */
    @Override
    public ReloadKind kind() {
      return ReloadKind.RELOAD;
    }
  }

  /**
   * The reload or rollback was aborted at {@code step}; {@code current} keeps serving with its
   * state. {@code source} is the plugin's library file, for a failed rollback too (which staged
   * the copy kept of the previous version). The same facts as the {@link ReloadEvent.Failed} the
   * listeners saw.
   *
   * @param plugin the plugin's name
   * @param kind whether a reload or a rollback failed
   * @param current the version that keeps serving
   * @param source the plugin's library file
   * @param step the step that failed
   * @param cause why it failed
   * @param duration how long the attempt took
   */
  record Failed(
      String plugin,
      ReloadKind kind,
      PluginVersion current,
      Path source,
      ReloadStep step,
      Throwable cause,
      Duration duration)
      implements ReloadOutcome {

    /** {@return one line a person can act on: the step and the cause's message} */
    public String reason() {
      String message = cause.getMessage();
      return step.name().toLowerCase(Locale.ROOT) + ": "
          + (message == null ? cause.getClass().getName() : message);
    }
  }
}
