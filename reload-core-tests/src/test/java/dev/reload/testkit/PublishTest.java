package dev.reload.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.core.ReloadSettings;
import dev.reload.fixtures.Calls;
import dev.reload.fixtures.Sources;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every way {@link Publish} puts a build in place is seen by a watching registry, in both watch
 * modes, and {@link Generations#await} wakes on the reload it causes.
 */
@ExtendWith(ReloadExtension.class)
@ParameterizedClass(name = "{0}")
@EnumSource(
    value = ReloadSettings.WatchMode.class,
    names = {"INOTIFY", "POLL"})
class PublishTest {

  @Parameter
  ReloadSettings.WatchMode mode;

  @ParameterizedTest(name = "{0}")
  @EnumSource(Publish.class)
  void aWatchingRegistryReloadsWhatEachWayPublishes(Publish how, PluginDir dir) throws Exception {
    NativeBuild build = dir.build();
    dir.publish("counter", build.compile(Sources.counter(1)), how);
    PluginRegistry registry = dir.start(dir.settings()
        .watchMode(mode)
        .pollInterval(Duration.ofMillis(50))
        .plugin(PluginSettings.builder("counter").build())
        .build());

    for (int release = 2; release <= 3; release++) {
      dir.publish("counter", build.compile(Sources.counter(release)), how);
      Generations.await(registry, "counter", release, Duration.ofSeconds(15));
      assertThat(Calls.version(registry, "counter")).isEqualTo(release);
    }
    assertThat(Files.isSymbolicLink(dir.lib("counter"))).isEqualTo(how == Publish.SYMLINK_SWAP);
  }
}
