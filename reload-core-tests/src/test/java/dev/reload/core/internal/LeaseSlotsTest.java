package dev.reload.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.reload.PluginLease;
import dev.reload.PluginSettings;
import dev.reload.ReloadOutcome;
import dev.reload.VersionState;
import dev.reload.core.RegistryBuilder;
import dev.reload.fixtures.Async;
import dev.reload.fixtures.Calls;
import dev.reload.fixtures.CounterSnapshot;
import dev.reload.fixtures.FencedPins;
import dev.reload.fixtures.Sources;
import dev.reload.testkit.PluginDir;
import dev.reload.testkit.ReloadExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Leases pinned in their thread's slots ({@link CallPins}) against a real stateful reload: a drain
 * waits for every open lease, wherever it is closed and however many a thread holds.
 */
@ExtendWith(ReloadExtension.class)
@FencedPins
class LeaseSlotsTest {

  private PluginDir dir;
  private DefaultPluginRegistry registry;

  @BeforeEach
  void start(PluginDir dir) {
    this.dir = dir;
    dir.publish("counter", Sources.counter(1));
    dir.publish("stateless", Sources.counter(1));
    registry = (DefaultPluginRegistry) dir.start(RegistryBuilder.of(dir.settings()
            .watchEnabled(false)
            .drainTimeout(Duration.ofMinutes(1))
            .plugin(PluginSettings.builder("counter").build())
            .plugin(PluginSettings.builder("stateless").build())
            .build())
        .stateSnapshot("counter", new CounterSnapshot()));
  }

  @Test
  void leaseClosedOnAnotherThreadHoldsTheDrainUntilItIsClosedThere() throws Exception {
    // A lease pins in a slot of the thread that took it; closed elsewhere, it frees that slot.
    PluginLease lease = registry.plugin("counter").acquire();
    assertThat(lease.invokeLong("counter_next")).isEqualTo(1);
    dir.publish("counter", Sources.counter(2));

    CompletableFuture<ReloadOutcome> reload = registry.reload("counter");
    awaitGateClosed();
    assertHeld(reload);
    // The drain waits for this lease, so its version is still mapped for its calls.
    assertThat(lease.invokeLong("counter_next")).isEqualTo(2);

    Async.run(lease::close).get(5, TimeUnit.SECONDS);
    assertThat(reload.get(10, TimeUnit.SECONDS)).isInstanceOf(ReloadOutcome.Swapped.class);
    assertThat(Calls.next(registry, "counter")).isEqualTo(3);
    assertThat(registry.inFlight("counter")).isZero();
  }

  @ParameterizedTest(name = "the lease left open is number {0} of 20")
  @ValueSource(ints = {3, 15})
  void moreLeasesOpenOnOneThreadThanItHasSlotsAllHoldTheDrain(int leftOpen) throws Exception {
    // The first 8 leases of a thread take its slots, the rest are counted: whichever is closed
    // last, slotted (3) or counted (15), holds the drain alone, in whatever order the others
    // closed.
    List<PluginLease> leases = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      leases.add(registry.plugin("counter").acquire());
    }
    dir.publish("counter", Sources.counter(2));
    CompletableFuture<ReloadOutcome> reload = registry.reload("counter");
    awaitGateClosed();
    assertThat(registry.inFlight("counter")).isEqualTo(20);

    PluginLease last = leases.remove(leftOpen);
    Collections.shuffle(leases, new Random(42));
    for (PluginLease lease : leases) {
      lease.close();
    }
    assertHeld(reload);
    assertThat(last.invokeLong("counter_next")).isEqualTo(1);

    last.close();
    assertThat(reload.get(10, TimeUnit.SECONDS)).isInstanceOf(ReloadOutcome.Swapped.class);
    assertThat(registry.inFlight("counter")).isZero();
  }

  @Test
  void leaseAskedForAtTheClosedGateLeavesNoPinAndWaitsForTheNewVersion() throws Exception {
    // Its slot pin finds the version draining: it must take it back, or the drain never ends.
    PluginLease open = registry.plugin("counter").acquire();
    dir.publish("counter", Sources.counter(2));
    CompletableFuture<ReloadOutcome> reload = registry.reload("counter");
    awaitGateClosed();

    CompletableFuture<Long> gated = Async.supply(() -> {
      try (PluginLease lease = registry.plugin("counter").acquire()) {
        return lease.version().generation();
      }
    });
    assertThatThrownBy(() -> gated.get(200, TimeUnit.MILLISECONDS))
        .isInstanceOf(TimeoutException.class);
    assertHeld(reload);

    open.close();
    assertThat(reload.get(10, TimeUnit.SECONDS)).isInstanceOf(ReloadOutcome.Swapped.class);
    assertThat(gated.get(10, TimeUnit.SECONDS)).isEqualTo(2);
    assertThat(registry.inFlight("counter")).isZero();
  }

  @Test
  void pinsOfAStatefulPluginAreFencedSoThatItsGatedDrainInterruptsNoCpu() {
    // Callers wait at a stateful plugin's gate through its drain: a membarrier there would cost
    // them an interrupt to every CPU (about 50 us in a VM). A stateless drain waits for nobody.
    assertThat(((ManagedPlugin) registry.plugin("counter")).pinBarrier())
        .isEqualTo(CallPins.Barrier.ON_BOTH);
    assertThat(((ManagedPlugin) registry.plugin("stateless")).pinBarrier())
        .isEqualTo(CallPins.Barrier.ON_DRAIN);
  }

  /** Waits until the stateful reload has closed the gate (the version is draining). */
  private void awaitGateClosed() {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> registry.plugin("counter").current().state() == VersionState.DRAINING);
  }

  /** The reload is still held by exactly one open lease: 200 ms pass without it swapping. */
  private void assertHeld(CompletableFuture<ReloadOutcome> reload) {
    assertThat(registry.inFlight("counter")).isEqualTo(1);
    assertThatThrownBy(() -> reload.get(200, TimeUnit.MILLISECONDS))
        .isInstanceOf(TimeoutException.class);
    assertThat(registry.inFlight("counter")).isEqualTo(1);
  }
}
