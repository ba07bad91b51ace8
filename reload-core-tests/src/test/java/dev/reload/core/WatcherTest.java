package dev.reload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.ReloadEvent;
import dev.reload.fixtures.Calls;
import dev.reload.fixtures.CounterSnapshot;
import dev.reload.fixtures.InEveryWatchMode;
import dev.reload.fixtures.Sources;
import dev.reload.testkit.NativeBuild;
import dev.reload.testkit.PluginDir;
import dev.reload.testkit.RegistryUnderTest;
import dev.reload.testkit.ReloadExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * File changes picked up without anyone asking: inotify, polling, and the caller's update() loop.
 * {@link DeployLayoutTest} covers the ways deploys publish files.
 */
@ExtendWith(ReloadExtension.class)
class WatcherTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private Path root;
  private PluginDir dir;
  private RegistryUnderTest underTest;
  private PluginRegistry registry;

  @BeforeEach
  void publishFirstBuild(PluginDir dir, RegistryUnderTest underTest) {
    this.dir = dir;
    this.underTest = underTest;
    this.root = dir.root();
    dir.publish("counter", Sources.counter(1));
  }

  private PluginRegistry start(ReloadSettings.Builder settings) {
    registry = underTest.start(RegistryBuilder.of(settings
            .plugin(
                PluginSettings.builder("counter").requiredSymbols("counter_set").build())
            .build())
        .stateSnapshot("counter", new CounterSnapshot()));
    return registry;
  }

  private int version() {
    return Calls.version(registry, "counter");
  }

  private long next() {
    return Calls.next(registry, "counter");
  }

  private int afters() {
    return underTest.events(ReloadEvent.After.class).size();
  }

  /** Settings watching in {@code mode}, polling quickly. */
  private ReloadSettings.Builder watching(ReloadSettings.WatchMode mode) {
    return dir.settings().watchMode(mode).pollInterval(Duration.ofMillis(50));
  }

  @InEveryWatchMode
  void atomicRenameIntoPlaceIsPickedUp(ReloadSettings.WatchMode mode) {
    start(watching(mode));
    next();
    dir.publish("counter", Sources.counter(2));

    await().atMost(WAIT).until(() -> version() == 2);
    assertThat(next()).isEqualTo(2);
  }

  @InEveryWatchMode
  void gccWritingStraightOntoTheFileIsPickedUpOnceFinished(ReloadSettings.WatchMode mode) {
    start(watching(mode));
    dir.build().compileInPlace(Sources.counter(2), dir.lib("counter"));

    await().atMost(WAIT).until(() -> version() == 2);
    assertThat(underTest.events()).noneMatch(ReloadEvent.Failed.class::isInstance);
  }

  @InEveryWatchMode
  void symlinkSwapAsKubernetesDoesIsPickedUp(ReloadSettings.WatchMode mode) throws Exception {
    // Kubernetes: plugins/libcounter.so -> ..data/libcounter.so, ..data -> ..v1; an update
    // writes ..v2, points a temporary link at it and renames that link over ..data.
    Path volume = root.resolve("volume");
    NativeBuild build = dir.build();
    build.publish(Sources.counter(1), volume.resolve("..v1/libcounter.so"));
    Files.createSymbolicLink(volume.resolve("..data"), Path.of("..v1"));
    Files.createSymbolicLink(volume.resolve("libcounter.so"), Path.of("..data/libcounter.so"));
    start(watching(mode).searchPaths(volume));
    assertThat(version()).isEqualTo(1);

    build.publish(Sources.counter(2), volume.resolve("..v2/libcounter.so"));
    Files.createSymbolicLink(volume.resolve("..data_tmp"), Path.of("..v2"));
    NativeBuild.move(volume.resolve("..data_tmp"), volume.resolve("..data"));

    await().atMost(WAIT).until(() -> version() == 2);
    assertThat(registry.plugin("counter").current().sourcePath())
        .isEqualTo(volume.resolve("libcounter.so"));
  }

  @Test
  void burstOfChangesEndsInOneReloadOfTheNewestFile() throws Exception {
    // Long enough that no stall of the machine between two moves splits the burst.
    start(dir.settings().debounce(Duration.ofSeconds(2)));
    List<Path> builds = List.of(
        dir.build().compile(Sources.counter(2)),
        dir.build().compile(Sources.counter(3)),
        dir.build().compile(Sources.counter(4)),
        dir.build().compile(Sources.counter(5)));
    for (Path build : builds) {
      NativeBuild.move(build, dir.lib("counter"));
    }

    await().atMost(WAIT).until(() -> version() == 5);
    await().during(Duration.ofMillis(400)).atMost(WAIT).until(() -> afters() == 1);
    assertThat(registry.plugin("counter").current().generation()).isEqualTo(2);
  }

  @Test
  void watcherKeepsWorkingAfterAFailedReload() {
    start(dir.settings());
    next();
    dir.publish("counter", Sources.counterWithoutSet(2));
    await().atMost(WAIT).until(() -> !underTest.events(ReloadEvent.Failed.class).isEmpty());
    assertThat(version()).isEqualTo(1);

    dir.publish("counter", Sources.counter(3));

    await().atMost(WAIT).until(() -> version() == 3);
    assertThat(next()).isEqualTo(2);
    // Cleared by the reload just after the swap that made build 3 answer.
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(registry.plugin("counter").lastFailure()).isEmpty());
  }

  @Test
  void updateLoopPicksUpARebuildInPollMode() {
    start(dir.settings().schedulerMode(ReloadSettings.SchedulerMode.POLL));
    next();
    AtomicInteger runs = new AtomicInteger();
    dir.publish("counter", Sources.counter(2));

    // The application's own loop, as with dynamic_reload: reloads happen only inside update().
    await().atMost(WAIT).until(() -> {
      runs.addAndGet(registry.update());
      return version() == 2;
    });
    assertThat(runs).hasValue(1);
    assertThat(next()).isEqualTo(2);
  }
}
