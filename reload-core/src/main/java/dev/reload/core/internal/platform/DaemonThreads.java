package dev.reload.core.internal.platform;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Makes an executor's daemon threads, all of one name, and remembers them so that a close can wait
 * until they have ended: {@code awaitTermination} returns while the executor's last thread is
 * still on its way out, and a closed registry or watcher leaves no thread of its own behind.
 *
 * <p>Thread-safe: {@link #made} is guarded by itself.
 */
public final class DaemonThreads implements ThreadFactory {

  private final String name;
  /** Every thread made so far. Guarded by itself. */
  private final List<Thread> made = new ArrayList<>();

  public DaemonThreads(String name) {
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

  /** Whether {@code thread} is one of these threads. */
  public boolean made(Thread thread) {
    synchronized (made) {
      return made.contains(thread);
    }
  }

  /**
   * Waits up to {@code timeout} for {@code executor}, which runs on these threads and has been
   * shut down, to terminate, then for its threads to end.
   *
   * @return false if it did not terminate in time
   */
  public boolean awaitTermination(ExecutorService executor, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    if (!executor.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      return false;
    }
    List<Thread> threads;
    synchronized (made) {
      threads = List.copyOf(made);
    }
    for (Thread thread : threads) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
    }
    return true;
  }
}
