package dev.reload.core.internal;

import dev.reload.ReloadOutcome;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * Runs reload and rollback requests when due: on the executor's thread in background mode, and on
 * whichever thread calls {@link #runDue(Collection)} ({@code update()}) in poll mode. The requests
 * wait in each plugin's {@link ReloadQueue}, which also owns the plugin's reload lock; this class
 * only decides who runs them and when.
 *
 * <p><b>Concurrency.</b> Thread-safe. A request is queued first and its wake-up scheduled second,
 * so a wake-up always finds what it was scheduled for. A wake-up that finds the plugin's lock held
 * (by a reload on another thread, a {@code bind()}, the registry's close) leaves the request to the
 * holder, whose release wakes the plugin again: no request waits for an unrelated later one.
 * {@link #closed} is volatile; everything else is final.
 */
final class ReloadScheduler {

  enum Kind {
    RELOAD,
    ROLLBACK
  }

  /** Null in poll mode. */
  private final ScheduledExecutorService executor;

  private final BiFunction<ManagedPlugin, Kind, ReloadOutcome> runner;
  /** Set once by {@link #close}; requests made after it fail at once. */
  private volatile boolean closed;

  ReloadScheduler(
      ScheduledExecutorService executor, BiFunction<ManagedPlugin, Kind, ReloadOutcome> runner) {
    this.executor = executor;
    this.runner = runner;
  }

  /**
   * Queues a run due after {@code delay}. A file change pushes an already queued run back so a
   * burst ends in one run; an explicit request is never delayed by one.
   *
   * @return the outcome of the run that will serve this request
   */
  CompletableFuture<ReloadOutcome> request(
      ManagedPlugin plugin, Kind kind, Duration delay, boolean fileChange) {
    if (closed) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("the plugin registry is closed"));
    }
    CompletableFuture<ReloadOutcome> outcome =
        plugin.reloads().request(kind, delay, fileChange, () -> wakeAfter(plugin, Duration.ZERO));
    wakeAfter(plugin, delay);
    return outcome;
  }

  /**
   * Runs the due requests of each of {@code plugins} that no other thread is reloading.
   *
   * @return how many runs this call made
   */
  int runDue(Collection<ManagedPlugin> plugins) {
    int runs = 0;
    for (ManagedPlugin plugin : plugins) {
      runs += runDue(plugin);
    }
    return runs;
  }

  private int runDue(ManagedPlugin plugin) {
    return plugin.reloads().runDue(kind -> runner.apply(plugin, kind));
  }

  private void wakeAfter(ManagedPlugin plugin, Duration delay) {
    if (executor == null) {
      return;
    }
    try {
      executor.schedule(() -> runDue(plugin), delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // Closing: the plugin's queue fails what is still queued.
    }
  }

  /**
   * Refuses later requests and fails the queued ones of {@code plugins}; a running reload
   * finishes. The caller shuts the executor down.
   */
  void close(Collection<ManagedPlugin> plugins) {
    closed = true;
    plugins.forEach(plugin -> plugin.reloads().stop());
  }
}
