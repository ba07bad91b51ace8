package dev.reload.core.internal.observe;

import dev.reload.ReloadOutcome;

/**
 * What the engine reports for metrics. Implementations must be thread-safe and quick:
 * {@link #callerPaused} runs on callers' threads. Must not throw.
 */
public interface ReloadObserver {

  ReloadObserver NONE = new ReloadObserver() {};

  /** A reload or rollback ended. */
  default void reloaded(ReloadOutcome outcome) {}

  /** The outgoing version of a stateful plugin drained in {@code nanos}. */
  default void drained(String plugin, long nanos) {}

  /** A caller waited {@code nanos} at a closed gate. */
  default void callerPaused(String plugin, long nanos) {}

  /** A plugin joined the registry at runtime. */
  default void added(dev.reload.Plugin plugin) {}

  /** A plugin left the registry: nothing of it should be measured any more. */
  default void removed(String plugin) {}

  /** A listener threw. */
  default void listenerFailed(String plugin) {}
}
