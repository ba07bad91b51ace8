package dev.reload;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Something that happened during a reload, reported to {@link ReloadListener}s on the thread that
 * runs the reload. Events are immutable.
 *
 * <p>A successful reload reports {@link Before} then {@link After}; a rollback reports
 * {@link Before} then {@link RolledBack}; a reload that fails before the candidate is loaded
 * reports only {@link Failed}, one that fails later reports {@link Before} then {@link Failed}.
 * The plugin set changing at runtime reports {@link Added} and {@link Removed}.
 */
public sealed interface ReloadEvent {

  /** The name of the plugin being reloaded. */
  String plugin();

  /** The candidate is loaded and checked; the swap is about to start. */
  record Before(String plugin, PluginVersion from, PluginVersion to) implements ReloadEvent {}

  /** The candidate is current and holds the restored state. */
  record After(String plugin, PluginVersion from, PluginVersion to, Duration duration)
      implements ReloadEvent {}

  /** The reload was aborted; {@code current} keeps serving with its state. */
  record Failed(
      String plugin, PluginVersion current, Path source, ReloadStep step, Throwable cause,
      Duration duration)
      implements ReloadEvent {}

  /** A rollback made the previous good version current again (as a new generation). */
  record RolledBack(String plugin, PluginVersion from, PluginVersion to, Duration duration)
      implements ReloadEvent {}

  /** A plugin joined the registry at runtime ({@link PluginRegistry#add}) serving {@code current}. */
  record Added(String plugin, PluginVersion current) implements ReloadEvent {}

  /** A plugin left the registry ({@link PluginRegistry#remove}); {@code last} was its version. */
  record Removed(String plugin, PluginVersion last) implements ReloadEvent {}
}
