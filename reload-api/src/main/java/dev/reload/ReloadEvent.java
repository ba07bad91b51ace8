package dev.reload;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Something that happened during a reload, or to the plugin set, reported to {@link
 * ReloadListener}s (which says on which threads). Events are immutable and thread-safe.
 *
 * <p>A successful reload reports {@link Before} then {@link After}; a rollback reports
 * {@link Before} then {@link RolledBack}; a reload that fails before the candidate is loaded
 * reports only {@link Failed}, one that fails later reports {@link Before} then {@link Failed}.
 * The plugin set changing at runtime reports {@link Added} and {@link Removed}.
 *
 * <p><b>Coming from {@code dynamic_reload}.</b> The names are the Rust crate's, the meanings are
 * not quite:
 *
 * <ul>
 *   <li>{@link Before} fires once the candidate has been staged, loaded and checked, just before
 *       the swap; not, as {@code UpdateState::Before} does, before anything is loaded. A file that
 *       cannot be loaded never causes a {@code Before}, only a {@link Failed}.
 *   <li>State does not move through these events. Where {@code dynamic_reload} expects the
 *       application to save state at {@code Before} and restore it at {@code After}, here a
 *       {@link dev.reload.spi.StateSnapshot} captures and restores it, between the two events and
 *       while callers wait at the gate; by {@link After} the incoming version already holds the
 *       state. Listeners only observe.
 *   <li>{@link Failed} (the crate's {@code ReloadFailed}) carries the step that failed and the
 *       cause, and the outgoing version keeps serving with its state.
 *   <li>{@link RolledBack} has no counterpart there.
 * </ul>
 */
public sealed interface ReloadEvent {

  /** {@return the name of the plugin being reloaded} */
  String plugin();

  /**
   * The candidate {@code to} is loaded and checked; the swap is about to start. State has not
   * moved yet: {@code from} still serves and still holds it.
   *
   * @param plugin the plugin's name
   * @param from the version serving now
   * @param to the candidate about to be swapped in
   */
  record Before(String plugin, PluginVersion from, PluginVersion to) implements ReloadEvent {}

  /**
   * The candidate is current and holds the restored state. {@code duration} is the whole reload;
   * {@code gated} how long new calls of a stateful plugin were held at its gate (zero for a
   * stateless plugin, whose callers are never held).
   *
   * @param plugin the plugin's name
   * @param from the version swapped out
   * @param to the version serving now
   * @param duration how long the whole reload took
   * @param gated how long new calls were held at the gate
   */
  record After(
      String plugin, PluginVersion from, PluginVersion to, Duration duration, Duration gated)
      implements ReloadEvent {}

  /**
   * The reload or rollback was aborted; {@code current} keeps serving with its state. The same
   * facts, component for component, as the {@link ReloadOutcome.Failed} the request completes
   * with and {@link Plugin#lastFailure()} returns, plus {@code gated}: how long new calls were
   * held at the gate before the failure let them through (zero if it failed before the gate
   * closed, or the plugin is stateless).
   *
   * @param plugin the plugin's name
   * @param kind whether a reload or a rollback failed
   * @param current the version that keeps serving
   * @param source the plugin's library file
   * @param step the step that failed
   * @param cause why it failed
   * @param duration how long the attempt took
   * @param gated how long new calls were held at the gate
   */
  record Failed(
      String plugin,
      ReloadKind kind,
      PluginVersion current,
      Path source,
      ReloadStep step,
      Throwable cause,
      Duration duration,
      Duration gated)
      implements ReloadEvent {

    /**
     * The event that reports {@code outcome}, whose callers were held for {@code gated}.
     *
     * @param outcome the failed outcome this event reports
     * @param gated how long new calls were held at the gate
     */
    public Failed(ReloadOutcome.Failed outcome, Duration gated) {
      this(
          outcome.plugin(),
          outcome.kind(),
          outcome.current(),
          outcome.source(),
          outcome.step(),
          outcome.cause(),
          outcome.duration(),
          gated);
    }

    /** {@return the outcome with the same facts} */
    public ReloadOutcome.Failed outcome() {
      return new ReloadOutcome.Failed(plugin, kind, current, source, step, cause, duration);
    }

    /** {@return one line a person can act on, as {@link ReloadOutcome.Failed#reason()}} */
    public String reason() {
      return outcome().reason();
    }
  }

  /**
   * A rollback made the previous good version current again (as a new generation); {@code gated}
   * as in {@link After}.
   *
   * @param plugin the plugin's name
   * @param from the version swapped out
   * @param to the new generation of the previous good version, serving now
   * @param duration how long the whole rollback took
   * @param gated how long new calls were held at the gate
   */
  record RolledBack(
      String plugin, PluginVersion from, PluginVersion to, Duration duration, Duration gated)
      implements ReloadEvent {}

  /**
   * A plugin joined the registry at runtime ({@link PluginRegistry#add}) serving {@code current}.
   *
   * @param plugin the plugin's name
   * @param current the plugin's first version
   */
  record Added(String plugin, PluginVersion current) implements ReloadEvent {}

  /**
   * A plugin left the registry ({@link PluginRegistry#remove}); {@code last} was its version.
   *
   * @param plugin the plugin's name
   * @param last the version it served last
   */
  record Removed(String plugin, PluginVersion last) implements ReloadEvent {}
}
