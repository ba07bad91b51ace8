package dev.reload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.reload.PluginLease;
import dev.reload.PluginRegistry;
import dev.reload.testing.CargoCrate;
import dev.reload.testing.Calls;
import dev.reload.testing.CounterSnapshot;
import dev.reload.testing.ExamplePlugins;
import dev.reload.testing.NativeBuild;
import dev.reload.testing.PluginDir;
import dev.reload.testing.Sources;
import dev.reload.testing.Toolchains;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The example Rust and C++ plugins of {@code native-plugins}, rebuilt by their own toolchain while
 * a registry watches the toolchain's own output directory: cargo's {@code target/release} (cargo
 * publishes by removing the old file and hard-linking the new one from {@code deps/}: inotify sees
 * only a delete and a create) and g++'s {@code -o} directory. Every watch mode must see both.
 */
@EnabledOnOs(OS.LINUX)
class ToolchainWatchTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path root;

  private ReloadSettings.Builder watching(Path outputDir, ReloadSettings.WatchMode mode) {
    return new PluginDir(root).settings()
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

  @ParameterizedTest
  @EnumSource(value = ReloadSettings.WatchMode.class, names = {"INOTIFY", "POLL"})
  void rustGreeterRebuiltByCargoIsPickedUpFromTargetRelease(ReloadSettings.WatchMode mode) {
    Toolchains.assumeCargo();
    CargoCrate crate = CargoCrate.copyOf(ExamplePlugins.rustCrate("greeter_rs"),
        root.resolve("greeter_rs"));
    crate.build();
    try (PluginRegistry registry = RegistryBuilder.of(watching(crate.releaseDir(), mode)
            .plugin(PluginSettings.builder("greeter_rs").requiredSymbols("greet").build())
            .build())
        .build()) {
      assertThat(greet(registry, "greeter_rs", "World")).isEqualTo("Hello, World!");

      crate.editLib(lib -> lib.replace("b\"Hello, \"", "b\"Howdy, \""));
      crate.build();

      await().atMost(WAIT).until(() -> greet(registry, "greeter_rs", "World").equals("Howdy, World!"));
      assertThat(registry.plugin("greeter_rs").current().generation()).isEqualTo(2);
      assertThat(registry.plugin("greeter_rs").current().sourcePath()).isEqualTo(crate.library());
    }
  }

  @ParameterizedTest
  @EnumSource(value = ReloadSettings.WatchMode.class, names = {"INOTIFY", "POLL"})
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
                .requiredSymbols("counter_next", "counter_get", "counter_set").build())
            .build())
        .stateSnapshot("counter_cpp", new CounterSnapshot())
        .build()) {
      assertThat(Calls.next(registry, "counter_cpp")).isEqualTo(1);
      assertThat(Calls.next(registry, "counter_cpp")).isEqualTo(2);

      gxx.compileCppInPlace(source + "\nextern \"C\" int version(void) noexcept { return 2; }\n",
          library, "-fno-gnu-unique");

      await().atMost(WAIT).until(() -> registry.plugin("counter_cpp").current().generation() == 2);
      assertThat(Calls.version(registry, "counter_cpp")).isEqualTo(2);
      assertThat(Calls.next(registry, "counter_cpp")).isEqualTo(3);
      assertThat(registry.plugin("counter_cpp").residentVersions()).isEmpty();
    }
  }

  /**
   * Cargo's publish without cargo: unlink {@code target/release/libx.so}, hard-link the new build
   * from {@code deps/}. A real cargo run also closes {@code target/release/.cargo-lock} (opened for
   * writing) after the link, and that close-write alone makes the inotify watcher look at the
   * directory; a tool or layout without it leaves inotify only a delete and a create.
   */
  @ParameterizedTest
  @EnumSource(value = ReloadSettings.WatchMode.class, names = {"INOTIFY", "POLL"})
  void libraryPublishedByHardLinkAsCargoDoesIsPickedUp(ReloadSettings.WatchMode mode)
      throws Exception {
    Path release = root.resolve("target").resolve("release");
    Path deps = Files.createDirectories(release.resolve("deps"));
    Path library = release.resolve("libcounter.so");
    NativeBuild build = new NativeBuild(root.resolve("work"));
    NativeBuild.move(build.compile(Sources.counter(1)), deps.resolve("libcounter.so"));
    Files.createLink(library, deps.resolve("libcounter.so"));
    try (PluginRegistry registry = RegistryBuilder.of(watching(release, mode)
            .plugin(PluginSettings.builder("counter").build())
            .build())
        .build()) {
      assertThat(Calls.version(registry, "counter")).isEqualTo(1);

      NativeBuild.move(build.compile(Sources.counter(2)), deps.resolve("libcounter.so"));
      Files.delete(library);
      Files.createLink(library, deps.resolve("libcounter.so"));

      await().atMost(WAIT).until(() -> Calls.version(registry, "counter") == 2);
    }
  }

  @Test
  void rustGreeterKeepsTheAbiOfTheCGreeter() {
    Toolchains.assumeCargo();
    CargoCrate crate = CargoCrate.copyOf(ExamplePlugins.rustCrate("greeter_rs"),
        root.resolve("greeter_rs"));
    crate.build();
    try (PluginRegistry registry = RegistryBuilder.of(watching(crate.releaseDir(),
                ReloadSettings.WatchMode.POLL).watchEnabled(false)
            .plugin(PluginSettings.builder("greeter_rs").requiredSymbols("greet").build())
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
