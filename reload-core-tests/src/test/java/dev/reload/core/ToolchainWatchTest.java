package dev.reload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.reload.PluginLease;
import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.fixtures.Calls;
import dev.reload.fixtures.CounterSnapshot;
import dev.reload.fixtures.ExamplePlugins;
import dev.reload.fixtures.InEveryWatchMode;
import dev.reload.testkit.CargoCrate;
import dev.reload.testkit.NativeBuild;
import dev.reload.testkit.PluginDir;
import dev.reload.testkit.Toolchains;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example Rust and C++ plugins of {@code native-plugins}, rebuilt by their own toolchain while
 * a registry watches the toolchain's own output directory: cargo's {@code target/release} (cargo
 * publishes by removing the old file and hard-linking the new one from {@code deps/}: inotify sees
 * only a delete and a create; {@link DeployLayoutTest} checks a bare hard link) and g++'s {@code
 * -o} directory. Every watch mode must see both.
 */
@EnabledOnOs(OS.LINUX)
class ToolchainWatchTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path root;

  private ReloadSettings.Builder watching(Path outputDir, ReloadSettings.WatchMode mode) {
    return new PluginDir(root)
        .settings()
        .searchPaths(outputDir)
        .watchMode(mode)
        .pollInterval(Duration.ofMillis(20));
  }

  /** {@code greet(name, out, cap)}: the greeting, as the example server reads it. */
  private static String greet(PluginRegistry registry, String plugin, String name) {
    byte[] out = new byte[64];
    try (PluginLease lease = registry.plugin(plugin).acquire()) {
      int length = lease.invokeInt("greet", name, out, out.length);
      return new String(out, 0, Math.min(length, out.length - 1), StandardCharsets.UTF_8);
    }
  }

  @InEveryWatchMode
  void rustGreeterRebuiltByCargoIsPickedUpFromTargetRelease(ReloadSettings.WatchMode mode) {
    Toolchains.assumeCargo();
    CargoCrate crate =
        CargoCrate.copyOf(ExamplePlugins.rustCrate("greeter_rs"), root.resolve("greeter_rs"));
    crate.build();
    try (PluginRegistry registry = RegistryBuilder.of(watching(crate.releaseDir(), mode)
            .plugin(
                PluginSettings.builder("greeter_rs").requiredSymbols("greet").build())
            .build())
        .build()) {
      assertThat(greet(registry, "greeter_rs", "World")).isEqualTo("Hello, World!");

      crate.editLib(lib -> lib.replace("b\"Hello, \"", "b\"Howdy, \""));
      crate.build();

      await()
          .atMost(WAIT)
          .until(() -> greet(registry, "greeter_rs", "World").equals("Howdy, World!"));
      assertThat(registry.plugin("greeter_rs").current().generation()).isEqualTo(2);
      assertThat(registry.plugin("greeter_rs").current().sourcePath()).isEqualTo(crate.library());
    }
  }

  @InEveryWatchMode
  void cppCounterRebuiltByGxxIsPickedUpFromItsOutputDirWithItsState(ReloadSettings.WatchMode mode)
      throws Exception {
    Toolchains.assumeGxx();
    String source = Files.readString(ExamplePlugins.cpp("counter_cpp"));
    Path output = root.resolve("cpp-out");
    Path library = output.resolve("libcounter_cpp.so");
    NativeBuild gxx = new NativeBuild(root.resolve("cpp-work"));
    gxx.compileCppInPlace(source, library, "-fno-gnu-unique");
    try (PluginRegistry registry = RegistryBuilder.of(watching(output, mode)
            .plugin(PluginSettings.builder("counter_cpp")
                .requiredSymbols("counter_next", "counter_get", "counter_set")
                .build())
            .build())
        .stateSnapshot("counter_cpp", new CounterSnapshot())
        .build()) {
      assertThat(Calls.next(registry, "counter_cpp")).isEqualTo(1);
      assertThat(Calls.next(registry, "counter_cpp")).isEqualTo(2);

      gxx.compileCppInPlace(
          source + "\nextern \"C\" int version(void) noexcept { return 2; }\n",
          library,
          "-fno-gnu-unique");

      await().atMost(WAIT).until(() -> registry.plugin("counter_cpp").current().generation() == 2);
      assertThat(Calls.version(registry, "counter_cpp")).isEqualTo(2);
      assertThat(Calls.next(registry, "counter_cpp")).isEqualTo(3);
      assertThat(registry.plugin("counter_cpp").residentVersions()).isEmpty();
    }
  }

  @Test
  void rustGreeterKeepsTheAbiOfTheCGreeter() {
    Toolchains.assumeCargo();
    CargoCrate crate =
        CargoCrate.copyOf(ExamplePlugins.rustCrate("greeter_rs"), root.resolve("greeter_rs"));
    crate.build();
    try (PluginRegistry registry = RegistryBuilder.of(
                watching(crate.releaseDir(), ReloadSettings.WatchMode.POLL)
                    .watchEnabled(false)
                    .plugin(PluginSettings.builder("greeter_rs")
                        .requiredSymbols("greet")
                        .build())
                    .build())
            .build();
        PluginLease lease = registry.plugin("greeter_rs").acquire()) {
      byte[] small = new byte[6];
      // Like snprintf: truncated to cap - 1 bytes and NUL, returns the full length.
      assertThat(lease.invokeInt("greet", "Jürgen", small, small.length))
          .isEqualTo("Hello, Jürgen!".getBytes(StandardCharsets.UTF_8).length);
      assertThat(new String(small, 0, 5, StandardCharsets.US_ASCII)).isEqualTo("Hello");
      assertThat(small[5]).isZero();
      assertThat(lease.invokeInt("greet", null, small, small.length)).isEqualTo(-1);
      assertThat(lease.invokeInt("greet", "x", small, 0)).isEqualTo(-1);
    }
  }
}
