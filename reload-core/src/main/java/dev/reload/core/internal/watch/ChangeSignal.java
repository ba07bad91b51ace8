package dev.reload.core.internal.watch;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signals a watched file when it looks different from when it was last signalled (or from when
 * watching began), so repeated events about one finished write make one signal.
 *
 * <p>Not thread-safe: owned by one watcher thread (built before that thread starts).
 */
final class ChangeSignal {

  private static final Logger log = LoggerFactory.getLogger(ChangeSignal.class);

  private final Map<Path, FileFingerprint> lastSignalled = new HashMap<>();
  private final Consumer<Path> onChange;

  /** Starts from {@code baseline}, each file's look when it was loaded. */
  ChangeSignal(Map<Path, FileFingerprint> baseline, Consumer<Path> onChange) {
    this.onChange = onChange;
    lastSignalled.putAll(baseline);
  }

  /** Starts tracking {@code file} from {@code baseline} (null: not there yet). */
  void track(Path file, FileFingerprint baseline) {
    lastSignalled.put(file, baseline);
  }

  /** Stops tracking {@code file}. */
  void forget(Path file) {
    lastSignalled.remove(file);
  }

  /** Signals {@code file} if it exists and {@code now} differs from its last signalled look. */
  void offer(Path file, FileFingerprint now) {
    if (now == null || Objects.equals(now, lastSignalled.get(file))) {
      return;
    }
    lastSignalled.put(file, now);
    try {
      onChange.accept(file);
    } catch (RuntimeException e) {
      log.warn("handling a change of {} failed; still watching", file, e);
    }
  }
}
