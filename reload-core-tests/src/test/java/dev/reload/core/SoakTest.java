package dev.reload.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reload.PluginLease;
import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.ReloadEvent;
import dev.reload.fixtures.Callers;
import dev.reload.fixtures.CounterSnapshot;
import dev.reload.fixtures.Sources;
import dev.reload.testkit.NativeBuild;
import dev.reload.testkit.PluginDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many callers increment a stateful plugin while its library is republished again and again
 * through the watcher: no call may fail and every increment must be counted exactly once across
 * all reloads (none lost, repeated or reset).
 *
 * <p>Short by default; for a long soak:
 * {@code mvn -pl reload-core-tests -am verify -Dtest=SoakTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dsoak.reloads=5000 -Dsoak.callers=8}
 */
class SoakTest {

  private static final int RELOADS = Integer.getInteger("soak.reloads", 60);
  private static final int CALLERS = Integer.getInteger("soak.callers", 4);

  @TempDir
  Path root;

  @Test
  void everyIncrementIsCountedExactlyOnceAcrossReloads() throws Exception {
    PluginDir dir = new PluginDir(root);
    List<Path> builds = new ArrayList<>();
    for (int build = 1; build <= 3; build++) {
      builds.add(dir.build().compile(Sources.counter(build)));
    }
    Files.copy(builds.get(0), dir.lib("counter"));
    BlockingQueue<ReloadEvent> outcomes = new LinkedBlockingQueue<>();
    try (PluginRegistry registry = RegistryBuilder.of(dir.settings()
            .debounce(Duration.ZERO)
            .plugin(PluginSettings.builder("counter").build())
            .build())
        .stateSnapshot("counter", new CounterSnapshot())
        .listener(event -> {
          if (!(event instanceof ReloadEvent.Before)) {
            outcomes.add(event);
          }
        })
        .build()) {
      Callers callers = Callers.start(registry, "counter", CALLERS);

      int swapped = 0;
      for (int i = 1; i <= RELOADS; i++) {
        Path copy = dir.libs().resolve(".libcounter.so.tmp");
        Files.copy(builds.get(i % builds.size()), copy, StandardCopyOption.REPLACE_EXISTING);
        NativeBuild.move(copy, dir.lib("counter"));
        ReloadEvent outcome = outcomes.poll(10, TimeUnit.SECONDS);
        assertThat(outcome).as("outcome of reload %d", i).isInstanceOf(ReloadEvent.After.class);
        swapped++;
      }
      callers.stop();

      assertThat(callers.failures()).isEmpty();
      assertThat(swapped).isEqualTo(RELOADS);
      assertThat(callers.increments()).isPositive();
      try (PluginLease lease = registry.plugin("counter").acquire()) {
        assertThat(lease.invokeLong("counter_get")).isEqualTo(callers.increments());
      }
    }
  }
}
