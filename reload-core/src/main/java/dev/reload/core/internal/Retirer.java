package dev.reload.core.internal;

import dev.reload.VersionState;
import dev.reload.core.internal.admission.LifecycleExports;
import dev.reload.core.internal.admission.ShadowStore;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unmaps outgoing versions once their last lease closes (pipeline step 8). A stateless plugin's
 * old version may still run calls after the swap; it waits here, checked again with a growing
 * delay on the scheduler's executor, or at each {@code update()} in poll mode.
 *
 * <p>Thread-safe: versions wait in a concurrent queue, and each is disposed by the one thread that
 * removes it.
 */
final class Retirer {

  private static final Logger log = LoggerFactory.getLogger(Retirer.class);
  private static final long FIRST_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long MAX_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final Queue<LoadedVersion> draining = new ConcurrentLinkedQueue<>();
  private final ShadowStore store;
  /** Null in poll mode. */
  private final ScheduledExecutorService executor;

  Retirer(ShadowStore store, ScheduledExecutorService executor) {
    this.store = store;
    this.executor = executor;
  }

  /** Disposes {@code version} now if it has no lease open, else as soon as it has none. */
  void retire(LoadedVersion version, boolean keepFile) {
    version.keepFile(keepFile);
    if (version.drained()) {
      dispose(version);
    } else {
      draining.add(version);
      scheduleCheck(FIRST_CHECK_NANOS);
    }
  }

  /** Disposes every waiting version that has drained; returns how many wait on. */
  int disposeDrained() {
    for (LoadedVersion version : draining) {
      if (version.drained() && draining.remove(version)) {
        dispose(version);
      }
    }
    return draining.size();
  }

  /** Waits up to {@code timeout} for every waiting version, disposing each; logs the rest. */
  void drainAll(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    LoadedVersion version;
    while ((version = draining.poll()) != null) {
      Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
      if (version.awaitDrained(left)) {
        dispose(version);
      } else {
        version.warnLeftMapped(timeout);
      }
    }
  }

  /**
   * The copy of a version that is no longer the rollback target may go once it is unmapped. Either
   * this call or the disposal sees the other's write, so the file is deleted exactly when both
   * hold.
   */
  void releaseFile(LoadedVersion version) {
    version.keepFile(false);
    if (version.state() == VersionState.DISPOSED) {
      store.delete(version.shadowPath());
    }
  }

  private void dispose(LoadedVersion version) {
    try {
      version.dispose();
    } catch (RuntimeException | Error e) {
      log.warn(
          "plugin '{}' generation {}: {} failed while unmapping",
          version.pluginName(),
          version.generation(),
          LifecycleExports.SHUTDOWN,
          e);
    }
    if (!version.keepFile()) {
      store.delete(version.shadowPath());
    }
  }

  private void scheduleCheck(long delayNanos) {
    if (executor == null) {
      return;
    }
    try {
      executor.schedule(
          () -> {
            if (disposeDrained() > 0) {
              scheduleCheck(Math.min(delayNanos * 2, MAX_CHECK_NANOS));
            }
          },
          delayNanos,
          TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // Shutting down: close() drains what is left.
    }
  }
}
