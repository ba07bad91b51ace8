package dev.reload.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link CallBenchmark} at 1 and 2 threads in one go and writes JMH's JSON of both runs plus
 * a Markdown table with the ratios the targets are stated in.
 *
 * <p>The forks are interleaved: each of {@link #ROUNDS} rounds runs every benchmark in one fork,
 * and a benchmark's result joins its forks of all rounds (JMH's statistics over them, as over the
 * forks of one run; its JSON says 1 fork and holds one row of raw data per round). On a small
 * shared machine the mean of a fork moves by 10% from one fork to the next, and the machine's
 * state drifts over minutes: forks run back to back would judge a ratio of two benchmarks on
 * different minutes. On Linux, each round first ranks the CPUs ({@link CpuRanking}), since the
 * CPUs of such a machine need not be equally fast, and runs every benchmark's threads on them
 * fastest first: a single-threaded benchmark on the fastest. The Markdown lists the rankings.
 *
 * <pre>CallsMain --native DIR --out calls.json --md calls.md [--quick]</pre>
 */
public final class CallsMain {

  private static final String[] METHODS = {"rawFunction", "leasedFunction", "rawInterface",
      "rawDirect", "rawFfm", "boundInterface", "guiceInjected", "acquireRelease"};
  /** Forks per benchmark and thread count, one per round. */
  private static final int ROUNDS = 5;

  private CallsMain() {}

  public static void main(String[] arguments) throws RunnerException, IOException {
    Args args = Args.parse(arguments);
    boolean quick = args.flag("quick");
    Path out = args.path("out");
    Files.createDirectories(out.toAbsolutePath().getParent());
    boolean linux = System.getProperty("os.name").startsWith("Linux");
    List<RunResult> results = new ArrayList<>();
    List<CpuRanking> rankings = new ArrayList<>();
    for (int threads : new int[] {1, 2}) {
      Map<String, RunResult> joined = new LinkedHashMap<>();
      for (int round = 0; round < (quick ? 1 : ROUNDS); round++) {
        List<String> jvmArgs = jvmArgs(args.path("native"));
        if (linux) {
          CpuRanking ranking = CpuRanking.measure();
          rankings.add(ranking);
          jvmArgs.add("-D" + CpuPin.CPUS_PROPERTY + "=" + ranking.cpusProperty());
        }
        for (RunResult result : new Runner(options(threads, quick, jvmArgs)).run()) {
          joined.merge(result.getParams().getBenchmark(), result, CallsMain::join);
        }
      }
      results.addAll(joined.values());
    }
    try (PrintStream json = new PrintStream(Files.newOutputStream(out))) {
      ResultFormatFactory.getInstance(ResultFormatType.JSON, json).writeOut(results);
    }
    Files.writeString(args.path("md"), markdown(results) + cpus(rankings));
  }

  /** One fork of every benchmark at {@code threads} threads. */
  private static Options options(int threads, boolean quick, List<String> jvmArgs) {
    OptionsBuilder builder = new OptionsBuilder();
    if (!CallBenchmark.FOREIGN) {
      builder.exclude(CallBenchmark.class.getName() + "\\.rawFfm");
    }
    return builder
        .include(CallBenchmark.class.getName() + "\\.")
        .forks(1)
        .warmupIterations(3)
        .warmupTime(TimeValue.seconds(1))
        .measurementIterations(quick ? 5 : 3)
        .measurementTime(TimeValue.seconds(1))
        .threads(threads)
        .jvmArgsAppend(jvmArgs.toArray(String[]::new))
        .build();
  }

  /** One benchmark's forks of two rounds as the forks of one run. */
  private static RunResult join(RunResult earlier, RunResult later) {
    List<BenchmarkResult> forks = new ArrayList<>(earlier.getBenchmarkResults());
    forks.addAll(later.getBenchmarkResults());
    return new RunResult(earlier.getParams(), forks);
  }

  private static List<String> jvmArgs(Path natives) {
    List<String> jvmArgs = new ArrayList<>(List.of("-Dbench.native=" + natives.toAbsolutePath()));
    if (CallBenchmark.FOREIGN) {
      // JDK 24+ warns about JNA's and java.lang.foreign's native access unless it is granted.
      jvmArgs.add("--enable-native-access=ALL-UNNAMED");
    }
    return jvmArgs;
  }

  /** The line under the tables that says where the benchmarks ran. */
  private static String cpus(List<CpuRanking> rankings) {
    if (rankings.isEmpty()) {
      return "";
    }
    return "\nBenchmark threads pinned to CPUs fastest first (a single thread to the fastest), as"
        + " ranked before each round by ns per load of a chain of loads over 4 MiB: "
        + rankings.stream().map(CpuRanking::toString).collect(Collectors.joining("; "))
        + ".\n";
  }

  static String markdown(List<RunResult> results) {
    Map<String, double[]> scores = new LinkedHashMap<>();
    Map<String, double[]> errors = new LinkedHashMap<>();
    for (String method : METHODS) {
      scores.put(method, new double[] {Double.NaN, Double.NaN});
      errors.put(method, new double[] {Double.NaN, Double.NaN});
    }
    for (RunResult result : results) {
      String benchmark = result.getParams().getBenchmark();
      String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
      int column = result.getParams().getThreads() == 1 ? 0 : 1;
      if (scores.containsKey(method)) {
        scores.get(method)[column] = result.getPrimaryResult().getScore();
        errors.get(method)[column] = result.getPrimaryResult().getScoreError();
      }
    }
    StringBuilder md = new StringBuilder("| call (`int add(int,int)`) | 1 thread, ns/op | 2 threads, ns/op |\n|---|---|---|\n");
    for (String method : METHODS) {
      md.append("| `").append(method).append("` | ")
          .append(cell(scores.get(method)[0], errors.get(method)[0])).append(" | ")
          .append(cell(scores.get(method)[1], errors.get(method)[1])).append(" |\n");
    }
    md.append("\n| target | measured | met |\n|---|---|---|\n");
    target(md, "`leasedFunction` ≤ 1.05 × `rawFunction` (1 thread)",
        ratio(scores, "leasedFunction", "rawFunction", 0), 1.05);
    target(md, "`leasedFunction` ≤ 1.05 × `rawFunction` (2 threads)",
        ratio(scores, "leasedFunction", "rawFunction", 1), 1.05);
    target(md, "`boundInterface` ≤ 1.10 × `rawDirect` (1 thread)",
        ratio(scores, "boundInterface", "rawDirect", 0), 1.10);
    target(md, "`boundInterface` ≤ 1.10 × `rawDirect` (2 threads)",
        ratio(scores, "boundInterface", "rawDirect", 1), 1.10);
    target(md, "`guiceInjected` ≤ 1.10 × `boundInterface` (1 thread)",
        ratio(scores, "guiceInjected", "boundInterface", 0), 1.10);
    double bound1 = scores.get("boundInterface")[0];
    if (!Double.isNaN(scores.get("rawFfm")[0])) {
      target(md, "`boundInterface` ≤ 2.0 × `rawFfm` (1 thread)",
          ratio(scores, "boundInterface", "rawFfm", 0), 2.0);
      md.append(String.format(Locale.ROOT, "| `boundInterface` ≤ 15 ns (1 thread) | %.1f ns | %s |%n",
          bound1, bound1 <= 15 ? "yes" : "**no**"));
      target(md, "`boundInterface` ≤ 0.25 × `rawDirect` (1 thread)",
          ratio(scores, "boundInterface", "rawDirect", 0), 0.25);
    }
    double acquire1 = scores.get("acquireRelease")[0];
    double acquire2 = scores.get("acquireRelease")[1];
    md.append(String.format(Locale.ROOT, "| `acquireRelease` ≤ 10 ns (1 thread) | %.1f ns | %s |%n",
        acquire1, acquire1 <= 10 ? "yes" : "**no**"));
    target(md, "`acquireRelease` 2 threads ≤ 1.5 × 1 thread", acquire2 / acquire1, 1.5);
    return md.toString();
  }

  private static double ratio(Map<String, double[]> scores, String over, String under, int column) {
    return scores.get(over)[column] / scores.get(under)[column];
  }

  private static void target(StringBuilder md, String what, double ratio, double limit) {
    md.append(String.format(Locale.ROOT, "| %s | %.3f × | %s |%n", what, ratio,
        ratio <= limit ? "yes" : "**no**"));
  }

  private static String cell(double score, double error) {
    if (Double.isNaN(score)) {
      return "–";
    }
    return Double.isNaN(error) ? String.format(Locale.ROOT, "%.1f", score)
        : String.format(Locale.ROOT, "%.1f ± %.1f", score, error);
  }
}
