package dev.reload.testing;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * {@link CompletableFuture#supplyAsync} and {@link CompletableFuture#runAsync}, each task on a
 * thread of its own. The default pool will not do for tests that block in one task while another
 * runs: on a 2-core machine its parallelism is 1, and from JDK 25 on it runs such tasks one after
 * another (JDK 17 started a thread per task). Thread-safe.
 */
public final class Async {

  /** Starts a daemon thread per task. */
  public static final Executor THREAD_PER_TASK = task -> {
    Thread thread = new Thread(task, "test-async");
    thread.setDaemon(true);
    thread.start();
  };

  private Async() {}

  public static <T> CompletableFuture<T> supply(Supplier<T> supplier) {
    return CompletableFuture.supplyAsync(supplier, THREAD_PER_TASK);
  }

  public static CompletableFuture<Void> run(Runnable runnable) {
    return CompletableFuture.runAsync(runnable, THREAD_PER_TASK);
  }
}
