package dev.reload.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reload.PluginLease;
import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.ReloadOutcome;
import dev.reload.fixtures.Async;
import dev.reload.fixtures.Calls;
import dev.reload.fixtures.CounterSnapshot;
import dev.reload.fixtures.GateWaiters;
import dev.reload.fixtures.HeldRestore;
import dev.reload.fixtures.Sources;
import dev.reload.testkit.PluginDir;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsTest {

  @TempDir
  Path root;

  @Test
  void reloadsAreMeasuredByOutcomeWithLowCardinalityTags() throws Exception {
    PluginDir dir = new PluginDir(root);
    dir.publish("counter", Sources.counter(1));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    HeldRestore held = new HeldRestore();
    try (PluginRegistry registry = RegistryBuilder.of(dir.settings()
            .watchEnabled(false)
            .plugin(PluginSettings.builder("counter").build())
            .build())
        .stateSnapshot("counter", held)
        .meterRegistry(meters)
        .build()) {
      PluginLease lease = registry.plugin("counter").acquire();
      assertThat(meters
              .get("reload.leases.in.flight")
              .tag("plugin", "counter")
              .gauge()
              .value())
          .isEqualTo(1.0);
      lease.close();
      assertThat(
              meters.get("reload.generation").tag("plugin", "counter").gauge().value())
          .isEqualTo(1.0);

      dir.publish("counter", Sources.counter(2));
      CompletableFuture<?> reload = registry.reload("counter");
      assertThat(held.awaitEntered()).isTrue();
      CompletableFuture<?> gatedCall = Async.run(() -> {
        try (PluginLease gated = registry.plugin("counter").acquire()) {
          gated.invokeLong("counter_next");
        }
      });
      org.awaitility.Awaitility.await().until(() -> GateWaiters.count() > 0);
      held.release();
      reload.get(5, TimeUnit.SECONDS);
      gatedCall.get(5, TimeUnit.SECONDS);
      registry.reload("counter").join(); // unchanged
      dir.build().publishBytes("junk".getBytes(), dir.lib("counter"));
      registry.reload("counter").join(); // refused at verify
      Files.setPosixFilePermissions(
          dir.lib("counter"), PosixFilePermissions.fromString("rwxrwxrwx"));
      registry.reload("counter").join(); // refused at trust, before its bytes are read

      assertThat(meters
              .get("reload.duration")
              .tags("plugin", "counter", "outcome", "swapped", "step", "none")
              .timer()
              .count())
          .isEqualTo(1);
      assertThat(
              meters.get("reload.duration").tags("outcome", "unchanged").timer().count())
          .isEqualTo(1);
      assertThat(meters
              .get("reload.duration")
              .tags("outcome", "failed", "step", "verify")
              .timer()
              .count())
          .isEqualTo(1);
      assertThat(meters
              .get("reload.duration")
              .tags("outcome", "failed", "step", "trust")
              .timer()
              .count())
          .isEqualTo(1);
      assertThat(meters.get("reload.drain").tag("plugin", "counter").timer().count())
          .isEqualTo(1);
      assertThat(
              meters.get("reload.gate.pause").tag("plugin", "counter").timer().count())
          .isEqualTo(1);
      assertThat(
              meters.get("reload.generation").tag("plugin", "counter").gauge().value())
          .isEqualTo(2.0);
      for (Meter meter : meters.getMeters()) {
        assertThat(meter.getId().getTags())
            .extracting(Tag::getKey)
            .isSubsetOf("plugin", "outcome", "step");
        assertThat(meter.getId().getDescription()).isNotBlank();
      }
    }
  }

  @Test
  void metricsBoundAfterBuildCarryTheExtraTagsOnEveryMeter() {
    PluginDir dir = new PluginDir(root);
    dir.publish("counter", Sources.counter(1));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (ReloadRegistry registry = RegistryBuilder.of(dir.settings()
            .watchEnabled(false)
            .plugin(PluginSettings.builder("counter").build())
            .build())
        .stateSnapshot("counter", new CounterSnapshot())
        .build()) {
      registry.metrics(Tags.of("app", "test")).bindTo(meters);
      Calls.next(registry, "counter");
      dir.publish("counter", Sources.counter(2));
      registry.reload("counter").join();
      assertThat(registry.rollback("counter").join()).isInstanceOf(ReloadOutcome.RolledBack.class);
      assertThat(registry.rollback("counter").join()).isInstanceOf(ReloadOutcome.RolledBack.class);

      assertThat(meters
              .get("reload.duration")
              .tags("app", "test", "plugin", "counter", "outcome", "swapped", "step", "none")
              .timer()
              .count())
          .isEqualTo(1);
      assertThat(meters
              .get("reload.duration")
              .tags("app", "test", "outcome", "rolled_back")
              .timer()
              .count())
          .isEqualTo(2);
      assertThat(meters
              .get("reload.generation")
              .tags("app", "test", "plugin", "counter")
              .gauge()
              .value())
          .isEqualTo(4.0);
      assertThat(meters.getMeters())
          .isNotEmpty()
          .allSatisfy(meter -> assertThat(meter.getId().getTag("app")).isEqualTo("test"));
    }
  }
}
