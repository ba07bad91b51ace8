package dev.reload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.reload.PluginLease;
import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.PluginVersion;
import dev.reload.ReloadOutcome;
import dev.reload.ReloadStep;
import dev.reload.fixtures.Async;
import dev.reload.fixtures.Calls;
import dev.reload.fixtures.CounterSnapshot;
import dev.reload.fixtures.GateWaiters;
import dev.reload.fixtures.HeldRestore;
import dev.reload.fixtures.Sources;
import dev.reload.spi.StatePayload;
import dev.reload.spi.StateSnapshot;
import dev.reload.testkit.PluginDir;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.cumulative.CumulativeTimer;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.pause.PauseDetector;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * While a stateful reload holds its gate closed, callers wait; only the work that needs the gate
 * runs then. Measuring it (meters are made, and the first timer of a JVM took milliseconds to
 * make, inside the window of the first reload) runs outside it.
 */
class GatedWindowTest {

  @TempDir
  Path root;

  private PluginDir dir;
  private PluginRegistry registry;

  @AfterEach
  void closeRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  private PluginRegistry start(StateSnapshot snapshot, SimpleMeterRegistry meters) {
    dir = new PluginDir(root);
    dir.publish("counter", Sources.counter(1));
    dir.publish("stateless", Sources.counter(1));
    registry = RegistryBuilder.of(dir.settings()
            .watchEnabled(false)
            .plugin(PluginSettings.builder("counter").build())
            .plugin(PluginSettings.builder("stateless").build())
            .build())
        .stateSnapshot("counter", snapshot)
        .meterRegistry(meters)
        .build();
    return registry;
  }

  @Test
  void gateTimersOfAStatefulPluginExistBeforeItsFirstReload() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    start(new CounterSnapshot(), meters);

    for (String name : List.of("reload.gate.pause", "reload.drain")) {
      assertThat(meters.get(name).tag("plugin", "counter").timer().count()).isZero();
      assertThat(meters.find(name).tag("plugin", "stateless").timer()).isNull();
    }
  }

  @Test
  void drainTimeIsRecordedOnceTheIncomingVersionServes() {
    List<String> servingWhenRecorded = new CopyOnWriteArrayList<>();
    start(
        new CounterSnapshot(), onRecord("reload.drain", () -> servingWhenRecorded.add(serving())));
    dir.publish("counter", Sources.counter(2));

    assertThat(registry.reload("counter").join()).isInstanceOf(ReloadOutcome.Swapped.class);

    assertThat(servingWhenRecorded).containsExactly("generation 2 ACTIVE");
  }

  @Test
  void drainTimeOfAFailedReloadIsRecordedOnceTheOutgoingVersionServesAgain() {
    List<String> servingWhenRecorded = new CopyOnWriteArrayList<>();
    start(
        new CounterSnapshot() {
          @Override
          public void restore(PluginLease incoming, StatePayload payload) {
            throw new IllegalStateException("restore bug");
          }
        },
        onRecord("reload.drain", () -> servingWhenRecorded.add(serving())));
    dir.publish("counter", Sources.counter(2));

    assertThat(registry.reload("counter").join())
        .isInstanceOfSatisfying(
            ReloadOutcome.Failed.class,
            failed -> assertThat(failed.step()).isEqualTo(ReloadStep.RESTORE));

    assertThat(servingWhenRecorded).containsExactly("generation 1 ACTIVE");
  }

  @Test
  void aCallerRecordingItsPauseLetsTheOthersThroughTheGate() throws Exception {
    // Each caller recorded its pause while it held the gate's monitor: the callers woken with it
    // could not get going until its measurement ended.
    CountDownLatch recording = new CountDownLatch(1);
    CountDownLatch recorded = new CountDownLatch(1);
    AtomicBoolean first = new AtomicBoolean(true);
    HeldRestore held = new HeldRestore();
    start(held, onRecord("reload.gate.pause", () -> {
      if (first.compareAndSet(true, false)) {
        recording.countDown();
        awaitQuietly(recorded);
      }
    }));
    dir.publish("counter", Sources.counter(2));
    CompletableFuture<ReloadOutcome> reload = registry.reload("counter");
    assertThat(held.awaitEntered()).isTrue();
    CompletableFuture<Long> one = Async.supply(() -> Calls.next(registry, "counter"));
    CompletableFuture<Long> other = Async.supply(() -> Calls.next(registry, "counter"));
    await().until(() -> GateWaiters.count() == 2);

    held.release();
    assertThat(recording.await(10, TimeUnit.SECONDS)).isTrue();
    try {
      await().until(() -> one.isDone() || other.isDone());
    } finally {
      recorded.countDown();
    }

    assertThat(reload.get(10, TimeUnit.SECONDS)).isInstanceOf(ReloadOutcome.Swapped.class);
    assertThat(List.of(one.get(10, TimeUnit.SECONDS), other.get(10, TimeUnit.SECONDS)))
        .containsExactlyInAnyOrder(1L, 2L);
    assertThat(registry.plugin("counter").current().generation()).isEqualTo(2);
  }

  /** The counter's current version and its state, as they are now. */
  private String serving() {
    PluginVersion current = registry.plugin("counter").current();
    return "generation " + current.generation() + " " + current.state();
  }

  /**
   * A meter registry that runs {@code onRecord} inside every recording of the timer {@code name}.
   */
  private static SimpleMeterRegistry onRecord(String name, Runnable onRecord) {
    return new SimpleMeterRegistry() {
      @Override
      protected Timer newTimer(
          Meter.Id id, DistributionStatisticConfig config, PauseDetector pauseDetector) {
        if (!id.getName().equals(name)) {
          return super.newTimer(id, config, pauseDetector);
        }
        return new CumulativeTimer(id, clock, config, pauseDetector, getBaseTimeUnit()) {
          @Override
          protected void recordNonNegative(long amount, TimeUnit unit) {
            onRecord.run();
            super.recordNonNegative(amount, unit);
          }
        };
      }
    };
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS); // longer than the test waits for the other caller
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
