package dev.reload.core.internal.watch;

import dev.reload.core.internal.platform.DaemonThreads;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Watches by comparing fingerprints every interval, for platforms without inotify. A change is
 * signalled once the file looks the same at two polls in a row and is not empty, so a file still
 * being written is left alone until its writer is done.
 *
 * <p>Thread-safe: its set and maps are confined to its one thread; {@link #watch} and {@link
 * #unwatch} hand their change to that thread.
 */
final class PollingWatcher implements FileWatcher {

  /** Confined to {@link #thread}. */
  private final Set<Path> files;

  private final ScheduledExecutorService thread;
  /** The thread {@link #thread} runs on, joined on close. */
  private final DaemonThreads threads;
  /** Confined to {@link #thread}. */
  private final Map<Path, FileFingerprint> lastPoll = new HashMap<>();
  /** Confined to {@link #thread}. */
  private final ChangeSignal changes;

  private PollingWatcher(
      Map<Path, FileFingerprint> baseline, Consumer<Path> onChange, String threadName) {
    this.files = new LinkedHashSet<>(baseline.keySet());
    this.changes = new ChangeSignal(baseline, onChange);
    this.lastPoll.putAll(baseline);
    this.threads = new DaemonThreads(threadName);
    this.thread = Executors.newSingleThreadScheduledExecutor(threads);
  }

  static PollingWatcher start(
      Map<Path, FileFingerprint> baseline,
      Consumer<Path> onChange,
      Duration interval,
      String threadName) {
    PollingWatcher watcher = new PollingWatcher(baseline, onChange, threadName);
    watcher.thread.scheduleWithFixedDelay(
        watcher::poll, interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
    return watcher;
  }

  private void poll() {
    for (Path file : files) {
      FileFingerprint now = FileFingerprint.of(file);
      // An empty file is a write in progress: a linker creates its output long before it writes
      // it, and on a busy machine that can outlast a poll interval.
      boolean settled = now != null && now.size() > 0 && now.equals(lastPoll.get(file));
      lastPoll.put(file, now);
      if (settled) {
        changes.offer(file, now);
      }
    }
  }

  @Override
  public void watch(Path file, FileFingerprint baseline) {
    run(() -> {
      files.add(file);
      lastPoll.put(file, baseline);
      changes.track(file, baseline);
    });
  }

  @Override
  public void unwatch(Path file) {
    run(() -> {
      files.remove(file);
      lastPoll.remove(file);
      changes.forget(file);
    });
  }

  private void run(Runnable command) {
    try {
      thread.execute(command);
    } catch (RejectedExecutionException e) {
      // Closed: nothing is watched any more.
    }
  }

  @Override
  public void close() {
    thread.shutdownNow();
    try {
      threads.awaitTermination(thread, Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
