package dev.reload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.reload.Plugin;
import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.PluginVersion;
import dev.reload.ReloadOutcome;
import dev.reload.UnloadHazard;
import dev.reload.VersionState;
import dev.reload.fixtures.CallerThread;
import dev.reload.fixtures.Calls;
import dev.reload.fixtures.Sources;
import dev.reload.testkit.CargoCrate;
import dev.reload.testkit.NativeBuild;
import dev.reload.testkit.PluginDir;
import dev.reload.testkit.Toolchains;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Libraries that stay mapped after {@code dlclose}, once left unreported. A version glibc keeps is
 * reported (API, gauge, the cause read from its ELF file) while the reload itself succeeds; a plain
 * library never is; a version held by thread-local destructors stops being counted once the threads
 * that called it have ended and glibc has had a later {@code dlclose}.
 *
 * <p>Every library is called from a {@link CallerThread} that stays alive, as a thread of a
 * server's fixed pool does, never from the test's own thread (which lives on after the test).
 */
@EnabledOnOs(OS.LINUX)
class ResidentVersionsTest {

  private static final String PLUGIN = "pinned";
  private static final Duration WAIT = Duration.ofSeconds(30);

  /** Ways a library keeps itself mapped after dlclose, each built by its own toolchain. */
  enum Pinning {
    C_LINKED_WITH_NODELETE(UnloadHazard.NODELETE, false),
    CPP_STATIC_LOCAL_IN_INLINE_FUNCTION(UnloadHazard.GNU_UNIQUE, false),
    CPP_THREAD_LOCAL_WITH_DESTRUCTOR(UnloadHazard.THREAD_LOCAL_DESTRUCTORS, true),
    RUST_THREAD_LOCAL_WITH_DROP(UnloadHazard.THREAD_LOCAL_DESTRUCTORS, true);

    final UnloadHazard hazard;
    /** Whether glibc lets it go once the threads that called it have ended. */
    final boolean goesWithItsThreads;

    Pinning(UnloadHazard hazard, boolean goesWithItsThreads) {
      this.hazard = hazard;
      this.goesWithItsThreads = goesWithItsThreads;
    }
  }

  @TempDir
  Path root;

  private PluginDir dir;
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  @BeforeEach
  void createPluginDir() {
    dir = new PluginDir(root);
  }

  /** Builds version {@code version} with the pinning's toolchain and renames it into place. */
  private void publish(Pinning pinning, int version) {
    Path built = switch (pinning) {
      case C_LINKED_WITH_NODELETE ->
        dir.build().compile(Sources.counter(version), "-Wl,-z,nodelete");
      case CPP_STATIC_LOCAL_IN_INLINE_FUNCTION ->
        dir.build().compileCpp(Sources.cppWithGnuUnique(version));
      case CPP_THREAD_LOCAL_WITH_DESTRUCTOR ->
        dir.build().compileCpp(Sources.cppWithThreadLocalDestructor(version));
      case RUST_THREAD_LOCAL_WITH_DROP ->
        copyOut(CargoCrate.create(
                root.resolve("crate"), PLUGIN, Sources.rustWithThreadLocalDestructor(version))
            .build());
    };
    NativeBuild.move(built, dir.lib(PLUGIN));
  }

  private static void assumeToolchain(Pinning pinning) {
    if (pinning.name().startsWith("CPP")) {
      Toolchains.assumeGxx();
    } else if (pinning.name().startsWith("RUST")) {
      Toolchains.assumeCargo();
    }
  }

  /** A copy of cargo's output, so that renaming it into place leaves cargo's own file alone. */
  private Path copyOut(Path library) {
    try {
      Path copy = root.resolve("build").resolve("cargo-" + System.nanoTime() + ".so");
      Files.createDirectories(copy.getParent());
      return Files.copy(library, copy);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private PluginRegistry start(ReloadSettings.Builder settings) {
    return RegistryBuilder.of(settings
            .watchEnabled(false)
            .plugin(PluginSettings.builder(PLUGIN).requiredSymbols("version").build())
            .build())
        .meterRegistry(meters)
        .build();
  }

  private double residentGauge() {
    return meters.get("reload.versions.resident").tag("plugin", PLUGIN).gauge().value();
  }

  /** Whether /proc/self/maps still maps the shadow copy of {@code version}. */
  private boolean mapped(PluginVersion version) {
    String copy = version.shadowPath().getFileName().toString();
    return PluginDir.mappedUnder(dir.shadow()).stream().anyMatch(line -> line.contains(copy));
  }

  private static ReloadOutcome reload(PluginRegistry registry) {
    CompletableFuture<ReloadOutcome> outcome = registry.reload(PLUGIN);
    registry.update(); // runs it in poll mode; in background mode the scheduler already does
    return outcome.join();
  }

  @ParameterizedTest
  @EnumSource(Pinning.class)
  void versionKeptMappedAfterDlcloseIsReportedWithItsCauseWhileTheReloadSucceeds(Pinning pinning) {
    assumeToolchain(pinning);
    publish(pinning, 1);
    // Poll mode: no background re-check, so what unloads generation 1 below is the dlclose of
    // generation 2 in the reload (update() runs the reload before any re-check).
    try (PluginRegistry registry =
            start(dir.settings().schedulerMode(ReloadSettings.SchedulerMode.POLL));
        CallerThread pool = new CallerThread("server-pool-1")) {
      Plugin plugin = registry.plugin(PLUGIN);
      PluginVersion first = plugin.current();
      assertThat(first.unloadHazards()).contains(pinning.hazard);
      assertThat(pool.call(() -> Calls.version(registry, PLUGIN))).isEqualTo(1);
      assertThat(residentGauge()).isZero();

      publish(pinning, 2);
      assertThat(reload(registry)).isInstanceOf(ReloadOutcome.Swapped.class);

      assertThat(plugin.residentVersions()).singleElement().satisfies(resident -> {
        assertThat(resident.generation()).isEqualTo(1);
        assertThat(resident.state()).isEqualTo(VersionState.DISPOSED);
        assertThat(resident.unloadHazards()).contains(pinning.hazard);
      });
      assertThat(pinning.hazard.cause()).isNotBlank();
      assertThat(pinning.hazard.fix()).isNotBlank();
      assertThat(residentGauge()).isEqualTo(1.0);
      assertThat(mapped(first)).isTrue();
      assertThat(pool.call(() -> Calls.version(registry, PLUGIN))).isEqualTo(2);
      assertThat(plugin.lastFailure()).isEmpty();

      pool.finish();
      publish(pinning, 3);
      assertThat(reload(registry)).isInstanceOf(ReloadOutcome.Swapped.class);

      if (pinning.goesWithItsThreads) {
        // The thread has ended and the dlclose of generation 2 let glibc unload generation 1.
        assertThat(plugin.residentVersions()).isEmpty();
        assertThat(residentGauge()).isZero();
        assertThat(mapped(first)).isFalse();
      } else {
        assertThat(plugin.residentVersions())
            .extracting(PluginVersion::generation)
            .contains(1L);
        assertThat(mapped(first)).isTrue();
      }
    }
  }

  @Test
  void plainLibraryIsNeverReportedResident() {
    dir.publish(PLUGIN, Sources.counter(1));
    try (PluginRegistry registry = start(dir.settings());
        CallerThread pool = new CallerThread("server-pool-1")) {
      Plugin plugin = registry.plugin(PLUGIN);
      PluginVersion first = plugin.current();
      assertThat(first.unloadHazards()).isEmpty();
      for (int version = 1; version <= 3; version++) {
        int expected = version;
        assertThat(pool.call(() -> Calls.version(registry, PLUGIN))).isEqualTo(expected);
        dir.publish(PLUGIN, Sources.counter(version + 1));
        assertThat(reload(registry)).isInstanceOf(ReloadOutcome.Swapped.class);
      }

      assertThat(plugin.residentVersions()).isEmpty();
      assertThat(residentGauge()).isZero();
      assertThat(mapped(first)).isFalse();
    }
  }

  @ParameterizedTest
  @EnumSource(ReloadSettings.SchedulerMode.class)
  void threadLocalVersionIsUnmappedOnceItsThreadEndsWithoutAnotherReload(
      ReloadSettings.SchedulerMode mode) {
    Toolchains.assumeGxx();
    publish(Pinning.CPP_THREAD_LOCAL_WITH_DESTRUCTOR, 1);
    try (PluginRegistry registry = start(dir.settings().schedulerMode(mode));
        CallerThread pool = new CallerThread("server-pool-1")) {
      Plugin plugin = registry.plugin(PLUGIN);
      PluginVersion first = plugin.current();
      assertThat(pool.call(() -> Calls.version(registry, PLUGIN))).isEqualTo(1);
      publish(Pinning.CPP_THREAD_LOCAL_WITH_DESTRUCTOR, 2);
      assertThat(reload(registry)).isInstanceOf(ReloadOutcome.Swapped.class);
      assertThat(plugin.residentVersions()).hasSize(1);

      pool.finish();

      // No reload follows: the registry's own re-check gives glibc the dlclose it waits for
      // (on the scheduler in background mode, inside update() in poll mode).
      await().atMost(WAIT).until(() -> {
        registry.update();
        return plugin.residentVersions().isEmpty();
      });
      assertThat(residentGauge()).isZero();
      assertThat(mapped(first)).isFalse();
    }
  }

  @Test
  void closeReportsVersionsStillMappedAndStillCompletes() {
    publish(Pinning.C_LINKED_WITH_NODELETE, 1);
    PluginRegistry registry = start(dir.settings().retainPrevious(true));
    publish(Pinning.C_LINKED_WITH_NODELETE, 2);
    assertThat(reload(registry)).isInstanceOf(ReloadOutcome.Swapped.class);
    assertThat(registry.plugin(PLUGIN).residentVersions()).hasSize(1);

    registry.close();

    // Both versions stay mapped (NODELETE), from copies that are deleted all the same.
    assertThat(dir.shadowFiles()).isEmpty();
    assertThat(PluginDir.mappedUnder(dir.shadow()))
        .hasSizeGreaterThanOrEqualTo(2)
        .allMatch(line -> line.endsWith("(deleted)"));
  }
}
