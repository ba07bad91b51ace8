package dev.reload.core.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Makes an executor's daemon threads, all of one name, and remembers them so that a close can wait
 * until they have ended: {@code awaitTermination} returns while the executor's last thread is
 * still on its way out, and a closed registry or watcher leaves no thread of its own behind.
 *
 * <p>Thread-safe: {@link #made} is guarded by itself.
 */
final class DaemonThreads implements ThreadFactory {

  private final String name;
  /** Every thread made so far. Guarded by itself. */
  private final List<Thread> made = new ArrayList<>();

  DaemonThreads(String name) {
    this.name = name;
  }

  @Override
  public Thread newThread(Runnable task) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    synchronized (made) {
      made.add(thread);
    }
    return thread;
  }

  /**
   * Waits up to {@code timeout} in all for every thread made to end, but for the calling thread:
   * call it once the executor has terminated.
   */
  void join(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Thread> threads;
    synchronized (made) {
      threads = List.copyOf(made);
    }
    for (Thread thread : threads) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return;
      }
      if (thread != Thread.currentThread()) {
        thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      }
    }
  }
}
