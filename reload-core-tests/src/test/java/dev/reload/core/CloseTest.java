package dev.reload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.reload.Plugin;
import dev.reload.PluginLease;
import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.PluginVersion;
import dev.reload.ReloadEvent;
import dev.reload.ReloadOutcome;
import dev.reload.VersionState;
import dev.reload.fixtures.Async;
import dev.reload.fixtures.CounterApi;
import dev.reload.fixtures.CounterSnapshot;
import dev.reload.fixtures.Sources;
import dev.reload.testkit.PluginDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** Invariant 5: closing stops the threads, disposes every version and removes the copies. */
class CloseTest {

  @TempDir
  Path root;

  private PluginRegistry start(PluginDir dir, ReloadSettings.Builder settings) {
    dir.publish("counter", Sources.counter(1));
    dir.publish("stateless", Sources.counter(1));
    return RegistryBuilder.of(settings
            .plugin(PluginSettings.builder("counter").build())
            .plugin(PluginSettings.builder("stateless").build())
            .build())
        .stateSnapshot("counter", new CounterSnapshot())
        .build();
  }

  private static Set<String> reloadThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(name -> name.startsWith("reload-"))
        .collect(Collectors.toSet());
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void closeLeavesNoShadowCopyOnDiskAndNoneMapped() {
    PluginDir dir = new PluginDir(root);
    PluginRegistry registry = start(dir, dir.settings());
    List<PluginVersion> versions = new ArrayList<>();
    registry.plugins().forEach(plugin -> versions.add(plugin.current()));
    for (int build = 2; build <= 3; build++) {
      dir.publish("counter", Sources.counter(build));
      dir.publish("stateless", Sources.counter(build));
      registry.reload("counter").join();
      registry.reload("stateless").join();
    }
    registry.rollback("counter").join();
    registry.plugins().forEach(plugin -> versions.add(plugin.current()));
    assertThat(PluginDir.mappedUnder(dir.shadow())).isNotEmpty();
    assertThat(dir.shadowFiles()).hasSize(4);

    registry.close();

    assertThat(dir.shadowFiles()).isEmpty();
    assertThat(PluginDir.mappedUnder(dir.shadow())).isEmpty();
    assertThat(versions).extracting(PluginVersion::state).containsOnly(VersionState.DISPOSED);
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void aListenerOnTheReloadThreadMayCloseTheRegistry() throws Exception {
    PluginDir dir = new PluginDir(root);
    Set<String> before = reloadThreads();
    PluginRegistry registry = start(dir, dir.settings());
    PluginVersion first = registry.plugin("counter").current();
    CompletableFuture<Boolean> closedOnReloadThread = new CompletableFuture<>();
    registry.addListener(event -> {
      if (event instanceof ReloadEvent.After) {
        registry.close();
        closedOnReloadThread.complete(Thread.currentThread().getName().startsWith("reload-"));
      }
    });
    dir.publish("counter", Sources.counter(2));

    assertThat(registry.reload("counter").get(10, TimeUnit.SECONDS))
        .isInstanceOf(ReloadOutcome.Swapped.class);
    // Well within the 10 s that close() waited for its own thread to end (drain timeout + 5 s).
    assertThat(closedOnReloadThread.get(3, TimeUnit.SECONDS)).isTrue();
    PluginVersion second = registry.plugin("counter").current();
    // The plugin closes once the reload that closed the registry ends, on the same thread.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(List.of(first, second))
          .extracting(PluginVersion::state)
          .containsOnly(VersionState.DISPOSED);
      assertThat(reloadThreads()).isSubsetOf(before);
    });
    assertThat(dir.shadowFiles()).isEmpty();
    assertThat(PluginDir.mappedUnder(dir.shadow())).isEmpty();
  }

  @Test
  void closeStopsEveryThreadTheRegistryStarted() {
    PluginDir dir = new PluginDir(root);
    Set<String> before = reloadThreads();
    PluginRegistry registry = start(dir, dir.settings());
    registry.reload("counter").join();
    Set<String> running = reloadThreads();
    running.removeAll(before);
    assertThat(running)
        .anyMatch(name -> name.startsWith("reload-scheduler-"))
        .anyMatch(name -> name.startsWith("reload-watcher-"));

    registry.close();

    assertThat(reloadThreads()).doesNotContainAnyElementsOf(running);
  }

  @Test
  void pollingWatcherThreadStopsToo() {
    PluginDir dir = new PluginDir(root);
    Set<String> before = reloadThreads();
    PluginRegistry registry = start(dir, dir.settings().watchMode(ReloadSettings.WatchMode.POLL));
    Set<String> running = reloadThreads();
    running.removeAll(before);
    assertThat(running).anyMatch(name -> name.startsWith("reload-watcher-"));

    registry.close();

    assertThat(reloadThreads()).doesNotContainAnyElementsOf(running);
  }

  @Test
  void closeWaitsForOpenLeasesAndThenRefusesNewOnes() throws Exception {
    PluginDir dir = new PluginDir(root);
    // A drain timeout no stall of the machine reaches: closing must wait for the lease itself.
    PluginRegistry registry = start(dir, dir.settings().drainTimeout(Duration.ofMinutes(1)));
    Plugin counter = registry.plugin("counter");
    PluginVersion version = counter.current();
    PluginLease lease = counter.acquire();

    CompletableFuture<Void> closing = Async.run(registry::close);
    await().atMost(Duration.ofSeconds(5)).until(() -> version.state() == VersionState.DRAINING);
    assertThatThrownBy(counter::acquire)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("plugin 'counter' is closed");
    assertThat(closing).isNotDone();
    assertThat(lease.invokeLong("counter_next")).isEqualTo(1);
    lease.close();

    closing.get(5, TimeUnit.SECONDS);
    assertThat(version.state()).isEqualTo(VersionState.DISPOSED);
    assertThat(dir.shadowFiles()).isEmpty();
  }

  @Test
  void requestsAfterCloseFailAndCloseIsIdempotent() {
    PluginDir dir = new PluginDir(root);
    PluginRegistry registry = start(dir, dir.settings());
    registry.close();
    registry.close();

    assertThatThrownBy(() -> registry.reload("counter").join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(IllegalStateException.class)
        .hasMessageContaining("the plugin registry is closed");
    assertThatThrownBy(() -> registry.plugin("stateless").acquire())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void bindAfterCloseFailsClearly() {
    // It registered the interface against the closed library instead, where a lookup can find a
    // symbol of another library.
    PluginDir dir = new PluginDir(root);
    PluginRegistry registry = start(dir, dir.settings());
    Plugin counter = registry.plugin("counter");
    Unexported boundBefore = counter.bind(Unexported.class);
    registry.close();

    assertThatThrownBy(() -> counter.bind(CounterApi.class))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("plugin 'counter' is closed: its registry was closed");
    assertThatThrownBy(() -> counter.bind(Unexported.class))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("plugin 'counter' is closed: its registry was closed");
    assertThatThrownBy(boundBefore::version)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("plugin 'counter' is closed: its registry was closed");
  }

  /** Not public: bound through a proxy rather than by direct mapping. */
  interface Unexported {
    int version();
  }

  @Test
  void pendingRequestsFailWhenTheRegistryCloses() {
    PluginDir dir = new PluginDir(root);
    PluginRegistry registry =
        start(dir, dir.settings().schedulerMode(ReloadSettings.SchedulerMode.POLL));
    CompletableFuture<?> pending = registry.reload("counter");

    registry.close();

    assertThat(pending).isCompletedExceptionally();
  }

  @Test
  void copiesLeftByADeadProcessAreDeletedAtStart() throws Exception {
    PluginDir dir = new PluginDir(root);
    Process dead = new ProcessBuilder("true").start();
    dead.waitFor(10, TimeUnit.SECONDS);
    Path deadDir =
        Files.createDirectories(dir.shadow().resolve("reload-" + dead.pid() + "-abc123"));
    Files.writeString(deadDir.resolve("counter-1-libcounter.so"), "left behind");
    Path liveDir = Files.createDirectories(
        dir.shadow().resolve("reload-" + ProcessHandle.current().pid() + "-def456"));
    Path unrelated = Files.writeString(dir.shadow().resolve("not-ours.txt"), "keep");

    try (PluginRegistry registry = start(dir, dir.settings())) {
      assertThat(deadDir).doesNotExist();
      assertThat(liveDir).exists();
      assertThat(unrelated).exists();
      assertThat(registry.plugin("counter").current().shadowPath()).exists();
    }
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void sharedShadowDirectoryIsRefused() throws Exception {
    PluginDir dir = new PluginDir(root);
    Files.createDirectories(dir.shadow());
    Files.setPosixFilePermissions(
        dir.shadow(), java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));

    assertThatThrownBy(() -> start(dir, dir.settings()))
        .hasMessageContaining("reload.shadow-dir " + dir.shadow() + " is writable by other users")
        .hasMessageContaining("set reload.shadow-dir to a directory only this user can write");
    assertThat(dir.shadowFiles()).isEmpty();
    try (var entries = Files.list(dir.shadow())) {
      assertThat(entries).isEmpty();
    }
  }

  @Test
  void failedStartLeavesNothingBehind() {
    PluginDir dir = new PluginDir(root);
    dir.publish("counter", Sources.counter(1));
    Set<String> before = reloadThreads();
    ReloadSettings settings = dir.settings()
        .plugin(PluginSettings.builder("counter").build())
        .plugin(PluginSettings.builder("broken").build())
        .build();
    dir.build().publishBytes("garbage".getBytes(), dir.lib("broken"));

    assertThatThrownBy(() -> RegistryBuilder.of(settings).build())
        .hasMessageContaining("plugin 'broken' cannot be loaded at verify");
    assertThat(dir.shadowFiles()).isEmpty();
    assertThat(PluginDir.mappedUnder(dir.shadow())).isEmpty();
    assertThat(reloadThreads()).isSubsetOf(before);
  }
}
