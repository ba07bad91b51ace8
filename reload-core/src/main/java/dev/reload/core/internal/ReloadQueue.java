package dev.reload.core.internal;

import dev.reload.ReloadOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One plugin's reload lock and the requests waiting for it. Whoever holds the lock is the one
 * thread that may change the plugin's versions: a reload or a rollback ({@link #runDue}), a
 * {@code bind()} ({@link #hold}), the registry's close ({@link #close}). Whoever releases it hands
 * on what waits, so a request queued behind a holder that is not the scheduler is never stranded.
 *
 * <p><b>Concurrency.</b> Thread-safe. The lock is taken and released only in this class, each time
 * in one method with a {@code finally}, and every release goes through {@link #release}, which
 * does three things in order: runs the closing that {@link #close} left for the holder (still
 * holding the lock); unlocks; and, if a request is due, wakes whoever runs requests (the
 * scheduler's executor; nothing in poll mode, where the next {@code update()} runs it). A thread
 * that finds the lock held gives up and counts on that release: it queued its request (under
 * {@link #guard}) before trying the lock, and the holder looks at the queue (under {@link #guard})
 * only after unlocking, so the holder sees the request. The requests, the stopped flag and the
 * closing are guarded by {@link #guard}, which is never held while a reload, a closing or any
 * user code runs.
 */
final class ReloadQueue {

  private static final Logger log = LoggerFactory.getLogger(ReloadQueue.class);

  /**
   * Queued runs of one kind and everyone waiting for their outcome. Guarded by {@link #guard}
   * while queued; the thread that takes it off the queue then owns it.
   */
  private static final class Request {
    final List<CompletableFuture<ReloadOutcome>> waiters = new ArrayList<>();
    /** Has the request run when it is due; the same for every request of one scheduler. */
    final Runnable wake;

    long dueNanos;
    /** Whether {@code reload()} or {@code rollback()} asked for it: no file change delays it. */
    boolean explicit;

    Request(long dueNanos, Runnable wake) {
      this.dueNanos = dueNanos;
      this.wake = wake;
    }
  }

  private final String plugin;
  /** Held by whoever reloads, rolls back, binds or closes the plugin. */
  private final ReentrantLock lock = new ReentrantLock();

  private final Object guard = new Object();
  /** Queued runs by kind, in arrival order. Guarded by {@link #guard}. */
  private final Map<ReloadScheduler.Kind, Request> pending = new LinkedHashMap<>();
  /** Set once by {@link #stop()}. Guarded by {@link #guard}. */
  private boolean stopped;
  /** Why later requests are refused, set with {@link #stopped}. Guarded by {@link #guard}. */
  private RuntimeException stopReason;
  /** What {@link #close} left for the lock's holder to run. Guarded by {@link #guard}. */
  private Runnable closing;

  ReloadQueue(String plugin) {
    this.plugin = plugin;
  }

  /**
   * Queues a run of {@code kind} due after {@code delay}; {@code wake} has due runs run. Requests
   * of one kind coalesce into one run. A file change pushes a queued run back, so a burst of
   * changes ends in one run of the newest file, unless an explicit request waits for that run:
   * nothing delays an explicit request, and one arriving brings the run forward.
   *
   * @return the outcome of the run that serves this request; failed at once once stopped
   */
  CompletableFuture<ReloadOutcome> request(
      ReloadScheduler.Kind kind, Duration delay, boolean fileChange, Runnable wake) {
    CompletableFuture<ReloadOutcome> outcome = new CompletableFuture<>();
    long due = System.nanoTime() + delay.toNanos();
    synchronized (guard) {
      if (stopped) {
        return CompletableFuture.failedFuture(
            new IllegalStateException(stopReason.getMessage(), stopReason));
      }
      Request request = pending.computeIfAbsent(kind, key -> new Request(due, wake));
      if (!fileChange) {
        request.explicit = true;
        request.dueNanos = Math.min(request.dueNanos, due);
      } else if (!request.explicit) {
        request.dueNanos = Math.max(request.dueNanos, due);
      }
      request.waiters.add(outcome);
    }
    return outcome;
  }

  /**
   * Runs every due request with {@code runner}, holding the lock, and those that fall due
   * meanwhile; does nothing if another thread holds the lock (its release hands the requests on),
   * or if this thread does (a listener or snapshot calling {@code update()} never starts a second
   * reload of the plugin inside the first: the first goes on to run it once it ends).
   *
   * @return how many runs this call made
   */
  int runDue(Function<ReloadScheduler.Kind, ReloadOutcome> runner) {
    int runs = 0;
    while (!lock.isHeldByCurrentThread() && hasDue() && lock.tryLock()) {
      try {
        for (Map.Entry<ReloadScheduler.Kind, Request> next = takeDue();
            next != null;
            next = takeDue()) {
          run(next.getKey(), next.getValue(), runner);
          runs++;
        }
      } finally {
        // This loop looks at the queue again itself: no wake-up needed.
        release(false);
      }
    }
    return runs;
  }

  /**
   * Runs {@code action} holding the lock (blocking while a reload runs), then hands on whatever
   * fell due meanwhile. Reentrant: a listener or snapshot on the reload's own thread runs at once.
   */
  <T> T hold(Supplier<T> action) {
    lock.lock();
    try {
      return action.get();
    } finally {
      release(true);
    }
  }

  /** Whether the calling thread holds the lock: it is running this plugin's reload or bind. */
  boolean isHeldByCurrentThread() {
    return lock.isHeldByCurrentThread();
  }

  /**
   * Refuses every later request and fails the queued ones; a run in progress finishes. Idempotent.
   */
  void stop() {
    stop(closedException());
  }

  /**
   * Like {@link #stop()}, failing the queued requests, and refusing later ones, with {@code
   * reason} (e.g. the plugin was removed).
   */
  void stop(RuntimeException reason) {
    List<Request> dropped;
    synchronized (guard) {
      if (!stopped) {
        stopReason = reason;
      }
      stopped = true;
      dropped = new ArrayList<>(pending.values());
      pending.clear();
    }
    dropped.forEach(request -> complete(request, null, reason));
  }

  /**
   * Stops the queue and has {@code closing} run once, holding the lock: on this thread if the lock
   * comes free within {@code timeout}, else by the thread holding it, when it releases it (after
   * the reload it is running). Called from the plugin's own reload (a listener closing the
   * registry), the closing waits for that reload to end.
   *
   * @return whether {@code closing} has run when this returns
   */
  boolean close(Runnable closing, Duration timeout) {
    stop();
    synchronized (guard) {
      this.closing = closing;
    }
    if (lock.isHeldByCurrentThread() || !tryLock(timeout)) {
      return false;
    }
    release(false);
    return true;
  }

  private boolean tryLock(Duration timeout) {
    try {
      return lock.tryLock(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * The one way the lock is released: runs a closing left by {@link #close} if this is the
   * outermost hold, unlocks, then, if {@code handOn}, wakes the runner of any due request.
   */
  private void release(boolean handOn) {
    try {
      Runnable left = null;
      if (lock.getHoldCount() == 1) {
        synchronized (guard) {
          left = closing;
          closing = null;
        }
      }
      if (left != null) {
        runClosing(left);
      }
    } finally {
      lock.unlock();
    }
    if (handOn && !lock.isHeldByCurrentThread()) {
      Runnable wake = dueWake();
      if (wake != null) {
        wake.run();
      }
    }
  }

  private void runClosing(Runnable left) {
    try {
      left.run();
    } catch (RuntimeException | Error e) {
      log.error("plugin '{}': closing failed", plugin, e);
    }
  }

  private boolean hasDue() {
    return dueWake() != null;
  }

  /** The wake-up of the first due request, or null if none is due. */
  private Runnable dueWake() {
    long now = System.nanoTime();
    synchronized (guard) {
      for (Request request : pending.values()) {
        if (request.dueNanos - now <= 0) {
          return request.wake;
        }
      }
      return null;
    }
  }

  /** Removes and returns the first due request, so that no later waiter joins it. */
  private Map.Entry<ReloadScheduler.Kind, Request> takeDue() {
    long now = System.nanoTime();
    synchronized (guard) {
      for (Iterator<Map.Entry<ReloadScheduler.Kind, Request>> it =
              pending.entrySet().iterator();
          it.hasNext(); ) {
        Map.Entry<ReloadScheduler.Kind, Request> entry = it.next();
        if (entry.getValue().dueNanos - now <= 0) {
          it.remove();
          return entry;
        }
      }
      return null;
    }
  }

  private void run(
      ReloadScheduler.Kind kind,
      Request request,
      Function<ReloadScheduler.Kind, ReloadOutcome> runner) {
    try {
      complete(request, runner.apply(kind), null);
    } catch (RuntimeException | Error e) {
      log.error("plugin '{}': {} crashed unexpectedly", plugin, kind, e);
      complete(request, null, e);
    }
  }

  private static void complete(Request request, ReloadOutcome outcome, Throwable failure) {
    for (CompletableFuture<ReloadOutcome> waiter : request.waiters) {
      if (failure == null) {
        waiter.complete(outcome);
      } else {
        waiter.completeExceptionally(failure);
      }
    }
  }

  private static IllegalStateException closedException() {
    return new IllegalStateException("the plugin registry is closed");
  }
}
