package dev.reload.core.internal;

import dev.reload.ReloadOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Queues reload and rollback requests and runs them when due: on the executor's thread in
 * background mode, and on whichever thread calls {@link #runDue()} ({@code update()}). Requests of
 * the same kind for the same plugin coalesce into one run, so a burst of changes is one reload of
 * the newest file; a request arriving during a run is run after it.
 *
 * <p>Thread-safe. {@link #pending} is guarded by {@link #lock}; a run holds the plugin's reload
 * lock (taken with {@code tryLock} under {@link #lock}, so two threads never run one plugin at
 * once), but never {@link #lock}.
 */
final class ReloadScheduler implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ReloadScheduler.class);

  enum Kind { RELOAD, ROLLBACK }

  private record Key(ManagedPlugin plugin, Kind kind) {}

  /** A queued run and everyone waiting for its outcome. Guarded by {@link #lock} while queued. */
  private static final class Request {
    long dueNanos;
    final List<CompletableFuture<ReloadOutcome>> waiters = new ArrayList<>();

    Request(long dueNanos) {
      this.dueNanos = dueNanos;
    }
  }

  private final Object lock = new Object();
  /** In arrival order. Guarded by {@link #lock}. */
  private final Map<Key, Request> pending = new LinkedHashMap<>();
  /** Guarded by {@link #lock}. */
  private boolean closed;
  /** Null in poll mode. */
  private final ScheduledExecutorService executor;
  private final BiFunction<ManagedPlugin, Kind, ReloadOutcome> runner;

  ReloadScheduler(ScheduledExecutorService executor,
      BiFunction<ManagedPlugin, Kind, ReloadOutcome> runner) {
    this.executor = executor;
    this.runner = runner;
  }

  /**
   * Queues a run due after {@code delay}. A file change ({@code debounce}) pushes an already
   * queued run back so a burst ends in one run; an explicit request never delays one.
   *
   * @return the outcome of the run that will serve this request
   */
  CompletableFuture<ReloadOutcome> request(ManagedPlugin plugin, Kind kind, Duration delay,
      boolean debounce) {
    CompletableFuture<ReloadOutcome> outcome = new CompletableFuture<>();
    long due = System.nanoTime() + delay.toNanos();
    synchronized (lock) {
      if (closed) {
        return CompletableFuture.failedFuture(closedException());
      }
      Request request = pending.computeIfAbsent(new Key(plugin, kind), key -> new Request(due));
      request.dueNanos = debounce ? Math.max(request.dueNanos, due) : Math.min(request.dueNanos, due);
      request.waiters.add(outcome);
    }
    wakeAfter(delay);
    return outcome;
  }

  /**
   * Runs every due request whose plugin is not being reloaded by another thread.
   *
   * @return how many runs this call made
   */
  int runDue() {
    int runs = 0;
    while (true) {
      Key key;
      Request request;
      synchronized (lock) {
        Map.Entry<Key, Request> next = nextDue();
        if (next == null) {
          return runs;
        }
        key = next.getKey();
        request = next.getValue();
      }
      try {
        complete(request, runner.apply(key.plugin(), key.kind()), null);
      } catch (RuntimeException | Error e) {
        if (key.plugin().isClosed()) {
          log.debug("plugin '{}': {} dropped: {}", key.plugin().name(), key.kind(), e.getMessage());
        } else {
          log.error("plugin '{}': {} crashed unexpectedly", key.plugin().name(), key.kind(), e);
        }
        complete(request, null, e);
      } finally {
        key.plugin().reloadLock.unlock();
      }
      runs++;
    }
  }

  /**
   * Removes and returns the first due request whose plugin lock this thread could take. A thread
   * already reloading a plugin (a listener or snapshot calling {@code update()}) never starts a
   * second reload of it inside the first.
   */
  private Map.Entry<Key, Request> nextDue() {
    long now = System.nanoTime();
    for (Iterator<Map.Entry<Key, Request>> it = pending.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Key, Request> entry = it.next();
      ReentrantLock reloadLock = entry.getKey().plugin().reloadLock;
      if (entry.getValue().dueNanos - now <= 0 && !reloadLock.isHeldByCurrentThread()
          && reloadLock.tryLock()) {
        it.remove();
        return entry;
      }
    }
    return null;
  }

  /** Completes a request already removed from {@link #pending}, so no waiter can join it. */
  private static void complete(Request request, ReloadOutcome outcome, Throwable failure) {
    for (CompletableFuture<ReloadOutcome> waiter : request.waiters) {
      if (failure == null) {
        waiter.complete(outcome);
      } else {
        waiter.completeExceptionally(failure);
      }
    }
  }

  private void wakeAfter(Duration delay) {
    if (executor == null) {
      return;
    }
    try {
      executor.schedule(this::runDue, delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // Closing: close() fails what is still queued.
    }
  }

  /**
   * Drops every queued request of {@code plugin}, failing its waiters with {@code reason}. A run
   * already started is not affected.
   */
  void cancel(ManagedPlugin plugin, RuntimeException reason) {
    List<Request> dropped = new ArrayList<>();
    synchronized (lock) {
      for (Iterator<Map.Entry<Key, Request>> it = pending.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<Key, Request> entry = it.next();
        if (entry.getKey().plugin() == plugin) {
          dropped.add(entry.getValue());
          it.remove();
        }
      }
    }
    dropped.forEach(request -> complete(request, null, reason));
  }

  /**
   * Stops taking requests, lets a running reload finish, and fails every queued request. The
   * caller shuts the executor down.
   */
  @Override
  public void close() {
    List<Request> dropped;
    synchronized (lock) {
      closed = true;
      dropped = new ArrayList<>(pending.values());
      pending.clear();
    }
    dropped.forEach(request -> complete(request, null, closedException()));
  }

  private static IllegalStateException closedException() {
    return new IllegalStateException("the plugin registry is closed");
  }
}
