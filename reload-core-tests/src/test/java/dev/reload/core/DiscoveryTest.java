package dev.reload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.reload.Plugin;
import dev.reload.PluginException;
import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.ReloadEvent;
import dev.reload.fixtures.Calls;
import dev.reload.fixtures.Sources;
import dev.reload.testkit.PluginDir;
import dev.reload.testkit.RegistryUnderTest;
import dev.reload.testkit.ReloadExtension;
import dev.reload.testkit.Shell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code reload.discover}: libraries dropped into a search path become plugins, in both scheduler
 * modes (the background thread, or the application's {@code update()} loop).
 */
@EnabledOnOs(OS.LINUX)
@ExtendWith(ReloadExtension.class)
class DiscoveryTest {

  private static final Duration WAIT = Duration.ofSeconds(15);

  private Path root;
  private PluginDir dir;
  private RegistryUnderTest underTest;
  private PluginRegistry registry;

  @BeforeEach
  void publishOneLibrary(PluginDir dir, RegistryUnderTest underTest) {
    this.dir = dir;
    this.underTest = underTest;
    this.root = dir.root();
    dir.publish("first", Sources.counter(1));
  }

  private void start(ReloadSettings.SchedulerMode mode) {
    registry = underTest.start(RegistryBuilder.of(dir.settings()
        .schedulerMode(mode)
        .pollInterval(Duration.ofMillis(50))
        .discover(true)
        .discoverRequiredSymbols(List.of("counter_next"))
        .build()));
  }

  private int canaries;

  /**
   * Waits until discovery has run at least one whole scan after this call: a library dropped now
   * is discovered at its second sighting, so once a second one, dropped after the first was
   * discovered, is discovered too, a scan that began after this call has ended. A positive
   * signal, so that "nothing was discovered" is asserted after discovery really looked.
   */
  private void awaitAWholeScan() {
    for (int i = 0; i < 2; i++) {
      String canary = "canary" + ++canaries;
      dir.publish(canary, Sources.counter(100 + canaries));
      await().atMost(WAIT).until(() -> present(canary));
    }
  }

  /** Whether plugin {@code name} is present, running {@code update()} first in poll mode. */
  private boolean present(String name) {
    registry.update();
    return registry.find(name).isPresent();
  }

  @ParameterizedTest
  @EnumSource(ReloadSettings.SchedulerMode.class)
  void librariesInTheSearchPathBecomePluginsAtStartAndWhenDropped(
      ReloadSettings.SchedulerMode mode) {
    dir.build().publishBytes("not a library".getBytes(), root.resolve("plugins/notes.txt"));
    start(mode);
    assertThat(registry.plugins()).extracting(Plugin::name).containsExactly("first");
    assertThat(Calls.version(registry, "first")).isEqualTo(1);

    Shell.run(root, "cp " + dir.build().compile(Sources.counter(2)) + " plugins/libsecond.so");

    await().atMost(WAIT).until(() -> present("second"));
    assertThat(Calls.version(registry, "second")).isEqualTo(2);
    // Added fires just after the plugin joins the set.
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(underTest.events())
            .filteredOn(ReloadEvent.Added.class::isInstance)
            .extracting(ReloadEvent::plugin)
            .containsExactly("first", "second"));
  }

  @ParameterizedTest
  @EnumSource(ReloadSettings.SchedulerMode.class)
  void deletedFileKeepsItsPluginAndARemovedPluginIsNotRediscoveredUntilItsFileChanges(
      ReloadSettings.SchedulerMode mode) throws Exception {
    start(mode);
    Calls.next(registry, "first");

    Files.delete(dir.lib("first"));
    awaitAWholeScan();
    assertThat(present("first")).isTrue();
    assertThat(Calls.next(registry, "first")).isEqualTo(2);

    dir.publish("first", Sources.counter(3));
    await().atMost(WAIT).until(() -> {
      registry.update();
      return Calls.version(registry, "first") == 3; // the watcher reloads it
    });
    registry.remove("first");
    awaitAWholeScan();
    assertThat(present("first")).isFalse();

    dir.publish("first", Sources.counter(4));
    await().atMost(WAIT).until(() -> present("first"));
    assertThat(Calls.version(registry, "first")).isEqualTo(4);
  }

  @ParameterizedTest
  @EnumSource(ReloadSettings.SchedulerMode.class)
  void droppedLibraryThatCannotBeAdmittedIsTriedAgainOnceItChanges(
      ReloadSettings.SchedulerMode mode) {
    start(mode);
    dir.publish("broken", Sources.greeter("Hello")); // lacks the required counter_next

    awaitAWholeScan();
    assertThat(present("broken")).isFalse();
    assertThat(dir.shadowFiles())
        .noneMatch(file -> file.getFileName().toString().startsWith("broken"));

    dir.publish("broken", Sources.counter(5));
    await().atMost(WAIT).until(() -> present("broken"));
    assertThat(Calls.version(registry, "broken")).isEqualTo(5);
  }

  @Test
  void aLibraryWhoseAddFailedIsNotDiscoveredUntilItChanges() {
    // Poll mode: discovery scans only in update(), so it cannot take the file before add() does.
    start(ReloadSettings.SchedulerMode.POLL);
    dir.publish("strict", Sources.counter(2));
    assertThatThrownBy(() -> registry.add(
            PluginSettings.builder("strict").requiredSymbols("counter_reset").build()))
        .isInstanceOf(PluginException.class)
        .hasMessageContaining("counter_reset");

    // Discovery's own settings would admit it (counter_next is all it requires), but must not.
    awaitAWholeScan();
    assertThat(present("strict")).isFalse();

    dir.publish("strict", Sources.counter(3));
    await().atMost(WAIT).until(() -> present("strict"));
    assertThat(Calls.version(registry, "strict")).isEqualTo(3);
  }

  @ParameterizedTest
  @EnumSource(ReloadSettings.SchedulerMode.class)
  void configuredPluginsKeepTheirSettingsAndAreNotDiscoveredTwice(
      ReloadSettings.SchedulerMode mode) {
    registry = underTest.start(RegistryBuilder.of(dir.settings()
        .schedulerMode(mode)
        .pollInterval(Duration.ofMillis(50))
        .discover(true)
        .plugin(PluginSettings.builder("first").requiredSymbols("counter_set").build())
        .build()));
    dir.publish("second", Sources.counter(2));

    await().atMost(WAIT).until(() -> present("second"));
    assertThat(registry.plugins()).extracting(Plugin::name).containsExactly("first", "second");
  }
}
