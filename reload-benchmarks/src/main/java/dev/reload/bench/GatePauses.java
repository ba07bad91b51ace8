package dev.reload.bench;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.cumulative.CumulativeTimer;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.pause.PauseDetector;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import java.util.function.ObjLongConsumer;

/**
 * A meter registry that also hands each sample of the public {@code reload.gate.pause} timer,
 * with its {@code plugin} tag, to a callback: the harness takes exact percentiles of what callers
 * waited from the registry's own meter instead of reaching into the engine. Thread-safe; samples
 * arrive on the callers' threads.
 */
final class GatePauses extends SimpleMeterRegistry {

  private final ObjLongConsumer<String> sink;

  /** {@code sink} receives (plugin, nanoseconds) and must be thread-safe. */
  GatePauses(ObjLongConsumer<String> sink) {
    this.sink = sink;
  }

  @Override
  protected Timer newTimer(
      Meter.Id id, DistributionStatisticConfig config, PauseDetector pauseDetector) {
    if (!id.getName().equals("reload.gate.pause")) {
      return super.newTimer(id, config, pauseDetector);
    }
    String plugin = id.getTag("plugin");
    return new CumulativeTimer(id, clock, config, pauseDetector, getBaseTimeUnit()) {
      @Override
      protected void recordNonNegative(long amount, TimeUnit unit) {
        super.recordNonNegative(amount, unit);
        sink.accept(plugin, unit.toNanos(amount));
      }
    };
  }
}
