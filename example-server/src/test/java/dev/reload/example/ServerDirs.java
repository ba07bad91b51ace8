package dev.reload.example;

import dev.reload.testkit.NativeBuild;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The directories of one example server under test, in a fresh temporary directory: its plugin
 * directory, holding {@code libgreeter.so} and {@code libcounter.so} built with gcc from the real
 * sources in {@code native-plugins}, its shadow directory, and the build that republishes
 * plugins. Not thread-safe: one test class uses it.
 */
final class ServerDirs {

  private static final Path SOURCES = Path.of("..", "native-plugins", "src", "main", "c");

  private final Path root;
  private final Path plugins;
  private final Path shadow;
  private final NativeBuild build;

  private ServerDirs(Path root) throws IOException {
    this.root = root;
    this.plugins = Files.createDirectories(root.resolve("plugins"));
    this.shadow = root.resolve("shadow");
    this.build = new NativeBuild(root.resolve("build"));
  }

  /** A new temporary directory named after {@code prefix}, with both plugins built into it. */
  static ServerDirs create(String prefix) throws IOException {
    ServerDirs dirs = new ServerDirs(Files.createTempDirectory(prefix));
    dirs.publish(source("greeter.c"), "libgreeter.so");
    dirs.publish(source("counter.c"), "libcounter.so");
    return dirs;
  }

  /** The text of {@code native-plugins/src/main/c/<file>}. */
  static String source(String file) {
    try {
      return Files.readString(SOURCES.resolve(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Builds {@code source} and renames it onto {@code library} in the plugin directory. */
  Path publish(String source, String library) {
    return build.publish(source, plugins.resolve(library));
  }

  /** The system properties that point a server at these directories. */
  List<String> properties() {
    return List.of("-Dexample.plugin-dir=" + plugins, "-Dreload.shadow-dir=" + shadow);
  }

  Path root() {
    return root;
  }

  Path plugins() {
    return plugins;
  }

  Path shadow() {
    return shadow;
  }

  NativeBuild build() {
    return build;
  }
}
