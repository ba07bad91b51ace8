package dev.reload.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * What this process holds now, read from {@code /proc/self} and the JVM: for leak checks.
 *
 * @param uptimeMillis when it was taken, on the clock of {@code -Xlog} uptime stamps
 */
record ProcessFacts(
    long mappedLibraries,
    long openFds,
    long threads,
    long loadedClasses,
    long uptimeMillis,
    java.util.List<String> threadNames,
    java.util.List<String> fdTargets) {

  static ProcessFacts now() {
    java.util.List<String> descriptors = openDescriptors();
    java.util.List<String> threads = Thread.getAllStackTraces().keySet().stream()
        .map(Thread::getName)
        .filter(name -> !elastic(name))
        .sorted()
        .toList();
    return new ProcessFacts(
        countMappedLibraries(),
        descriptors.size(),
        threads.size(),
        ManagementFactory.getClassLoadingMXBean().getLoadedClassCount(),
        ManagementFactory.getRuntimeMXBean().getUptime(),
        threads,
        descriptors);
  }

  /**
   * Whether the thread belongs to one of the JDK's own pools that grow on demand and shrink after
   * a minute idle, on their own timer: the process reaper (one per child process ended, gcc's
   * included) and the common fork-join pool. Counted, they would make the before / after rows
   * judge the timing of a snapshot instead of what Reload holds.
   */
  private static boolean elastic(String threadName) {
    return threadName.equals("process reaper")
        || threadName.startsWith("ForkJoinPool.commonPool-worker-");
  }

  /**
   * As {@link #now()}, after a full GC: classes already unreachable are unloaded first, not
   * counted.
   */
  static ProcessFacts afterFullGc() {
    System.gc();
    return now();
  }

  /**
   * What each open descriptor refers to, sorted, leaving out files under {@code /proc}: this
   * listing's own, and the engine's brief reads of {@code /proc/self/maps} after each unload,
   * which may be open at the moment of a snapshot without being held; and the container limits
   * under {@code /sys/fs/cgroup}, which the JVM itself reads now and then (JDK 17 before adding a
   * JIT compiler thread: a busy machine made the count flaky, 47 -> 46).
   */
  private static java.util.List<String> openDescriptors() {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.map(fd -> {
            try {
              return Files.readSymbolicLink(fd).toString();
            } catch (IOException e) {
              return "?"; // closed between listing and reading: not held
            }
          })
          .filter(target -> !target.startsWith("/proc/")
              && !target.startsWith("/sys/fs/cgroup/")
              && !target.equals("?"))
          .sorted()
          .toList();
    } catch (IOException e) {
      return java.util.List.of();
    }
  }

  /**
   * The classes a {@code -Xlog:class+load=info,class+unload=info:file=F:uptimemillis} log says
   * were loaded between two snapshots and not unloaded before the second, so a growing class count
   * can be told apart from a leak: the JIT loads a few JDK internals lazily, and a class that
   * came and went is not held.
   */
  static java.util.List<String> classesLoadedBetween(
      Path log, ProcessFacts before, ProcessFacts after) {
    java.util.regex.Pattern loaded =
        java.util.regex.Pattern.compile("\\[(\\d+)ms\\] (\\S+) source: (.*)");
    java.util.regex.Pattern unloaded =
        java.util.regex.Pattern.compile("\\[(\\d+)ms\\] unloading class (\\S+) .*");
    java.util.Map<String, String> kept = new java.util.LinkedHashMap<>();
    try (Stream<String> lines = Files.lines(log)) {
      lines.forEach(line -> {
        java.util.regex.Matcher load = loaded.matcher(line);
        java.util.regex.Matcher unload = unloaded.matcher(line);
        if (load.matches() && within(load.group(1), before, after)) {
          kept.put(load.group(2), load.group(2) + " (" + load.group(3) + ")");
        } else if (unload.matches() && within(unload.group(1), before, after)) {
          kept.remove(unload.group(2));
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return java.util.List.copyOf(kept.values());
  }

  private static boolean within(String uptimeMillis, ProcessFacts before, ProcessFacts after) {
    long at = Long.parseLong(uptimeMillis);
    return at > before.uptimeMillis() && at < after.uptimeMillis();
  }

  /** Distinct shared objects mapped into this process. */
  static long countMappedLibraries() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
      return lines
          .map(line -> line.indexOf('/') < 0 ? "" : line.substring(line.indexOf('/')))
          .filter(path -> path.contains(".so"))
          .distinct()
          .count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Shared objects under {@code dir} mapped into this process. */
  static long mappedUnder(Path dir) {
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
      String prefix = dir.toRealPath().toString();
      return lines
          .filter(line -> line.contains(prefix))
          .map(line -> line.substring(line.indexOf('/')))
          .distinct()
          .count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static long files(Path dir) {
    try (Stream<Path> entries = Files.walk(dir)) {
      return entries.filter(Files::isRegularFile).count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
