package dev.reload.testing;

import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A thread of its own that calls a plugin when asked and stays alive in between, as a thread of a
 * server's fixed pool does. {@link #finish()} ends it and waits until the operating system's thread
 * is gone, so its thread-local destructors have run: {@link Thread#join()} returns before that.
 * Linux only (it watches {@code /proc/self/task}).
 *
 * <p>Thread-safe.
 */
public final class CallerThread implements AutoCloseable {

  private static final Duration WAIT = Duration.ofSeconds(30);

  private final AtomicReference<Thread> thread = new AtomicReference<>();
  private final ExecutorService executor;
  /** {@code /proc/<pid>/task/<tid>} of the thread, gone once the OS thread has exited. */
  private final Path task;

  public CallerThread(String name) {
    executor = Executors.newSingleThreadExecutor(runnable -> {
      Thread created = new Thread(runnable, name);
      created.setDaemon(true);
      thread.set(created);
      return created;
    });
    task = call(() -> Path.of("/proc").resolve(Files.readSymbolicLink(Path.of("/proc/thread-self"))));
  }

  /** Runs {@code call} on this thread and returns what it returned. */
  public <T> T call(Callable<T> call) {
    try {
      return executor.submit(call).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("the call on " + thread.get().getName() + " failed",
          e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("the call on " + thread.get().getName() + " took over " + WAIT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Ends the thread and waits until the OS thread has exited. */
  public void finish() {
    executor.shutdown();
    try {
      thread.get().join(WAIT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    await().atMost(WAIT).until(() -> !Files.exists(task));
  }

  @Override
  public void close() {
    if (!executor.isShutdown()) {
      finish();
    }
  }

  @Override
  public String toString() {
    return "CallerThread[" + task + "]";
  }
}
