package dev.reload.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.ReloadOutcome;
import dev.reload.core.RegistryBuilder;
import dev.reload.core.ReloadSettings;
import dev.reload.spi.StateSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * A temporary plugin setup for one test: a directory of libraries (the search path), a shadow
 * directory and a build directory, with settings pointing at them.
 */
public final class PluginDir {

  private final Path libs;
  private final Path shadow;
  private final NativeBuild build;

  public PluginDir(Path root) {
    this.libs = root.resolve("plugins");
    this.shadow = root.resolve("shadow");
    this.build = new NativeBuild(root.resolve("build"));
    try {
      Files.createDirectories(libs);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The directory libraries are published to. */
  public Path libs() {
    return libs;
  }

  /** The shadow directory the settings use. */
  public Path shadow() {
    return shadow;
  }

  public NativeBuild build() {
    return build;
  }

  /** Where the library of plugin {@code name} lives: {@code plugins/lib<name>.so}. */
  public Path lib(String name) {
    return libs.resolve("lib" + name + ".so");
  }

  /** Builds {@code source} and renames it into place as plugin {@code name}'s library. */
  public Path publish(String name, String source) {
    return build.publish(source, lib(name));
  }

  /**
   * Publishes counter builds 2 to {@code lastBuild} as each of {@code plugins} in turn and reloads
   * them one by one, checking that every reload swaps.
   */
  public void reloadCountersThrough(PluginRegistry registry, int lastBuild, String... plugins) {
    for (int build = 2; build <= lastBuild; build++) {
      for (String plugin : plugins) {
        publish(plugin, Sources.counter(build));
      }
      for (String plugin : plugins) {
        assertThat(registry.reload(plugin).join()).isInstanceOf(ReloadOutcome.Swapped.class);
      }
    }
  }

  /**
   * Settings searching {@link #libs()}, with a short debounce and background reloads. The
   * preflight probe is off (it starts a JVM per registry); the tests of bad builds turn it on.
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
   * Starts a registry of the one plugin {@code counter} (manual reloads: no watcher) whose state
   * moves through {@code snapshot}.
   */
  public PluginRegistry startCounter(StateSnapshot snapshot) {
    return RegistryBuilder.of(settings().watchEnabled(false)
            .plugin(PluginSettings.builder("counter").build()).build())
        .stateSnapshot("counter", snapshot)
        .build();
  }

  /** Every file under the shadow directory. */
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

  /** Lines of {@code /proc/self/maps} that map a file under {@code dir}. */
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
