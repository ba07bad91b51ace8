package dev.reload.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What this process holds now, read from {@code /proc/self} and the JVM: for leak checks. */
record ProcessFacts(long mappedLibraries, long openFds, long threads, long loadedClasses) {

  static ProcessFacts now() {
    return new ProcessFacts(countMappedLibraries(), count(Path.of("/proc/self/fd")),
        ManagementFactory.getThreadMXBean().getThreadCount(),
        ManagementFactory.getClassLoadingMXBean().getLoadedClassCount());
  }

  /** Distinct shared objects mapped into this process. */
  static long countMappedLibraries() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
      return lines.map(line -> line.indexOf('/') < 0 ? "" : line.substring(line.indexOf('/')))
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
      return lines.filter(line -> line.contains(prefix))
          .map(line -> line.substring(line.indexOf('/')))
          .distinct()
          .count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static long count(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.count();
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
