package dev.reload.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reload.PluginLease;
import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.ReloadEvent;
import dev.reload.ReloadOutcome;
import dev.reload.fixtures.Callers;
import dev.reload.fixtures.CounterSnapshot;
import dev.reload.fixtures.Counters;
import dev.reload.fixtures.Sources;
import dev.reload.spi.StatePayload;
import dev.reload.testkit.PluginDir;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Invariants 1, 2 and 3 under concurrent callers and reloads. */
class ConcurrencyTest {

  private static final int CALLERS = 4;
  private static final int RELOADS = 15;

  @TempDir
  Path root;

  @Test
  void callsNeverRunOnADisposedLibraryAndEveryIncrementIsCountedOnce() throws Exception {
    PluginDir dir = new PluginDir(root);
    dir.publish("counter", Sources.counter(1));
    dir.publish("stateless", Sources.counter(1));
    ReloadSettings settings = dir.settings()
        .watchEnabled(false)
        .plugin(PluginSettings.builder("counter").build())
        .plugin(PluginSettings.builder("stateless").build())
        .build();
    try (PluginRegistry registry = RegistryBuilder.of(settings)
        .stateSnapshot("counter", new CounterSnapshot())
        .build()) {
      Callers stateful = Callers.start(registry, "counter", CALLERS);
      Callers stateless = Callers.start(registry, "stateless", CALLERS);
      Counters.reloadThrough(dir, registry, RELOADS + 1, "counter", "stateless");
      stateful.stop();
      stateless.stop();

      assertThat(stateful.failures()).isEmpty();
      assertThat(stateless.failures()).isEmpty();
      assertThat(stateful.increments()).isPositive();
      assertThat(stateless.increments()).isPositive();
      try (PluginLease lease = registry.plugin("counter").acquire()) {
        assertThat(lease.invokeInt("version")).isEqualTo(RELOADS + 1);
        // No increment lost, duplicated or reset across the reloads.
        assertThat(lease.invokeLong("counter_get")).isEqualTo(stateful.increments());
      }
    }
  }

  @Test
  void reloadsOfOnePluginNeverOverlap() throws Exception {
    PluginDir dir = new PluginDir(root);
    dir.publish("counter", Sources.counter(1));
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger maxInside = new AtomicInteger();
    CounterSnapshot tracking = new CounterSnapshot() {
      @Override
      public StatePayload capture(PluginLease outgoing) {
        maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
        return super.capture(outgoing);
      }

      @Override
      public void restore(PluginLease incoming, StatePayload payload) {
        super.restore(incoming, payload);
        inside.decrementAndGet();
      }
    };
    List<ReloadEvent> events = new CopyOnWriteArrayList<>();
    ReloadSettings settings = dir.settings()
        .watchEnabled(false)
        .plugin(PluginSettings.builder("counter").build())
        .build();
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try (PluginRegistry registry = RegistryBuilder.of(settings)
        .stateSnapshot("counter", tracking)
        .listener(events::add)
        .build()) {
      List<Future<?>> work = new ArrayList<>();
      List<CompletableFuture<ReloadOutcome>> outcomes = new CopyOnWriteArrayList<>();
      for (int build = 2; build <= 9; build++) {
        dir.publish("counter", Sources.counter(build));
        for (int i = 0; i < 3; i++) {
          // Background thread and callers' update() race for the same plugin.
          work.add(threads.submit(() -> outcomes.add(registry.reload("counter"))));
          work.add(threads.submit(registry::update));
        }
      }
      for (Future<?> future : work) {
        future.get(30, TimeUnit.SECONDS);
      }
      CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

      assertThat(maxInside).hasValue(1);
      // Every Before is followed by its own After before the next Before.
      for (int i = 0; i < events.size(); i += 2) {
        assertThat(events.get(i)).isInstanceOf(ReloadEvent.Before.class);
        assertThat(events.get(i + 1)).isInstanceOf(ReloadEvent.After.class);
        assertThat(((ReloadEvent.After) events.get(i + 1)).to())
            .isSameAs(((ReloadEvent.Before) events.get(i)).to());
      }
      try (PluginLease lease = registry.plugin("counter").acquire()) {
        assertThat(lease.invokeInt("version")).isEqualTo(9);
      }
    } finally {
      threads.shutdownNow();
    }
  }
}
