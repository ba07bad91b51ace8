package dev.reload.bench;

import java.util.Locale;

/**
 * What the example server spent, as totals since it started, or (after {@link #minus}) over one
 * run: CPU time of its JVM and its children (the preflight probe's JVM), and from its own {@code
 * /metrics}, the counter's reloads that swapped (their total duration) and the calls its gate
 * held while the state moved (their total wait). These say what a reload costs the server's
 * callers, apart from what the load generator and gcc take of the machine. Immutable.
 */
record ServerCost(double cpuSeconds, double reloadSeconds, long gatedCalls, double gatedSeconds) {

  private static final String COUNTER = "plugin=\"counter\"";

  /** The totals now. */
  static ServerCost of(ExampleServerProcess server) {
    String metrics = server.metrics();
    return new ServerCost(
        server.cpuSeconds(),
        value(
            metrics,
            "reload_duration_seconds_sum{outcome=\"swapped\"," + COUNTER + ",step=\"none\"}"),
        (long) value(metrics, "reload_gate_pause_seconds_count{" + COUNTER + "}"),
        value(metrics, "reload_gate_pause_seconds_sum{" + COUNTER + "}"));
  }

  /** The value of one Prometheus series, 0 while it is not there (nothing recorded yet). */
  private static double value(String metrics, String series) {
    return metrics
        .lines()
        .filter(line -> line.startsWith(series + " "))
        .mapToDouble(
            line -> Double.parseDouble(line.substring(series.length() + 1).trim()))
        .findFirst()
        .orElse(0);
  }

  /** What was spent since {@code earlier}. */
  ServerCost minus(ServerCost earlier) {
    return new ServerCost(
        cpuSeconds - earlier.cpuSeconds,
        reloadSeconds - earlier.reloadSeconds,
        gatedCalls - earlier.gatedCalls,
        gatedSeconds - earlier.gatedSeconds);
  }

  String json() {
    return String.format(
        Locale.ROOT,
        "{\"cpuSeconds\": %.3f, \"reloadSeconds\": %.4f,"
            + " \"gatedCalls\": %d, \"gatedSeconds\": %.4f}",
        cpuSeconds,
        reloadSeconds,
        gatedCalls,
        gatedSeconds);
  }
}
