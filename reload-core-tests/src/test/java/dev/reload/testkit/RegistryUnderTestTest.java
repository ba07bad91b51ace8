package dev.reload.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reload.InvalidSettingsException;
import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.ReloadEvent;
import dev.reload.core.RegistryBuilder;
import dev.reload.fixtures.Samples;
import dev.reload.fixtures.Sources;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.testkit.engine.Events;

/**
 * {@link RegistryUnderTest}, as {@link ReloadExtension} gives it to a test: it records every event
 * of its registry, starts once, and its registry is closed by the extension before the check for
 * leftovers, so a test that leaves it open passes.
 */
@ExtendWith(ReloadExtension.class)
class RegistryUnderTestTest {

  /** The registry the sample started and left open. */
  private static final List<PluginRegistry> LEFT_OPEN = new CopyOnWriteArrayList<>();

  /** Run by the last test only. */
  @EnabledIf(Samples.RUN_BY_A_TEST)
  @ExtendWith(ReloadExtension.class)
  static class Sample {

    @Test
    void startsTheRegistryUnderTestAndLeavesItOpen(PluginDir dir, RegistryUnderTest underTest) {
      LEFT_OPEN.add(startCounter(dir, underTest));
    }
  }

  /** Starts a registry of plugin {@code counter}, build 1, reloaded on request only. */
  private static PluginRegistry startCounter(PluginDir dir, RegistryUnderTest underTest) {
    dir.publish("counter", Sources.counter(1));
    return underTest.start(RegistryBuilder.of(dir.settings()
        .watchEnabled(false)
        .plugin(PluginSettings.builder("counter").build())
        .build()));
  }

  private static void reloadToBuild(PluginDir dir, PluginRegistry registry, int build) {
    dir.publish("counter", Sources.counter(build));
    registry.reload("counter").join();
  }

  @Test
  void recordsEveryEventInOrderAndOfOneType(PluginDir dir, RegistryUnderTest underTest) {
    PluginRegistry registry = startCounter(dir, underTest);
    assertThat(underTest.registry()).isSameAs(registry);

    reloadToBuild(dir, registry, 2);

    assertThat(underTest.events())
        .extracting(event -> event.getClass().getSimpleName())
        .containsExactly("Before", "After");
    assertThat(underTest.events(ReloadEvent.After.class))
        .singleElement()
        .satisfies(after -> assertThat(after.to().generation()).isEqualTo(2));
    assertThat(underTest.events(ReloadEvent.Failed.class)).isEmpty();
  }

  @Test
  void eventsAreACopyAndClearingForgetsOnlyThoseRecordedSoFar(
      PluginDir dir, RegistryUnderTest underTest) {
    PluginRegistry registry = startCounter(dir, underTest);
    reloadToBuild(dir, registry, 2);
    List<ReloadEvent> first = underTest.events();

    underTest.clearEvents();
    assertThat(underTest.events()).isEmpty();
    reloadToBuild(dir, registry, 3);

    assertThat(first).hasSize(2);
    assertThat(underTest.events(ReloadEvent.After.class))
        .singleElement()
        .satisfies(after -> assertThat(after.to().generation()).isEqualTo(3));
  }

  @Test
  void startsOnceAndHasNoRegistryBefore(PluginDir dir, RegistryUnderTest underTest) {
    assertThatThrownBy(underTest::registry)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("call start(builder) first");
    startCounter(dir, underTest);

    assertThatThrownBy(() -> underTest.start(RegistryBuilder.of(dir.settings().build())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already started");
  }

  @Test
  void aStartThatThrewMayBeTriedAgain(PluginDir dir, RegistryUnderTest underTest) {
    assertThatThrownBy(() -> underTest.start(RegistryBuilder.of(
            dir.settings().plugin(PluginSettings.builder("counter").build()).build())))
        .isInstanceOf(InvalidSettingsException.class)
        .hasMessageContaining("libcounter.so' not found");

    assertThat(startCounter(dir, underTest).plugin("counter").current().generation())
        .isEqualTo(1);
  }

  @Test
  void theExtensionClosesTheRegistryUnderTestBeforeCheckingForLeftovers() {
    Events tests = Samples.run(Sample.class);

    assertThat(tests.failed().list()).isEmpty();
    assertThat(tests.succeeded().list()).hasSize(1);
    assertThat(LEFT_OPEN)
        .singleElement()
        .satisfies(
            registry -> assertThatThrownBy(() -> registry.plugin("counter").acquire())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed"));
  }
}
