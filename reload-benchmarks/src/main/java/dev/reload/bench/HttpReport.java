package dev.reload.bench;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The runs of the HTTP load run: quiet, while the counter is rebuilt with gcc and republished
 * ({@code reloading}), while gcc builds at the same pace and nothing is published ({@code
 * gccOnly}), and while builds made beforehand are renamed in at the same pace ({@code renamed}).
 * The targets (at least 0.9× the quiet requests/s, at most 2× its p99 latency) judge {@code
 * renamed}, the reloads every 200 ms: on a machine the server and wrk already fill, the gcc runs
 * measure gcc's share of the CPU (the same with nothing published), not what reloading costs, and
 * a production server runs builds made elsewhere. Every run must answer only 2xx and keep the
 * counter exact. Immutable.
 *
 * @param command the wrk command line (its URL included)
 * @param interval how often the counter was republished in the last two runs
 */
record HttpReport(String command, Duration interval, HttpRun quiet, HttpRun reloading,
    HttpRun gccOnly, HttpRun renamed, int serverExit) {

  static final double MIN_THROUGHPUT_RATIO = 0.9;
  static final double MAX_P99_RATIO = 2.0;

  /** Requests/s of the judged run ({@code renamed}) over those of the quiet one. */
  double throughputRatio() {
    return throughputRatio(renamed);
  }

  /** p99 latency of the judged run ({@code renamed}) over that of the quiet one. */
  double p99Ratio() {
    return p99Ratio(renamed);
  }

  private double throughputRatio(HttpRun run) {
    return ratio(run.wrk().requestsPerSecond(), quiet.wrk().requestsPerSecond());
  }

  private double p99Ratio(HttpRun run) {
    return ratio(run.wrk().p99Micros(), quiet.wrk().p99Micros());
  }

  private static double ratio(double value, double reference) {
    return reference == 0 ? Double.NaN : value / reference;
  }

  String json() {
    return String.format(Locale.ROOT, """
        {
          "command": "%s",
          "java": "%s",
          "reloadIntervalMillis": %d,
          "quiet": %s,
          "reloading": %s,
          "gccOnly": %s,
          "renamed": %s,
          "judged": "renamed",
          "throughputRatio": %.3f,
          "p99Ratio": %.3f,
          "serverExit": %d
        }
        """, command, System.getProperty("java.runtime.version"), interval.toMillis(),
        quiet.json(), reloading.json(), gccOnly.json(), renamed.json(), throughputRatio(), p99Ratio(), serverExit);
  }

  String markdown() {
    StringBuilder md = new StringBuilder("| example server, `GET /count` under `")
        .append(command.replaceAll(" -s \\S+", "").replaceAll("http://\\S+", "/count"))
        .append("` | quiet | counter rebuilt with gcc every ").append(interval.toMillis())
        .append(" ms | gcc every ").append(interval.toMillis())
        .append(" ms, nothing published | builds made beforehand, renamed in every ")
        .append(interval.toMillis())
        .append(" ms | target (reloads of prebuilt builds vs quiet) | met |\n|---|---|---|---|---|---|---|\n");
    row(md, "requests/s", run -> format("%.0f", run.wrk().requestsPerSecond())
        + (run == quiet ? "" : format(" (%.2f×)", throughputRatio(run))),
        format("≥ %.1f× quiet", MIN_THROUGHPUT_RATIO), throughputRatio() >= MIN_THROUGHPUT_RATIO);
    row(md, "latency p50 / p99, ms", run -> format("%.3f / %.3f", run.wrk().p50Micros() / 1e3,
        run.wrk().p99Micros() / 1e3) + (run == quiet ? "" : format(" (p99 %.2f×)", p99Ratio(run))),
        format("p99 ≤ %.0f× quiet", MAX_P99_RATIO), p99Ratio() <= MAX_P99_RATIO);
    row(md, "non-2xx responses", run -> String.valueOf(run.wrk().non2xx()), "0",
        all(run -> run.wrk().non2xx() == 0));
    row(md, "socket errors (connect, read, write, timeout)",
        run -> String.valueOf(run.wrk().socketErrors()), "0",
        all(run -> run.wrk().socketErrors() == 0));
    row(md, "reloads done (builds made or renamed in)",
        run -> run.reloads() + " (" + run.published() + ")", "–", true);
    row(md, "server CPU (its JVM and the preflight probe's), s", run -> format("%.2f",
        run.server().cpuSeconds()), "–", true);
    row(md, "reload time (sum) / callers held at the gate (sum), ms", run -> format("%.1f / %.1f"
        + " (%d calls)", run.server().reloadSeconds() * 1e3, run.server().gatedSeconds() * 1e3,
        run.server().gatedCalls()), "–", true);
    row(md, "counter advance − 2xx responses (requests in flight when wrk stopped)",
        run -> String.valueOf(run.uncounted()),
        "0 … " + reloading.connections() + " (one per connection)",
        all(HttpRun::counterExact));
    return md.toString();
  }

  private boolean all(Predicate<HttpRun> check) {
    return runs().stream().allMatch(check);
  }

  private List<HttpRun> runs() {
    return List.of(quiet, reloading, gccOnly, renamed);
  }

  private void row(StringBuilder md, String what, Function<HttpRun, String> value, String target,
      boolean met) {
    md.append("| ").append(what);
    for (HttpRun run : runs()) {
      md.append(" | ").append(value.apply(run));
    }
    md.append(" | ").append(target).append(" | ")
        .append(target.equals("–") ? "" : met ? "yes" : "**no**").append(" |\n");
  }

  private static String format(String pattern, Object... values) {
    return String.format(Locale.ROOT, pattern, values);
  }
}
