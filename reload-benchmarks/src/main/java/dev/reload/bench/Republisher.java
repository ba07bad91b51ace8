package dev.reload.bench;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Republishes a plugin on a thread of its own, one step (such as {@link
 * PluginBuilds#publishNext()}: build, then rename into place) every {@code interval}, measured
 * from start to start; a step that takes longer delays the next one, two never overlap. Runs
 * until closed.
 *
 * <p>Thread-safe: {@link #close()} and the getters may be called from any thread.
 */
final class Republisher implements AutoCloseable {

  private final Runnable step;
  private final long intervalNanos;
  private final Thread thread;
  private final AtomicInteger published = new AtomicInteger();
  /** The first failure of a build, which also ends the republishing. */
  private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
  /** Cleared by close(), read by the republishing thread. */
  private volatile boolean running = true;

  private Republisher(Runnable step, Duration interval) {
    this.step = step;
    this.intervalNanos = interval.toNanos();
    this.thread = new Thread(this::run, "republisher");
    this.thread.setDaemon(true);
  }

  /** Starts running {@code step} now, and every {@code interval}. */
  static Republisher start(Runnable step, Duration interval) {
    Republisher republisher = new Republisher(step, interval);
    republisher.thread.start();
    return republisher;
  }

  private void run() {
    long due = System.nanoTime();
    while (running) {
      try {
        step.run();
        published.incrementAndGet();
      } catch (RuntimeException e) {
        failure.compareAndSet(null, e);
        return;
      }
      due += intervalNanos;
      for (long wait = due - System.nanoTime();
          running && wait > 0;
          wait = due - System.nanoTime()) {
        LockSupport.parkNanos(wait);
      }
    }
  }

  /** Builds renamed into place so far. */
  int published() {
    return published.get();
  }

  /** Stops after the build in progress, if any, and waits for it. */
  @Override
  public void close() throws InterruptedException {
    running = false;
    LockSupport.unpark(thread);
    thread.join(TimeUnit.MINUTES.toMillis(1));
    RuntimeException e = failure.get();
    if (e != null) {
      throw new IllegalStateException("republishing failed after " + published() + " builds", e);
    }
  }
}
