package dev.reload.core.internal;

import dev.reload.core.ReloadSettings;
import java.nio.file.Path;
import java.util.Collection;
import java.util.function.Consumer;

/**
 * Turns file-system activity on the plugins' library files into "this file is complete and
 * changed" signals. Implementations run one daemon thread, stop it on {@link #close()}, and keep
 * watching whatever a reload's outcome was.
 */
interface FileWatcher extends AutoCloseable {

  /** Stops the watcher's thread and releases what it holds. Idempotent. */
  @Override
  void close();

  /** Starts the watcher the settings ask for, on this platform. */
  static FileWatcher start(ReloadSettings settings, Platform platform, Collection<Path> files,
      Consumer<Path> onChange, String threadName) {
    ReloadSettings.WatchMode mode = settings.watchMode();
    if (mode == ReloadSettings.WatchMode.INOTIFY
        || (mode == ReloadSettings.WatchMode.AUTO && platform == Platform.LINUX)) {
      return InotifyWatcher.start(files, onChange, threadName);
    }
    return PollingWatcher.start(files, onChange, settings.pollInterval(), threadName);
  }
}
