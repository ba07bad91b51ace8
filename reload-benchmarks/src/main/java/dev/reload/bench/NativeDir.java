package dev.reload.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The native parts {@code make} built into {@code reload-benchmarks/target/native}: the
 * benchmark plugin in numbered builds, its source and the baseline program. Immutable.
 */
record NativeDir(Path dir) {

  /** The directory named by the {@code bench.native} system property, or the build's default. */
  static NativeDir fromSystemProperty() {
    return new NativeDir(
        Path.of(System.getProperty("bench.native", "reload-benchmarks/target/native"))
            .toAbsolutePath());
  }

  /** Build {@code n} of the benchmark plugin ({@code version()} returns n). */
  Path build(int n) {
    Path library = dir.resolve("libbench-" + n + ".so");
    if (!Files.isRegularFile(library)) {
      throw new IllegalStateException(library + " is missing: build the module first"
          + " (mvn -pl reload-benchmarks -am package, or reload-benchmarks/run.sh)");
    }
    return library;
  }

  /** The benchmark plugin's C source, for a rebuild with gcc. */
  Path source() {
    return dir.resolve("bench.c");
  }

  Path baseline() {
    return dir.resolve("baseline");
  }

  /**
   * Copies build {@code n} to {@code target} under a temporary name, then renames it into place.
   *
   * @return {@link System#nanoTime()} just before the rename
   */
  long publish(int n, Path target) {
    try {
      Path temp = target.resolveSibling("." + target.getFileName() + ".tmp");
      Files.copy(build(n), temp, StandardCopyOption.REPLACE_EXISTING);
      long renamedAt = System.nanoTime();
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return renamedAt;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
