package dev.reload.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.reload.Plugin;
import dev.reload.PluginLease;
import dev.reload.PluginSettings;
import dev.reload.PluginVersion;
import dev.reload.ReloadOutcome;
import dev.reload.ReloadStep;
import dev.reload.VersionState;
import dev.reload.core.RegistryBuilder;
import dev.reload.core.ReloadSettings;
import dev.reload.fixtures.Async;
import dev.reload.fixtures.Calls;
import dev.reload.fixtures.CounterApi;
import dev.reload.fixtures.CounterSnapshot;
import dev.reload.fixtures.HeldBind;
import dev.reload.fixtures.HeldRestore;
import dev.reload.fixtures.Sources;
import dev.reload.spi.StateSnapshot;
import dev.reload.testkit.PluginDir;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who holds a plugin's reload lock, and what happens to requests while they do: a request never
 * waits for an unrelated later one, close() never leaves a plugin half closed, and a lease count
 * gone wrong is never read as drained. Real libraries, a running registry; {@link
 * DefaultPluginRegistry#fileChanged} stands in for the watcher where a test must know when the
 * change arrived.
 */
class ReloadLockTest {

  @TempDir
  Path root;

  private PluginDir dir;
  private DefaultPluginRegistry registry;

  @AfterEach
  void closeRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  /** Settings for {@link #start}, in a fresh {@link PluginDir}. */
  private ReloadSettings.Builder settings() {
    dir = new PluginDir(root);
    return dir.settings();
  }

  /**
   * Publishes build 1 of a stateful {@code counter}, its state moved by {@code snapshot}, and of a
   * {@code stateless} plugin, and starts a registry of both (no watcher).
   */
  private DefaultPluginRegistry start(ReloadSettings.Builder settings, StateSnapshot snapshot) {
    dir.publish("counter", Sources.counter(1));
    dir.publish("stateless", Sources.counter(1));
    registry = (DefaultPluginRegistry) RegistryBuilder.of(settings
            .watchEnabled(false)
            .plugin(PluginSettings.builder("counter").build())
            .plugin(PluginSettings.builder("stateless").build())
            .build())
        .stateSnapshot("counter", snapshot)
        .build();
    return registry;
  }

  /**
   * Waits until the scheduler's thread is done with every request made before this, and with the
   * wake-up of this one. It runs one task at a time: a reload of {@code stateless} made while its
   * current version is leased leaves that version to a check scheduled on the same thread, which
   * unmaps it once the lease is closed. Once the version is unmapped, the thread has left the run
   * that reloaded it; a request still pending then waits for a wake-up of its own.
   */
  private void awaitSchedulerIdle() throws Exception {
    Plugin stateless = registry.plugin("stateless");
    PluginVersion outgoing = stateless.current();
    dir.publish("stateless", Sources.counter((int) outgoing.generation() + 1));
    PluginLease onOutgoing = stateless.acquire();
    try {
      assertThat(registry.reload("stateless").get(5, TimeUnit.SECONDS))
          .isInstanceOf(ReloadOutcome.Swapped.class);
    } finally {
      onOutgoing.close();
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> outgoing.state() == VersionState.DISPOSED);
  }

  @Test
  void reloadRequestedWhileBindHoldsTheLockRunsAsSoonAsBindReturns() throws Exception {
    // Regression: the request stayed pending until some unrelated request came.
    start(settings(), new CounterSnapshot());
    HeldBind held = new HeldBind();
    CompletableFuture<CounterApi> binding =
        Async.supply(() -> registry.plugin("counter").bind(held.api()));
    assertThat(held.awaitEntered()).isTrue();
    dir.publish("counter", Sources.counter(2));
    CompletableFuture<ReloadOutcome> reload = registry.reload("counter");
    awaitSchedulerIdle();
    assertThat(reload).isNotDone();

    held.release();

    assertThat(reload.get(5, TimeUnit.SECONDS)).isInstanceOf(ReloadOutcome.Swapped.class);
    assertThat(binding.get(5, TimeUnit.SECONDS).version()).isEqualTo(2);
  }

  @Test
  void fileChangeSeenWhileBindHoldsTheLockIsNotLost() throws Exception {
    // Regression: the same with a file change, which nobody waits on; it was lost.
    start(settings().debounce(Duration.ZERO), new CounterSnapshot());
    HeldBind held = new HeldBind();
    CompletableFuture<CounterApi> binding =
        Async.supply(() -> registry.plugin("counter").bind(held.api()));
    assertThat(held.awaitEntered()).isTrue();
    dir.publish("counter", Sources.counter(2));
    registry.fileChanged(dir.lib("counter"));
    awaitSchedulerIdle();
    assertThat(Calls.version(registry, "counter")).isEqualTo(1);

    held.release();

    await().atMost(Duration.ofSeconds(5)).until(() -> Calls.version(registry, "counter") == 2);
    assertThat(binding.get(5, TimeUnit.SECONDS).version()).isEqualTo(2);
  }

  @Test
  void fileChangeNeverDelaysAnExplicitReloadAlreadyQueued() {
    start(
        settings().schedulerMode(ReloadSettings.SchedulerMode.POLL).debounce(Duration.ofMinutes(1)),
        new CounterSnapshot());
    dir.publish("counter", Sources.counter(2));
    CompletableFuture<ReloadOutcome> explicit = registry.reload("counter");
    registry.fileChanged(dir.lib("counter"));

    assertThat(registry.update()).isEqualTo(1);

    assertThat(explicit).isCompletedWithValueMatching(ReloadOutcome.Swapped.class::isInstance);
    assertThat(Calls.version(registry, "counter")).isEqualTo(2);
  }

  @Test
  void fileChangeStillPushesBackARunNobodyAskedFor() {
    start(
        settings().schedulerMode(ReloadSettings.SchedulerMode.POLL).debounce(Duration.ofMinutes(1)),
        new CounterSnapshot());
    dir.publish("counter", Sources.counter(2));
    registry.fileChanged(dir.lib("counter"));

    assertThat(registry.update()).isZero();
    // An explicit request brings the debounced run forward and shares it.
    CompletableFuture<ReloadOutcome> explicit = registry.reload("counter");
    assertThat(registry.update()).isEqualTo(1);
    assertThat(explicit).isCompletedWithValueMatching(ReloadOutcome.Swapped.class::isInstance);
  }

  @Test
  void closeDuringALongUpdateClosesThePluginWhenItsReloadEnds() throws Exception {
    // close() gave up on the plugin after the drain timeout and tore the registry down under the
    // update() still reloading it, which then swapped in a version nobody would ever unmap.
    HeldRestore held = new HeldRestore();
    start(
        settings()
            .schedulerMode(ReloadSettings.SchedulerMode.POLL)
            .drainTimeout(Duration.ofMillis(200)),
        held);
    Plugin counter = registry.plugin("counter");
    PluginVersion first = counter.current();
    dir.publish("counter", Sources.counter(2));
    CompletableFuture<ReloadOutcome> reload = registry.reload("counter");
    CompletableFuture<Integer> update = Async.supply(registry::update);
    assertThat(held.awaitEntered()).isTrue();

    registry.close();
    held.release();

    assertThat(update.get(5, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(reload.get(5, TimeUnit.SECONDS)).isInstanceOf(ReloadOutcome.Swapped.class);
    PluginVersion second = counter.current();
    assertThat(second.generation()).isEqualTo(2);
    assertThat(List.of(first, second))
        .extracting(PluginVersion::state)
        .containsOnly(VersionState.DISPOSED);
    assertThatThrownBy(counter::acquire).hasMessageContaining("plugin 'counter' is closed");
    assertThat(PluginDir.mappedUnder(dir.shadow())).isEmpty();
  }

  @Test
  void leaseReleasedTwiceFailsTheDrainAtOnceAndNeverUnmapsUnderACall() throws Exception {
    start(settings().drainTimeout(Duration.ofMinutes(1)), new CounterSnapshot());
    ManagedPlugin counter = (ManagedPlugin) registry.plugin("counter");
    LoadedVersion first = counter.currentVersion();
    Calls.next(registry, "counter");
    // What a lease closed from two threads at once does (a race no test can time): one release
    // more than it took.
    first.unpin();
    dir.publish("counter", Sources.counter(2));

    // It used to wait the whole drain timeout for a count that could never come back to zero.
    ReloadOutcome outcome = registry.reload("counter").get(10, TimeUnit.SECONDS);

    assertThat(outcome).isInstanceOfSatisfying(ReloadOutcome.Failed.class, failed -> {
      assertThat(failed.step()).isEqualTo(ReloadStep.DRAIN);
      assertThat(failed.reason())
          .contains("generation 1's lease count went below zero")
          .contains("a lease was released more often than it was taken");
    });
    assertThat(registry.inFlight("counter")).isEqualTo(-1);
    try (PluginLease lease = counter.acquire()) {
      // The raw count now reads zero with this lease open: it must not pass for drained.
      assertThat(registry.inFlight("counter")).isZero();
      assertThat(registry.reload("counter").get(10, TimeUnit.SECONDS))
          .isInstanceOf(ReloadOutcome.Failed.class);
      assertThat(lease.invokeLong("counter_next")).isEqualTo(2);
    }
    assertThat(first.state()).isEqualTo(VersionState.ACTIVE);
  }
}
