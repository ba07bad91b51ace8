package dev.reload.core;

import dev.reload.Plugin;
import dev.reload.PluginRegistry;
import dev.reload.ReloadOutcome;
import dev.reload.core.internal.DefaultPluginRegistry;
import dev.reload.core.internal.ReloadObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The registry's meters. Tags are low-cardinality: {@code plugin}, {@code outcome}, {@code step},
 * plus any given here; never a version or a path.
 *
 * <ul>
 *   <li>{@code reload.duration} (timer; {@code outcome} = swapped, rolled_back, unchanged or
 *       failed; {@code step} = the failing {@link dev.reload.ReloadStep} in lower case, such as
 *       trust, copy, verify, preflight or load, or none): time of each reload, from the start of
 *       admission to the end.
 *   <li>{@code reload.drain} (timer): time the outgoing version of a stateful plugin took to
 *       drain.
 *   <li>{@code reload.gate.pause} (timer): time each caller of a stateful plugin waited at the
 *       closed gate.
 *   <li>{@code reload.leases.in.flight} (gauge): open leases on the current version.
 *   <li>{@code reload.generation} (gauge): the current version's generation.
 *   <li>{@code reload.versions.resident} (gauge, Prometheus {@code reload_versions_resident}):
 *       versions the registry unloaded that the OS still keeps mapped ({@link
 *       Plugin#residentVersions()}); each was logged once at WARN with its likely cause. Anything
 *       above 0 means every reload of that build leaks a copy of the library. It has no base unit,
 *       which would append {@code _versions} to the Prometheus name.
 *   <li>{@code reload.listener.errors} (counter): listeners that threw.
 * </ul>
 *
 * <p>Thread-safe; may be bound to several meter registries.
 */
public final class ReloadMetrics implements MeterBinder {

  private final DefaultPluginRegistry registry;
  private final Tags tags;

  public ReloadMetrics(PluginRegistry registry) {
    this(registry, Tags.empty());
  }

  /**
   * @throws IllegalArgumentException if {@code registry} was not built by {@link RegistryBuilder}
   */
  public ReloadMetrics(PluginRegistry registry, Iterable<Tag> tags) {
    if (!(registry instanceof DefaultPluginRegistry engine)) {
      throw new IllegalArgumentException("ReloadMetrics measures registries built by"
          + " RegistryBuilder, not " + registry.getClass().getName());
    }
    this.registry = engine;
    this.tags = Tags.of(tags);
  }

  @Override
  public void bindTo(MeterRegistry meters) {
    for (Plugin plugin : registry.plugins()) {
      Tags pluginTags = tags.and("plugin", plugin.name());
      Gauge.builder("reload.leases.in.flight", registry, r -> r.inFlight(plugin.name()))
          .description("Open leases on the plugin's current version")
          .baseUnit("leases")
          .tags(pluginTags)
          .register(meters);
      Gauge.builder("reload.generation", plugin, p -> p.current().generation())
          .description("Generation of the plugin's current version")
          .tags(pluginTags)
          .register(meters);
      Gauge.builder("reload.versions.resident", plugin, p -> p.residentVersions().size())
          .description("Versions the registry unloaded (dlclose) that the OS still keeps mapped;"
              + " the WARN log names the cause")
          .tags(pluginTags)
          .register(meters);
    }
    registry.addObserver(new Recorder(meters));
  }

  /** Records the engine's reports into one meter registry. */
  private final class Recorder implements ReloadObserver {

    private final MeterRegistry meters;

    Recorder(MeterRegistry meters) {
      this.meters = meters;
    }

    @Override
    public void reloaded(ReloadOutcome outcome) {
      String result;
      String step = "none";
      if (outcome instanceof ReloadOutcome.Swapped swapped) {
        result = swapped.rollback() ? "rolled_back" : "swapped";
      } else if (outcome instanceof ReloadOutcome.Failed failed) {
        result = "failed";
        step = failed.step().name().toLowerCase(Locale.ROOT);
      } else {
        result = "unchanged";
      }
      Timer.builder("reload.duration")
          .description("Time of each reload, from the start of admission to the end")
          .tags(tags.and("plugin", outcome.plugin(), "outcome", result, "step", step))
          .register(meters)
          .record(outcome.duration());
    }

    @Override
    public void drained(String plugin, long nanos) {
      record("reload.drain", "Time the outgoing version of a stateful plugin took to drain",
          plugin, nanos);
    }

    @Override
    public void callerPaused(String plugin, long nanos) {
      record("reload.gate.pause", "Time a caller waited at the closed gate of a stateful plugin",
          plugin, nanos);
    }

    private void record(String name, String description, String plugin, long nanos) {
      Timer.builder(name)
          .description(description)
          .tags(tags.and("plugin", plugin))
          .register(meters)
          .record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void listenerFailed(String plugin) {
      Counter.builder("reload.listener.errors")
          .description("Reload listeners that threw")
          .baseUnit("errors")
          .tags(tags.and("plugin", plugin))
          .register(meters)
          .increment();
    }
  }
}
