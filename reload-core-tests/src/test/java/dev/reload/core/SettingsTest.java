package dev.reload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.reload.InvalidSettingsException;
import dev.reload.PluginSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {

  @TempDir
  Path root;

  private static Config config(String text) {
    return ConfigFactory.parseString(
            text,
            com.typesafe.config.ConfigParseOptions.defaults()
                .setOriginDescription("application.conf"))
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
  }

  @Test
  void referenceConfDefaultsMatchTheBuilderDefaults() {
    ReloadSettings fromConfig = ReloadSettings.fromConfig(ConfigFactory.defaultReference());
    ReloadSettings fromBuilder = ReloadSettings.builder().build();
    assertThat(fromConfig.toString()).isEqualTo(fromBuilder.toString());
  }

  @Test
  void badDiscoverySettingsAreNamedByKey() {
    assertThatThrownBy(() -> ReloadSettings.fromConfig(
            config("reload.discover { enabled = maybe, required-symbols = [\"not a symbol\"],"
                + " colour = red }")))
        .isInstanceOf(InvalidSettingsException.class)
        .hasMessageContaining("reload.discover.enabled must be true or false, was \"maybe\"")
        .hasMessageContaining("reload.discover.required-symbols must be a list of symbol names")
        .hasMessageContaining("not a symbol")
        .hasMessageContaining("reload.discover.colour is not a known setting");
  }

  @Test
  void readsEveryKey() throws Exception {
    Path libs = Files.createDirectories(root.resolve("libs"));
    ReloadSettings settings =
        ReloadSettings.fromConfig(config("""
        reload {
          search-paths = ["%s"]
          shadow-dir = "%s"
          drain-timeout = 750ms
          retain-previous = false
          scheduler.mode = poll
          discover { enabled = true, required-symbols = [greet] }
          watch { enabled = false, mode = poll, poll-interval = 2s, debounce = 0 }
          binding = jna
          plugins {
            greeter { required-symbols = [greet] }
            counter { library = "custom/libcount.so", platform-name = false }
          }
        }
        """.formatted(libs, root.resolve("shadow"))));

    assertThat(settings.searchPaths()).containsExactly(libs);
    assertThat(settings.shadowDir()).isEqualTo(root.resolve("shadow"));
    assertThat(settings.drainTimeout()).isEqualTo(Duration.ofMillis(750));
    assertThat(settings.retainPrevious()).isFalse();
    assertThat(settings.schedulerMode()).isEqualTo(ReloadSettings.SchedulerMode.POLL);
    assertThat(settings.discover()).isTrue();
    assertThat(settings.discoverRequiredSymbols()).containsExactly("greet");
    assertThat(settings.watchEnabled()).isFalse();
    assertThat(settings.watchMode()).isEqualTo(ReloadSettings.WatchMode.POLL);
    assertThat(settings.pollInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(settings.debounce()).isZero();
    assertThat(settings.binding()).isEqualTo(ReloadSettings.Binding.JNA);
    assertThat(settings.plugins()).containsOnlyKeys("greeter", "counter");
    PluginSettings greeter = settings.plugins().get("greeter");
    assertThat(greeter.library()).isEqualTo("greeter");
    assertThat(greeter.platformName()).isTrue();
    assertThat(greeter.requiredSymbols()).containsExactly("greet");
    PluginSettings counter = settings.plugins().get("counter");
    assertThat(counter.library()).isEqualTo("custom/libcount.so");
    assertThat(counter.platformName()).isFalse();
  }

  @Test
  void everyBadKeyIsReportedAtOnceWithItsValueAndOrigin() {
    assertThatThrownBy(
            () -> ReloadSettings.fromConfig(config("""
        reload {
          drain-timeout = soon
          watch.debounce = -5ms
          retain-previous = maybe
          scheduler.mode = sometimes
          binding = fast
          search-paths = ["%s"]
          colour = blue
          plugins.greeter { library = greeter, symbols = [greet] }
          plugins."bad/name" {}
          plugins.counter { library = "lib/counter.so" }
        }
        """.formatted(root.resolve("missing")))))
        .isInstanceOfSatisfying(InvalidSettingsException.class, e -> {
          assertThat(e.problems()).hasSize(10);
          assertThat(e.getMessage()).startsWith("invalid reload settings (10 problems):");
        })
        .hasMessageContaining(
            "reload.drain-timeout must be a positive duration such as 5s, was \"soon\"")
        .hasMessageContaining("(application.conf: 2)")
        .hasMessageContaining("reload.watch.debounce must be a duration of zero or more such as"
            + " 50ms, was \"-5ms\"")
        .hasMessageContaining("reload.retain-previous must be true or false, was \"maybe\""
            + " (application.conf: 4)")
        .hasMessageContaining("reload.scheduler.mode must be background or poll, was \"sometimes\"")
        .hasMessageContaining("reload.binding must be auto, jna or ffm, was \"fast\"")
        .hasMessageContaining("reload.search-paths lists a directory that does not exist: '"
            + root.resolve("missing") + "'")
        .hasMessageContaining("reload.colour is not a known setting")
        .hasMessageContaining("reload.plugins.greeter.symbols is not a known setting (known:"
            + " [library, platform-name, required-symbols, sha256]) (application.conf: 9)")
        .hasMessageContaining("reload.plugins.\"bad/name\": a plugin name must be letters, digits,"
            + " '.', '_' or '-' (no path separators), was 'bad/name' (application.conf: 10)")
        .hasMessageContaining("reload.plugins.counter: library must be a bare name when"
            + " platform-name = true, was 'lib/counter.so'");
  }

  @Test
  void missingLibraryIsNamedByItsKeyAndOrigin() {
    ReloadSettings settings =
        ReloadSettings.fromConfig(config("""
        reload.search-paths = ["%s"]
        reload.shadow-dir = "%s"
        reload.plugins.greeter.library = nothere
        reload.plugins.counter {}
        """.formatted(root, root.resolve("shadow"))));

    assertThatThrownBy(() -> RegistryBuilder.of(settings).build())
        .hasMessageContaining("reload.plugins.greeter.library (application.conf: 3): library"
            + " 'libnothere.so' not found; looked in [" + root.resolve("libnothere.so") + "]")
        .hasMessageContaining(
            "reload.plugins.counter (application.conf: 4): library 'libcounter.so' not found");
  }

  @Test
  void wrongTypeIsReportedOnceAgainstReferenceConf() {
    assertThatThrownBy(() -> ReloadSettings.fromConfig(config("reload.watch { enabled = [yes] }")))
        .isInstanceOfSatisfying(
            InvalidSettingsException.class, e -> assertThat(e.problems()).hasSize(1))
        .hasMessageContaining("reload.watch.enabled")
        .hasMessageContaining("boolean")
        .hasMessageContaining("application.conf: 1");
  }

  @Test
  void negativeDrainTimeoutIsRefused() {
    assertThatThrownBy(() -> ReloadSettings.fromConfig(config("reload.drain-timeout = -1s")))
        .hasMessageContaining(
            "reload.drain-timeout must be a positive duration such as 5s, was \"-1s\"")
        .hasMessageContaining("drainTimeout must be positive, was PT-1S")
        .hasMessageContaining("application.conf: 1");
  }

  @Test
  void systemPropertiesOverrideAndAreNamedAsTheOrigin() {
    System.setProperty("reload.drain-timeout", "zero");
    try {
      ConfigFactory.invalidateCaches();
      assertThatThrownBy(() -> ReloadSettings.fromConfig(ConfigFactory.load()))
          .hasMessageContaining("reload.drain-timeout must be a positive duration")
          .hasMessageContaining("system properties");
    } finally {
      System.clearProperty("reload.drain-timeout");
      ConfigFactory.invalidateCaches();
    }
  }

  @Test
  void configWithoutAReloadSectionIsExplained() {
    assertThatThrownBy(() -> ReloadSettings.fromConfig(ConfigFactory.empty()))
        .hasMessageContaining("the config has no 'reload' section");
  }

  @Test
  void builderNamesTheBadValue() {
    assertThatThrownBy(() -> ReloadSettings.builder().drainTimeout(Duration.ZERO))
        .hasMessage("drainTimeout must be positive, was PT0S");
    assertThatThrownBy(() -> ReloadSettings.builder().debounce(Duration.ofMillis(-1)))
        .hasMessage("debounce must not be negative, was PT-0.001S");
    assertThatThrownBy(() -> PluginSettings.builder("../etc").build())
        .hasMessageContaining("plugin '../etc': a plugin name must be letters, digits, '.', '_' or"
            + " '-' (no path separators), was '../etc'");
    assertThatThrownBy(
            () -> PluginSettings.builder("x").requiredSymbols("not a symbol").build())
        .hasMessageContaining("required-symbols entry is not a C identifier: 'not a symbol'");
    PluginSettings counter = PluginSettings.builder("counter").build();
    assertThatThrownBy(() -> ReloadSettings.builder().plugin(counter).plugin(counter))
        .hasMessage("plugin 'counter' was already added");
  }
}
