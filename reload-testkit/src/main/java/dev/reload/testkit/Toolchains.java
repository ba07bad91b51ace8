package dev.reload.testkit;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the compilers the tests build plugins with. gcc, g++ and cargo are on every machine of this
 * project; where one is missing, the tests that need it are skipped (an assumption that names it),
 * and only those. Stateless and thread-safe.
 */
public final class Toolchains {

  private Toolchains() {}

  /** {@return {@code cargo} on the PATH, or where rustup installs it ({@code ~/.cargo/bin})} */
  public static Optional<Path> cargo() {
    Optional<Path> onPath = onPath("cargo");
    if (onPath.isPresent()) {
      return onPath;
    }
    Path rustup = Path.of(System.getProperty("user.home"), ".cargo", "bin", "cargo");
    return Files.isExecutable(rustup) ? Optional.of(rustup) : Optional.empty();
  }

  /**
   * Skips the calling test unless cargo can be found.
   *
   * @return where cargo is
   */
  public static Path assumeCargo() {
    Optional<Path> cargo = cargo();
    Assumptions.assumeTrue(
        cargo.isPresent(),
        "cargo is neither on the PATH nor in ~/.cargo/bin: skipping a test of a Rust plugin");
    return cargo.get();
  }

  /** Skips the calling test unless g++ is on the PATH. */
  public static void assumeGxx() {
    Assumptions.assumeTrue(
        onPath("g++").isPresent(), "g++ is not on the PATH: skipping a test of a C++ plugin");
  }

  private static Optional<Path> onPath(String tool) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty()) {
        Path candidate = Path.of(dir, tool);
        if (Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }
}
