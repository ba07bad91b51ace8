package dev.reload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reload.InvalidSettingsException;
import dev.reload.Plugin;
import dev.reload.PluginException;
import dev.reload.PluginLease;
import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.Symbol;
import dev.reload.UnknownPluginException;
import dev.reload.VersionState;
import dev.reload.fixtures.Sources;
import dev.reload.testkit.PluginDir;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadingTest {

  @TempDir
  Path root;

  private ReloadRegistry start(PluginDir dir, PluginSettings... plugins) {
    ReloadSettings.Builder settings = dir.settings().watchEnabled(false);
    for (PluginSettings plugin : plugins) {
      settings.plugin(plugin);
    }
    return RegistryBuilder.of(settings.build()).build();
  }

  @Test
  void loadsByNameThroughSearchPathsInOrder() throws Exception {
    PluginDir dir = new PluginDir(root);
    Path first = Files.createDirectories(root.resolve("first"));
    Path second = Files.createDirectories(root.resolve("second"));
    Path third = Files.createDirectories(root.resolve("third"));
    dir.build().publish(Sources.counter(2), second.resolve("libcounter.so"));
    dir.build().publish(Sources.counter(3), third.resolve("libcounter.so"));

    ReloadSettings settings = dir.settings()
        .searchPaths(first, second, third)
        .watchEnabled(false)
        .plugin(PluginSettings.builder("counter").build())
        .build();
    try (PluginRegistry registry = RegistryBuilder.of(settings).build();
        PluginLease lease = registry.plugin("counter").acquire()) {
      assertThat(lease.invokeInt("version")).isEqualTo(2);
      assertThat(lease.version().sourcePath()).isEqualTo(second.resolve("libcounter.so"));
    }
  }

  @Test
  void missingLibrariesAreAllNamedWithEveryPlaceLookedIn() throws Exception {
    PluginDir dir = new PluginDir(root);
    Path other = Files.createDirectories(root.resolve("other"));
    ReloadSettings settings = dir.settings()
        .searchPaths(dir.libs(), other)
        .watchEnabled(false)
        .plugin(PluginSettings.builder("absent").build())
        .plugin(PluginSettings.builder("gone").build())
        .build();

    assertThatThrownBy(() -> RegistryBuilder.of(settings).build())
        .isInstanceOf(InvalidSettingsException.class)
        .hasMessageContaining("(2 problems)")
        .hasMessageContaining("plugin 'gone': library 'libgone.so' not found")
        .hasMessageContaining("plugin 'absent'")
        .hasMessageContaining("libabsent.so")
        .hasMessageContaining(dir.libs().resolve("libabsent.so").toString())
        .hasMessageContaining(other.resolve("libabsent.so").toString());
    assertThat(dir.shadowFiles()).isEmpty();
  }

  @Test
  void absoluteLibraryPathIsUsedAsIs() {
    PluginDir dir = new PluginDir(root);
    Path elsewhere = dir.build().publish(Sources.counter(7), root.resolve("elsewhere/custom.so"));
    try (PluginRegistry registry = start(
            dir,
            PluginSettings.builder("counter")
                .library(elsewhere.toString())
                .platformName(false)
                .build());
        PluginLease lease = registry.plugin("counter").acquire()) {
      assertThat(lease.invokeInt("version")).isEqualTo(7);
    }
  }

  @Test
  void leaseCallsFunctionsOfThePinnedVersion() {
    PluginDir dir = new PluginDir(root);
    dir.publish("counter", Sources.counter(1));
    dir.publish("greeter", Sources.greeter("Hello"));
    try (PluginRegistry registry = start(
        dir,
        PluginSettings.builder("counter").build(),
        PluginSettings.builder("greeter").requiredSymbols("greet").build())) {
      try (PluginLease lease = registry.plugin("counter").acquire()) {
        assertThat(lease.invokeInt("add", 2, 3)).isEqualTo(5);
        lease.invokeVoid("counter_set", 41L);
        assertThat(lease.invokeLong("counter_next")).isEqualTo(42L);
        assertThat(lease.invoke("counter_get", Long.class)).isEqualTo(42L);
        assertThat(lease.hasSymbol("counter_next")).isTrue();
        assertThat(lease.hasSymbol("no_such_function")).isFalse();
      }
      try (PluginLease lease = registry.plugin("greeter").acquire()) {
        byte[] out = new byte[64];
        int length = lease.invokeInt("greet", "Ada", out, out.length);
        assertThat(new String(out, 0, length, StandardCharsets.UTF_8)).isEqualTo("Hello, Ada!");
      }
    }
  }

  @Test
  void versionFactsDescribeTheLoadedCopy() throws Exception {
    PluginDir dir = new PluginDir(root);
    Path lib = dir.publish("counter", Sources.counter(1));
    Instant now = Instant.parse("2026-11-25T08:00:00Z");
    ReloadSettings settings = dir.settings()
        .watchEnabled(false)
        .plugin(PluginSettings.builder("counter").build())
        .build();
    try (PluginRegistry registry =
        RegistryBuilder.of(settings).clock(Clock.fixed(now, ZoneOffset.UTC)).build()) {
      var version = registry.plugin("counter").current();
      assertThat(version.pluginName()).isEqualTo("counter");
      assertThat(version.generation()).isEqualTo(1);
      assertThat(version.sourcePath()).isEqualTo(lib);
      assertThat(version.shadowPath())
          .isNotEqualTo(lib)
          .startsWith(dir.shadow())
          .exists();
      assertThat(version.sha256())
          .isEqualTo(HexFormat.of()
              .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                  .digest(Files.readAllBytes(lib))));
      assertThat(version.loadedAt()).isEqualTo(now);
      assertThat(version.state()).isEqualTo(VersionState.ACTIVE);
    }
  }

  @Test
  void callingAMissingSymbolIsAClearErrorNotACrash() {
    PluginDir dir = new PluginDir(root);
    dir.publish("counter", Sources.counter(1));
    try (PluginRegistry registry = start(dir, PluginSettings.builder("counter").build());
        PluginLease lease = registry.plugin("counter").acquire()) {
      assertThatThrownBy(() -> lease.invokeInt("no_such_function"))
          .isInstanceOf(PluginException.class)
          .hasMessageContaining("plugin 'counter' generation 1 does not export 'no_such_function'");
      assertThat(lease.invokeInt("version")).isEqualTo(1);
    }
  }

  @Test
  void startupRefusesALibraryMissingARequiredSymbol() {
    PluginDir dir = new PluginDir(root);
    dir.publish("counter", Sources.counterWithoutSet(1));
    assertThatThrownBy(() -> start(
            dir,
            PluginSettings.builder("counter")
                .requiredSymbols("counter_next", "counter_set")
                .build()))
        .isInstanceOf(PluginException.class)
        .hasMessageContaining("plugin 'counter' cannot be loaded at verify")
        .hasMessageContaining("does not export required symbol 'counter_set'");
    assertThat(dir.shadowFiles()).isEmpty();
  }

  @Test
  void startupRefusesAFileThatIsNotALibrary() {
    PluginDir dir = new PluginDir(root);
    dir.build()
        .publishBytes(
            "#!/bin/sh\necho not a library\n".getBytes(StandardCharsets.UTF_8), dir.lib("counter"));
    assertThatThrownBy(() -> start(dir, PluginSettings.builder("counter").build()))
        .isInstanceOf(PluginException.class)
        .hasMessageContaining("cannot be loaded at verify")
        .hasMessageContaining("is not an ELF file");
  }

  @Test
  void failingInitExportRefusesTheLibrary() {
    PluginDir dir = new PluginDir(root);
    dir.publish("counter", Sources.withInit(1, 7));
    assertThatThrownBy(() -> start(dir, PluginSettings.builder("counter").build()))
        .isInstanceOf(PluginException.class)
        .hasMessageContaining("cannot be loaded at load") // the preflight is off
        .hasMessageContaining("reload_init() returned 7");
  }

  /** The counter plugin's ABI as a Java interface. */
  public interface Counter {
    long counter_next();

    @Symbol("counter_get")
    long current();

    void counter_set(long value);

    int add(int a, int b);

    default long twice() {
      counter_next();
      return counter_next();
    }
  }

  @Test
  void boundInterfaceCallsTheCurrentVersion() {
    PluginDir dir = new PluginDir(root);
    dir.publish("counter", Sources.counter(1));
    try (ReloadRegistry registry = start(dir, PluginSettings.builder("counter").build())) {
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      registry.metrics().bindTo(meters);
      Plugin plugin = registry.plugin("counter");
      Counter counter = plugin.bind(Counter.class);
      counter.counter_set(10);
      assertThat(counter.counter_next()).isEqualTo(11);
      assertThat(counter.current()).isEqualTo(11);
      assertThat(counter.twice()).isEqualTo(13);
      assertThat(counter.add(20, 22)).isEqualTo(42);
      assertThat(counter.toString()).contains("Counter", "counter");
      // Every call closed its lease.
      assertThat(meters
              .get("reload.leases.in.flight")
              .tag("plugin", "counter")
              .gauge()
              .value())
          .isZero();
    }
  }

  @Test
  void bindRefusesAClass() {
    PluginDir dir = new PluginDir(root);
    dir.publish("counter", Sources.counter(1));
    try (PluginRegistry registry = start(dir, PluginSettings.builder("counter").build())) {
      assertThatThrownBy(() -> registry.plugin("counter").bind(String.class))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("java.lang.String is not one");
    }
  }

  @Test
  void closedLeaseNeverReachesNativeCode() {
    PluginDir dir = new PluginDir(root);
    dir.publish("counter", Sources.counter(1));
    try (PluginRegistry registry = start(dir, PluginSettings.builder("counter").build())) {
      PluginLease lease = registry.plugin("counter").acquire();
      lease.close();
      lease.close();
      assertThatThrownBy(() -> lease.invokeLong("counter_next"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("is closed");
      try (PluginLease fresh = registry.plugin("counter").acquire()) {
        assertThat(fresh.invokeLong("counter_get")).isZero();
      }
    }
  }

  @Test
  void unknownPluginNamesTheConfiguredOnes() {
    PluginDir dir = new PluginDir(root);
    dir.publish("counter", Sources.counter(1));
    try (PluginRegistry registry = start(dir, PluginSettings.builder("counter").build())) {
      assertThatThrownBy(() -> registry.plugin("nope"))
          .isInstanceOf(UnknownPluginException.class)
          .hasMessage("no plugin named 'nope'; plugins in the registry: [counter]");
      assertThat(registry.find("nope")).isEmpty();
      assertThat(registry.plugins()).extracting(Plugin::name).containsExactly("counter");
    }
  }

  @Test
  void snapshotForAPluginNotConfiguredAppliesWhenItIsAdded() {
    PluginDir dir = new PluginDir(root);
    ReloadSettings settings = dir.settings().watchEnabled(false).build();
    try (PluginRegistry registry = RegistryBuilder.of(settings)
        .stateSnapshot("ghost", new dev.reload.fixtures.CounterSnapshot())
        .build()) {
      assertThat(registry.plugins()).isEmpty();
      dir.publish("ghost", Sources.counter(1));

      assertThat(registry.add(PluginSettings.builder("ghost").build()).stateful())
          .isTrue();
    }
  }

  @Test
  void twoRegistriesLoadTheSameFileIndependently() {
    PluginDir dir = new PluginDir(root);
    dir.publish("counter", Sources.counter(1));
    try (PluginRegistry a = start(dir, PluginSettings.builder("counter").build());
        PluginRegistry b = start(dir, PluginSettings.builder("counter").build());
        PluginLease leaseA = a.plugin("counter").acquire();
        PluginLease leaseB = b.plugin("counter").acquire()) {
      leaseA.invokeVoid("counter_set", 100L);
      assertThat(leaseB.invokeLong("counter_get")).isZero();
      assertThat(leaseA.version().shadowPath()).isNotEqualTo(leaseB.version().shadowPath());
    }
  }
}
