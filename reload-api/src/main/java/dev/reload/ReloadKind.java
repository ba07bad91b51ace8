package dev.reload;

/**
 * What a run of the reload pipeline was asked to do, as every {@link ReloadOutcome} and every
 * {@link ReloadEvent.Failed} records it. Immutable and thread-safe, as every enum.
 */
public enum ReloadKind {
  /** Load the plugin's library file ({@link PluginRegistry#reload}, or a change on disk). */
  RELOAD,
  /** Return to the previous good version ({@link PluginRegistry#rollback}). */
  ROLLBACK
}
