package dev.reload.testing;

import dev.reload.PluginLease;
import dev.reload.PluginRegistry;
import dev.reload.VersionState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Threads that call {@code counter_next} of a {@link Sources#counter} plugin back to back until
 * stopped: in leases (each checking that its lease stays on one live version) or through a bound
 * {@link CounterApi}.
 */
public final class Callers {

  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong increments = new AtomicLong();
  private final List<Throwable> failures = new CopyOnWriteArrayList<>();
  private final List<Thread> threads = new ArrayList<>();

  private Callers() {}

  /** Starts {@code count} callers using leases; returns once each has begun calling. */
  public static Callers start(PluginRegistry registry, String plugin, int count)
      throws InterruptedException {
    return start(plugin, count, () -> callInLease(registry, plugin));
  }

  /**
   * Starts {@code count} callers of {@link CounterApi#next()} bound once by {@code
   * Plugin.bind}; returns once each has begun calling.
   */
  public static Callers startBound(PluginRegistry registry, String plugin, int count)
      throws InterruptedException {
    CounterApi counter = registry.plugin(plugin).bind(CounterApi.class);
    return start(plugin, count, counter::next);
  }

  private static Callers start(String plugin, int count, Runnable call)
      throws InterruptedException {
    Callers callers = new Callers();
    CountDownLatch started = new CountDownLatch(count);
    for (int i = 0; i < count; i++) {
      Thread thread = new Thread(() -> callers.loop(call, started), plugin + "-caller-" + i);
      thread.setDaemon(true);
      thread.start();
      callers.threads.add(thread);
    }
    if (!started.await(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("callers did not start");
    }
    return callers;
  }

  private void loop(Runnable call, CountDownLatch started) {
    started.countDown();
    while (running.get()) {
      try {
        call.run();
        increments.incrementAndGet();
      } catch (Throwable e) {
        failures.add(e);
      }
    }
  }

  private static void callInLease(PluginRegistry registry, String plugin) {
    try (PluginLease lease = registry.plugin(plugin).acquire()) {
      VersionState state = lease.version().state();
      if (state != VersionState.ACTIVE && state != VersionState.DRAINING) {
        throw new AssertionError("leased a version in state " + state);
      }
      int version = lease.invokeInt("version");
      lease.invokeLong("counter_next");
      if (lease.invokeInt("version") != version) {
        throw new AssertionError("one lease's calls reached two versions");
      }
    }
  }

  /** Stops the callers and waits for them. */
  public Callers stop() throws InterruptedException {
    running.set(false);
    for (Thread thread : threads) {
      thread.join(10_000);
    }
    return this;
  }

  /** Calls that completed. */
  public long increments() {
    return increments.get();
  }

  /** What went wrong in any call. */
  public List<Throwable> failures() {
    return failures;
  }
}
