package dev.reload.core.internal.observe;

import dev.reload.Plugin;
import dev.reload.ReloadOutcome;
import dev.reload.core.ReloadMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The engine's {@link ReloadMetrics}: gauges read the registry, and a {@link ReloadObserver} per
 * bound meter registry records what the engine reports. The meters are listed on
 * {@link ReloadMetrics}. Immutable and thread-safe; each bound {@link Recorder} is called from
 * reload threads and callers' threads at once, and only registers and records meters.
 */
public final class EngineMetrics implements ReloadMetrics {

  private final MeteredRegistry registry;
  private final Tags tags;

  public EngineMetrics(MeteredRegistry registry, Tags tags) {
    this.registry = registry;
    this.tags = tags;
  }

  @Override
  public void bindTo(MeterRegistry meters) {
    registry.addObserver(new Recorder(meters));
    for (Plugin plugin : registry.plugins()) {
      bindPlugin(meters, plugin);
    }
  }

  /**
   * The gauges of one plugin, and a stateful plugin's gate timers; registering one twice (a plugin
   * added meanwhile) is harmless. The timers exist before the first reload, so its first caller
   * to pass the gate only records (the first timer of a JVM takes milliseconds to create), and
   * they read zero until then.
   */
  private void bindPlugin(MeterRegistry meters, Plugin plugin) {
    Tags pluginTags = tags.and("plugin", plugin.name());
    if (plugin.stateful()) {
      drainTimer(meters, plugin.name());
      pauseTimer(meters, plugin.name());
    }
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

  private Timer drainTimer(MeterRegistry meters, String plugin) {
    return Timer.builder("reload.drain")
        .description("Time the outgoing version of a stateful plugin took to drain")
        .tags(tags.and("plugin", plugin))
        .register(meters);
  }

  private Timer pauseTimer(MeterRegistry meters, String plugin) {
    return Timer.builder("reload.gate.pause")
        .description("Time a caller waited at the closed gate of a stateful plugin")
        .tags(tags.and("plugin", plugin))
        .register(meters);
  }

  /** Records the engine's reports into one meter registry. */
  private final class Recorder implements ReloadObserver {

    private final MeterRegistry meters;

    Recorder(MeterRegistry meters) {
      this.meters = meters;
    }

    @Override
    public void reloaded(ReloadOutcome outcome) {
      String step = OutcomeNames.failingStep(outcome);
      Timer.builder("reload.duration")
          .description("Time of each reload, from staging to the end")
          .tags(tags.and(
              "plugin",
              outcome.plugin(),
              "outcome",
              OutcomeNames.outcome(outcome),
              "step",
              step == null ? "none" : step))
          .register(meters)
          .record(outcome.duration());
    }

    @Override
    public void drained(String plugin, long nanos) {
      drainTimer(meters, plugin).record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void callerPaused(String plugin, long nanos) {
      pauseTimer(meters, plugin).record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void added(Plugin plugin) {
      bindPlugin(meters, plugin);
    }

    @Override
    public void removed(String plugin) {
      for (Meter meter : meters.getMeters()) {
        if (meter.getId().getName().startsWith("reload.")
            && plugin.equals(meter.getId().getTag("plugin"))) {
          meters.remove(meter);
        }
      }
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
