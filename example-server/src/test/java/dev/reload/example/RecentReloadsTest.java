package dev.reload.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.reload.PluginException;
import dev.reload.PluginVersion;
import dev.reload.ReloadEvent;
import dev.reload.ReloadKind;
import dev.reload.ReloadStep;
import dev.reload.UnloadHazard;
import dev.reload.VersionState;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RecentReloadsTest {

  private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");

  private final RecentReloads recent = new RecentReloads(3, Clock.fixed(NOW, ZoneOffset.UTC));

  @Test
  void recordsAReloadWithTheTimeItsCallersWereGated() {
    recent.onEvent(new ReloadEvent.Before("counter", version("counter", 1), version("counter", 2)));
    recent.onEvent(new ReloadEvent.After(
        "counter",
        version("counter", 1),
        version("counter", 2),
        Duration.ofMillis(12),
        Duration.ofNanos(250_000)));

    assertThat(recent.newestFirst())
        .containsExactly(new ReloadRecord(
            1,
            NOW,
            "counter",
            "reload",
            "swapped",
            1,
            2,
            Duration.ofMillis(12),
            Duration.ofNanos(250_000),
            null));
    assertThat(recent.json())
        .isEqualTo("[\n  {\"id\": 1, \"at\": \"2026-01-02T03:04:05Z\","
            + " \"plugin\": \"counter\", \"kind\": \"reload\", \"outcome\": \"swapped\","
            + " \"from\": 1,"
            + " \"to\": 2, \"millis\": 12.000, \"gatedMillis\": 0.250, \"reason\": null}\n]\n");
  }

  @Test
  void aStatelessPluginIsNeverGated() {
    recent.onEvent(new ReloadEvent.RolledBack(
        "greeter",
        version("greeter", 4),
        version("greeter", 5),
        Duration.ofMillis(3),
        Duration.ZERO));

    ReloadRecord record = recent.newestFirst().get(0);
    assertThat(record.kind()).isEqualTo("rollback");
    assertThat(record.outcome()).isEqualTo("rolled_back");
    assertThat(record.gated()).isNull();
    assertThat(record.json()).contains("\"gatedMillis\": null");
  }

  @Test
  void aFailureBeforeTheCandidateLoadedWasNotGatedAndCarriesItsReason() {
    recent.onEvent(new ReloadEvent.Failed(
        "counter",
        ReloadKind.RELOAD,
        version("counter", 2),
        Path.of("/plugins/libcounter.so"),
        ReloadStep.VERIFY,
        new PluginException("library \"x\" is <not> an ELF file"),
        Duration.ofMillis(1),
        Duration.ZERO));

    ReloadRecord record = recent.newestFirst().get(0);
    assertThat(record)
        .extracting(
            ReloadRecord::outcome, ReloadRecord::from, ReloadRecord::to, ReloadRecord::gated)
        .containsExactly("failed", 2L, 2L, null);
    assertThat(record.json())
        .contains("\"reason\": \"verify: library \\\"x\\\" is <not> an ELF file\"");
  }

  @Test
  void keepsTheNewestUpToItsCapacityNumberedInOrder() {
    recent.onEvent(new ReloadEvent.Added("a", version("a", 1)));
    recent.onEvent(new ReloadEvent.Added("b", version("b", 1)));
    recent.onEvent(new ReloadEvent.Removed("a", version("a", 1)));
    recent.onEvent(new ReloadEvent.Added("c", version("c", 1)));

    assertThat(recent.newestFirst())
        .extracting(ReloadRecord::id, ReloadRecord::plugin, ReloadRecord::outcome)
        .containsExactly(
            tuple(4L, "c", "added"), tuple(3L, "a", "removed"), tuple(2L, "b", "added"));
    assertThat(recent.newestFirst().get(1).json())
        .contains("\"from\": 1, \"to\": 0, \"millis\": null, \"gatedMillis\": null");
  }

  @Test
  void anEmptyTimelineIsAnEmptyArray() {
    assertThat(recent.json().replaceAll("\\s", "")).isEqualTo("[]");
  }

  @Test
  void refusesACapacityBelowOne() {
    assertThatThrownBy(() -> new RecentReloads(0, Clock.systemUTC()))
        .hasMessage("capacity must be positive, was 0");
  }

  private static PluginVersion version(String plugin, long generation) {
    return new PluginVersion() {
      @Override
      public String pluginName() {
        return plugin;
      }

      @Override
      public long generation() {
        return generation;
      }

      @Override
      public Path sourcePath() {
        return Path.of("/plugins/lib" + plugin + ".so");
      }

      @Override
      public Path shadowPath() {
        return Path.of("/shadow/" + plugin + "-" + generation + ".so");
      }

      @Override
      public String sha256() {
        return "0".repeat(64);
      }

      @Override
      public Instant loadedAt() {
        return NOW;
      }

      @Override
      public VersionState state() {
        return VersionState.ACTIVE;
      }

      @Override
      public Set<UnloadHazard> unloadHazards() {
        return Set.of();
      }
    };
  }
}
