package dev.reload.testkit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * What a test's registries left behind: shadow copies still on disk or mapped, and engine threads
 * ({@code reload-*}) started during the test and still alive. Taken before a test and checked
 * after it, once its registries are closed. Immutable and thread-safe.
 */
final class Leftovers {

  /** How long threads get to end once their registry closed: shut down, they end at once. */
  private static final long THREAD_GRACE_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final Set<Thread> threadsBefore;

  private Leftovers(Set<Thread> threadsBefore) {
    this.threadsBefore = threadsBefore;
  }

  /** Remembers the engine threads alive now, which a later check does not count. */
  static Leftovers before() {
    return new Leftovers(engineThreads());
  }

  /**
   * Fails, listing everything left, if {@code dir}'s shadow directory holds or maps a copy, or an
   * engine thread started since {@link #before} is alive after a grace period.
   */
  void check(PluginDir dir) {
    List<String> problems = new ArrayList<>();
    List<Thread> threads = awaitEnd(engineThreads().stream()
        .filter(thread -> !threadsBefore.contains(thread))
        .toList());
    if (!threads.isEmpty()) {
      problems.add("engine threads still running: "
          + threads.stream().map(Thread::getName).sorted().collect(Collectors.joining(", ")));
    }
    List<Path> copies = dir.shadowFiles();
    if (!copies.isEmpty()) {
      problems.add("shadow copies left on disk: " + copies);
    }
    List<String> mapped = PluginDir.mappedUnder(dir.shadow().getParent());
    if (!mapped.isEmpty()) {
      problems.add("libraries still mapped (/proc/self/maps):\n  " + String.join("\n  ", mapped));
    }
    if (!problems.isEmpty()) {
      throw new AssertionError("the test left things behind (did it close every registry?):\n- "
          + String.join("\n- ", problems));
    }
  }

  private static List<Thread> awaitEnd(List<Thread> threads) {
    long deadline = System.nanoTime() + THREAD_GRACE_NANOS;
    try {
      for (Thread thread : threads) {
        TimeUnit.NANOSECONDS.timedJoin(thread, Math.max(1, deadline - System.nanoTime()));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return threads.stream().filter(Thread::isAlive).toList();
  }

  private static Set<Thread> engineThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(thread -> thread.getName().startsWith("reload-"))
        .collect(Collectors.toSet());
  }
}
