package dev.reload.bench;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The runs of the HTTP load run: while the counter is rebuilt with gcc and republished ({@code
 * reloading}), while gcc builds at the same pace and nothing is published ({@code gccOnly}), and
 * pairs of a quiet run ({@code quiet}) and one while builds made beforehand are renamed in at the
 * same pace ({@code renamed}). The targets (at least 0.9× the quiet requests/s, at most 2× its p99
 * latency) judge the median of the pairs' ratios of {@code renamed} to {@code quiet}, the reloads
 * every 200 ms: on a machine the server and wrk already fill, the gcc runs measure gcc's share of
 * the CPU (the same with nothing published), not what reloading costs, and a production server
 * runs builds made elsewhere. The gcc runs are compared with the first quiet run. Every run must
 * answer only 2xx and keep the counter exact. Immutable.
 *
 * @param command the wrk command line (its URL included)
 * @param interval how often the counter was republished in the runs with reloads
 * @param quiet the quiet run of each pair
 * @param renamed the run of renamed-in builds of each pair, in the same order
 */
record HttpReport(
    String command,
    Duration interval,
    List<HttpRun> quiet,
    HttpRun reloading,
    HttpRun gccOnly,
    List<HttpRun> renamed,
    int serverExit) {

  static final double MIN_THROUGHPUT_RATIO = 0.9;
  static final double MAX_P99_RATIO = 2.0;

  HttpReport {
    quiet = List.copyOf(quiet);
    renamed = List.copyOf(renamed);
    if (quiet.isEmpty() || quiet.size() != renamed.size()) {
      throw new IllegalArgumentException("pairs of a quiet and a renamed run needed, got "
          + quiet.size() + " quiet and " + renamed.size() + " renamed");
    }
  }

  /** Requests/s of each pair's {@code renamed} run over its quiet one's, and their median. */
  PairedRatio throughputRatio() {
    return paired(run -> (double) run.wrk().requestsPerSecond());
  }

  /** p99 latency of each pair's {@code renamed} run over its quiet one's, and their median. */
  PairedRatio p99Ratio() {
    return paired(run -> (double) run.wrk().p99Micros());
  }

  private PairedRatio paired(Function<HttpRun, Double> figure) {
    return PairedRatio.of(
        renamed.stream().map(figure).toList(), quiet.stream().map(figure).toList());
  }

  /** The quiet run {@code run} is compared with: its pair's, or the first for the gcc runs. */
  private HttpRun quietFor(HttpRun run) {
    for (int pair = 0; pair < renamed.size(); pair++) {
      if (renamed.get(pair) == run) {
        return quiet.get(pair);
      }
    }
    return quiet.get(0);
  }

  private boolean isQuiet(HttpRun run) {
    return quiet.stream().anyMatch(quietRun -> quietRun == run);
  }

  private double throughputRatio(HttpRun run) {
    return ratio(run.wrk().requestsPerSecond(), quietFor(run).wrk().requestsPerSecond());
  }

  private double p99Ratio(HttpRun run) {
    return ratio(run.wrk().p99Micros(), quietFor(run).wrk().p99Micros());
  }

  private static double ratio(double value, double reference) {
    return reference == 0 ? Double.NaN : value / reference;
  }

  String json() {
    return String.format(
        Locale.ROOT,
        """
        {
          "command": "%s",
          "java": "%s",
          "reloadIntervalMillis": %d,
          "quiet": %s,
          "reloading": %s,
          "gccOnly": %s,
          "renamed": %s,
          "judged": "median of the pairs of quiet and renamed",
          "throughputRatio": %.3f,
          "throughputRatios": %s,
          "p99Ratio": %.3f,
          "p99Ratios": %s,
          "serverExit": %d
        }
        """,
        command,
        System.getProperty("java.runtime.version"),
        interval.toMillis(),
        json(quiet),
        reloading.json(),
        gccOnly.json(),
        json(renamed),
        throughputRatio().median(),
        throughputRatio().ratios(),
        p99Ratio().median(),
        p99Ratio().ratios(),
        serverExit);
  }

  String markdown() {
    StringBuilder md = new StringBuilder("| example server, `GET /count` under `")
        .append(command.replaceAll(" -s \\S+", "").replaceAll("http://\\S+", "/count"))
        .append("` | quiet | counter rebuilt with gcc every ")
        .append(interval.toMillis())
        .append(" ms | gcc every ")
        .append(interval.toMillis())
        .append(" ms, nothing published | builds made beforehand, renamed in every ")
        .append(interval.toMillis())
        .append(
            " ms (each next to the quiet run of its pair) | target (reloads of prebuilt builds vs"
                + " quiet: median of the pairs) | met |\n|---|---|---|---|---|---|---|\n");
    row(
        md,
        "requests/s",
        run -> format("%.0f", run.wrk().requestsPerSecond())
            + (isQuiet(run) ? "" : format(" (%.2f×)", throughputRatio(run))),
        format("≥ %.1f× quiet: %s", MIN_THROUGHPUT_RATIO, throughputRatio()),
        throughputRatio().median() >= MIN_THROUGHPUT_RATIO);
    row(
        md,
        "latency p50 / p99, ms",
        run -> format("%.3f / %.3f", run.wrk().p50Micros() / 1e3, run.wrk().p99Micros() / 1e3)
            + (isQuiet(run) ? "" : format(" (p99 %.2f×)", p99Ratio(run))),
        format("p99 ≤ %.0f× quiet: %s", MAX_P99_RATIO, p99Ratio()),
        p99Ratio().median() <= MAX_P99_RATIO);
    row(
        md,
        "non-2xx responses",
        run -> String.valueOf(run.wrk().non2xx()),
        "0",
        all(run -> run.wrk().non2xx() == 0));
    row(
        md,
        "socket errors (connect, read, write, timeout)",
        run -> String.valueOf(run.wrk().socketErrors()),
        "0",
        all(run -> run.wrk().socketErrors() == 0));
    row(
        md,
        "reloads done (builds made or renamed in)",
        run -> run.reloads() + " (" + run.published() + ")",
        "–",
        true);
    row(
        md,
        "server CPU (its JVM and the preflight probe's), s",
        run -> format("%.2f", run.server().cpuSeconds()),
        "–",
        true);
    row(
        md,
        "reload time (sum) / callers held at the gate (sum), ms",
        run -> format(
            "%.1f / %.1f (%d calls)",
            run.server().reloadSeconds() * 1e3,
            run.server().gatedSeconds() * 1e3,
            run.server().gatedCalls()),
        "–",
        true);
    row(
        md,
        "counter advance − 2xx responses (requests in flight when wrk stopped)",
        run -> String.valueOf(run.uncounted()),
        "0 … " + reloading.connections() + " (one per connection)",
        all(HttpRun::counterExact));
    return md.toString();
  }

  private boolean all(Predicate<HttpRun> check) {
    return columns().stream().flatMap(List::stream).allMatch(check);
  }

  /** The table's columns of runs: a column of pairs lists its runs in pair order. */
  private List<List<HttpRun>> columns() {
    return List.of(quiet, List.of(reloading), List.of(gccOnly), renamed);
  }

  private static String json(List<HttpRun> runs) {
    return runs.stream().map(HttpRun::json).collect(Collectors.joining(", ", "[", "]"));
  }

  private void row(
      StringBuilder md, String what, Function<HttpRun, String> value, String target, boolean met) {
    md.append("| ").append(what);
    for (List<HttpRun> column : columns()) {
      md.append(" | ").append(column.stream().map(value).collect(Collectors.joining("; ")));
    }
    md.append(" | ")
        .append(target)
        .append(" | ")
        .append(target.equals("–") ? "" : met ? "yes" : "**no**")
        .append(" |\n");
  }

  private static String format(String pattern, Object... values) {
    return String.format(Locale.ROOT, pattern, values);
  }
}
