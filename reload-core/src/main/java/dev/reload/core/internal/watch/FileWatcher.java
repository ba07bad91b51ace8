package dev.reload.core.internal.watch;

import dev.reload.core.ReloadSettings;
import dev.reload.core.internal.platform.Platform;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.LoggerFactory;

/**
 * Turns file-system activity on the plugins' library files into "this file is complete and
 * changed" signals. Implementations run one daemon thread, stop it on {@link #close()}, and keep
 * watching whatever a reload's outcome was.
 */
public interface FileWatcher extends AutoCloseable {

  /**
   * Starts watching {@code file} as well, signalling it once it looks different from {@code
   * baseline} (its look when it was loaded; null if it was missing). Takes effect on the watcher's
   * thread, shortly after this returns.
   */
  void watch(Path file, FileFingerprint baseline);

  /** Stops watching {@code file}; later changes of it are not signalled. Takes effect shortly. */
  void unwatch(Path file);

  /** Stops the watcher's thread and releases what it holds. Idempotent. */
  @Override
  void close();

  /**
   * Starts the watcher the settings ask for, on this platform. {@code baseline} holds each file's
   * look when it was loaded; a file that already looks different is signalled once it settles.
   * Both watchers follow each file's path as it resolves at each check (symlinks, recreated
   * directories) and give the same answer for every way a file can arrive; inotify is only
   * quicker. In auto mode, a Linux machine out of inotify instances or watches falls back to
   * polling.
   */
  static FileWatcher start(
      ReloadSettings settings,
      Platform platform,
      Map<Path, FileFingerprint> baseline,
      Consumer<Path> onChange,
      String threadName) {
    ReloadSettings.WatchMode mode = settings.watchMode();
    if (mode == ReloadSettings.WatchMode.INOTIFY
        || (mode == ReloadSettings.WatchMode.AUTO && platform == Platform.LINUX)) {
      try {
        return InotifyWatcher.start(baseline, onChange, settings.pollInterval(), threadName);
      } catch (UncheckedIOException e) {
        if (mode == ReloadSettings.WatchMode.INOTIFY) {
          throw e;
        }
        LoggerFactory.getLogger(FileWatcher.class)
            .warn("{}; polling every {} instead", e.getMessage(), settings.pollInterval());
      }
    }
    return PollingWatcher.start(baseline, onChange, settings.pollInterval(), threadName);
  }
}
