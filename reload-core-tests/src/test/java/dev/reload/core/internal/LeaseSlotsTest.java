package dev.reload.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.reload.PluginLease;
import dev.reload.PluginSettings;
import dev.reload.ReloadOutcome;
import dev.reload.VersionState;
import dev.reload.core.RegistryBuilder;
import dev.reload.testing.Async;
import dev.reload.testing.Calls;
import dev.reload.testing.CounterSnapshot;
import dev.reload.testing.Sources;
import dev.reload.testkit.PluginDir;
import dev.reload.testkit.ReloadExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Leases pinned in their thread's slots ({@link CallPins}) against a real stateful reload: a drain
 * waits for every open lease, wherever it is closed and however many a thread holds.
 */
@ExtendWith(ReloadExtension.class)
class LeaseSlotsTest {

  private PluginDir dir;
  private DefaultPluginRegistry registry;

  @BeforeEach
  void start(PluginDir dir) {
    this.dir = dir;
    dir.publish("counter", Sources.counter(1));
    registry = (DefaultPluginRegistry) dir.start(RegistryBuilder.of(dir.settings()
            .watchEnabled(false)
            .drainTimeout(Duration.ofMinutes(1))
            .plugin(PluginSettings.builder("counter").build())
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
    awaitGateClosed("counter");
    assertThat(registry.inFlight("counter")).isEqualTo(1);
    assertThat(reload).isNotDone();
    // The drain waits for this lease, so its version is still mapped for its calls.
    assertThat(lease.invokeLong("counter_next")).isEqualTo(2);

    Async.run(lease::close).get(5, TimeUnit.SECONDS);
    assertThat(reload.get(10, TimeUnit.SECONDS)).isInstanceOf(ReloadOutcome.Swapped.class);
    assertThat(Calls.next(registry, "counter")).isEqualTo(3);
    assertThat(registry.inFlight("counter")).isZero();
  }

  @Test
  void moreLeasesOpenOnOneThreadThanItHasSlotsAllHoldTheDrain() throws Exception {
    // Past its few slots a thread's leases are counted; closed in any order, each one holds.
    List<PluginLease> leases = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      leases.add(registry.plugin("counter").acquire());
    }
    dir.publish("counter", Sources.counter(2));
    CompletableFuture<ReloadOutcome> reload = registry.reload("counter");
    awaitGateClosed("counter");
    assertThat(registry.inFlight("counter")).isEqualTo(20);

    PluginLease last = leases.remove(7); // a slot in the middle, not the last taken
    Collections.shuffle(leases, new Random(42));
    for (PluginLease lease : leases) {
      lease.close();
    }
    assertThat(registry.inFlight("counter")).isEqualTo(1);
    assertThat(reload).isNotDone();
    assertThat(last.invokeLong("counter_next")).isEqualTo(1);

    last.close();
    assertThat(reload.get(10, TimeUnit.SECONDS)).isInstanceOf(ReloadOutcome.Swapped.class);
    assertThat(registry.inFlight("counter")).isZero();
  }

  /** Waits until a stateful reload of {@code plugin} has closed its gate (it is draining). */
  private void awaitGateClosed(String plugin) {
    await().atMost(Duration.ofSeconds(10)).until(
        () -> registry.plugin(plugin).current().state() == VersionState.DRAINING);
  }
}
