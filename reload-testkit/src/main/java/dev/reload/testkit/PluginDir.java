package dev.reload.testkit;

import dev.reload.PluginRegistry;
import dev.reload.core.RegistryBuilder;
import dev.reload.core.ReloadSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A temporary plugin setup for one test: a directory of libraries (the search path), a shadow
 * directory and a build directory, with settings pointing at them. {@link ReloadExtension} gives
 * each test one and checks, after the test, that nothing it started is left behind.
 *
 * <p>Thread-safe for building and publishing; {@link #start} and {@link #closeRegistries} are
 * meant for the test's own thread.
 */
public final class PluginDir {

  private final Path root;
  private final Path libs;
  private final Path shadow;
  private final NativeBuild build;
  /**
   * Registries started through {@link #start}, closed by {@link #closeRegistries}. Guarded by this.
   */
  private final List<PluginRegistry> started = new ArrayList<>();

  /**
   * A setup in {@code root}: {@code plugins/}, {@code shadow/} and {@code build/} inside it.
   *
   * @param root the directory holding the others
   */
  public PluginDir(Path root) {
    this.root = root;
    this.libs = root.resolve("plugins");
    this.shadow = root.resolve("shadow");
    this.build = new NativeBuild(root.resolve("build"));
    try {
      Files.createDirectories(libs);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@return the directory holding the others, free for the test's own files too} */
  public Path root() {
    return root;
  }

  /** {@return the directory libraries are published to} */
  public Path libs() {
    return libs;
  }

  /** {@return the shadow directory the settings use} */
  public Path shadow() {
    return shadow;
  }

  /** {@return the builds of this setup, made in its own build directory} */
  public NativeBuild build() {
    return build;
  }

  /**
   * {@return where the library of plugin {@code name} lives: {@code plugins/lib<name>.so}}
   *
   * @param name the plugin's name
   */
  public Path lib(String name) {
    return libs.resolve("lib" + name + ".so");
  }

  /**
   * Builds the C {@code source} with gcc and renames it into place as plugin {@code name}.
   *
   * @param name the plugin's name
   * @param source the C source
   * @return the plugin's library file
   */
  public Path publish(String name, String source) {
    return build.publish(source, lib(name));
  }

  /**
   * Publishes the library {@code build} as plugin {@code name}, the way {@code how} says.
   *
   * @param name the plugin's name
   * @param build the built library, left as it is
   * @param how the way a deploy puts the file in place
   * @return the plugin's library file
   */
  public Path publish(String name, Path build, Publish how) {
    return how.publish(build, lib(name));
  }

  /**
   * Settings searching {@link #libs()}, with a short debounce and background reloads. The
   * preflight probe is off (it starts a JVM per registry); turn it on to test bad builds.
   *
   * @return a builder of settings for this setup
   */
  public ReloadSettings.Builder settings() {
    return ReloadSettings.builder()
        .searchPaths(libs)
        .shadowDir(shadow)
        .preflight(false)
        .debounce(Duration.ofMillis(20))
        .drainTimeout(Duration.ofSeconds(5));
  }

  /**
   * Builds and starts the registry of {@code builder}, to be closed by {@link #closeRegistries}.
   *
   * @param builder the registry's builder
   * @return the started registry
   */
  public PluginRegistry start(RegistryBuilder builder) {
    PluginRegistry registry = builder.build();
    synchronized (this) {
      started.add(registry);
    }
    return registry;
  }

  /**
   * Starts a registry of {@code settings}, to be closed by {@link #closeRegistries}.
   *
   * @param settings the registry's settings
   * @return the started registry
   */
  public PluginRegistry start(ReloadSettings settings) {
    return start(RegistryBuilder.of(settings));
  }

  /** Closes every registry {@link #start} started, the newest first. */
  public void closeRegistries() {
    List<PluginRegistry> registries;
    synchronized (this) {
      registries = new ArrayList<>(started);
      started.clear();
    }
    for (int i = registries.size() - 1; i >= 0; i--) {
      registries.get(i).close();
    }
  }

  /** {@return every file under the shadow directory} */
  public List<Path> shadowFiles() {
    if (!Files.exists(shadow)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(shadow)) {
      return files.filter(Files::isRegularFile).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@return lines of {@code /proc/self/maps} that map a file under {@code dir}}
   *
   * @param dir the directory whose files are looked for
   */
  public static List<String> mappedUnder(Path dir) {
    try {
      String prefix = dir.toRealPath().toString();
      return Files.readAllLines(Path.of("/proc/self/maps")).stream()
          .filter(line -> line.contains(prefix))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
