package dev.reload.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The sources of the example plugins in {@code native-plugins/src/main}, for tests that build them
 * with their own toolchain. Found from the module directory the tests run in (every module sits
 * next to {@code native-plugins}). Stateless and thread-safe.
 */
public final class ExamplePlugins {

  private ExamplePlugins() {}

  /** {@code native-plugins/src/main}. */
  public static Path sources() {
    Path sources = Path.of("..", "native-plugins", "src", "main").toAbsolutePath().normalize();
    if (!Files.isDirectory(sources)) {
      throw new IllegalStateException("cannot find the example plugins' sources at " + sources
          + " (tests run from a module directory next to native-plugins)");
    }
    return sources;
  }

  /** The Rust crate {@code native-plugins/src/main/rust/<name>}. */
  public static Path rustCrate(String name) {
    return sources().resolve("rust").resolve(name);
  }

  /** The C++ source {@code native-plugins/src/main/cpp/<name>.cpp}. */
  public static Path cpp(String name) {
    return sources().resolve("cpp").resolve(name + ".cpp");
  }
}
