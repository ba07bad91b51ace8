package dev.reload.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
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
 * forks of one run; its JSON says 1 fork and holds one row of raw data per round). A ratio is
 * paired: the two benchmarks of every ratio-target run back to back in each round, in turn first
 * (the order is reversed every other round), and the target judges the median of the rounds'
 * ratios. On a small shared machine the speed of a CPU changes from one half-minute to the next
 * (a neighbour's load), so forks far apart in time, or the mean over rounds that one disturbed
 * round moves, would judge the machine rather than the code. On Linux, each round first ranks the
 * CPUs ({@link CpuRanking}), since the CPUs of such a machine need not be equally fast, and runs
 * every benchmark's threads on them fastest first: a single-threaded benchmark on the fastest.
 * The Markdown lists the rankings.
 *
 * <pre>CallsMain --native DIR --out calls.json --md calls.md [--quick]</pre>
 *
 * <p>A command-line program, run on its main thread; not thread-safe.
 */
public final class CallsMain {

  /**
   * The benchmarks in the order a round runs them (reversed every other round) and the tables list
   * them: those a ratio-target compares are neighbours.
   */
  private static final List<String> METHODS = List.of(
      "rawFunction",
      "leasedFunction",
      "rawInterface",
      "rawFfm",
      "rawDirect",
      "boundInterface",
      "guiceInjected",
      "acquireRelease");
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
        List<String> order = new ArrayList<>(METHODS);
        if (round % 2 == 1) {
          Collections.reverse(order);
        }
        order.removeIf(method -> method.equals("rawFfm") && !CallBenchmark.FOREIGN);
        for (String method : order) {
          for (RunResult result : new Runner(options(method, threads, quick, jvmArgs)).run()) {
            joined.merge(result.getParams().getBenchmark(), result, CallsMain::join);
          }
        }
      }
      results.addAll(joined.values());
    }
    try (PrintStream json = new PrintStream(Files.newOutputStream(out))) {
      ResultFormatFactory.getInstance(ResultFormatType.JSON, json).writeOut(results);
    }
    Files.writeString(args.path("md"), markdown(results) + cpus(rankings));
  }

  /** One fork of benchmark {@code method} at {@code threads} threads. */
  private static Options options(String method, int threads, boolean quick, List<String> jvmArgs) {
    return new OptionsBuilder()
        .include(CallBenchmark.class.getName() + "\\." + method + "$")
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
    // A heap of fixed size, every page touched before the benchmark starts: in a VM, the first
    // touch of a page is slow, and a fresh heap's first seconds slowed the benchmarks that
    // allocate (the by-name calls: 650-730 ns against 415 ns warm, JDK 17, 1 thread) past the
    // warm-up, and unevenly, into the measured iterations.
    List<String> jvmArgs = new ArrayList<>(List.of(
        "-Dbench.native=" + natives.toAbsolutePath(),
        "-Xms512m",
        "-Xmx512m",
        "-XX:+AlwaysPreTouch"));
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
    Map<String, RunResult[]> byMethod = new LinkedHashMap<>();
    for (String method : METHODS) {
      byMethod.put(method, new RunResult[2]);
    }
    for (RunResult result : results) {
      String benchmark = result.getParams().getBenchmark();
      RunResult[] columns = byMethod.get(benchmark.substring(benchmark.lastIndexOf('.') + 1));
      if (columns != null) {
        columns[result.getParams().getThreads() == 1 ? 0 : 1] = result;
      }
    }
    StringBuilder md = new StringBuilder(
        "| call (`int add(int,int)`) | 1 thread, ns/op | 2 threads, ns/op |\n|---|---|---|\n");
    byMethod.forEach((method, columns) -> md.append("| `")
        .append(method)
        .append("` | ")
        .append(cell(columns[0]))
        .append(" | ")
        .append(cell(columns[1]))
        .append(" |\n"));
    md.append("\n| target | measured (median of the rounds' ratios; each round's) | met"
        + " |\n|---|---|---|\n");
    // The targets set before java.lang.foreign are JDK 17's; a JDK 22+ table (the one with
    // rawFfm) shows them but judges only its own, since JNA's calls are faster there and the
    // same lease is a larger share of them.
    boolean foreign = byMethod.get("rawFfm")[0] != null;
    Targets jdk17 = new Targets(byMethod, md, !foreign);
    Targets both = new Targets(byMethod, md, true);
    jdk17.ratio("leasedFunction", "1.05", "rawFunction", 0);
    jdk17.ratio("leasedFunction", "1.05", "rawFunction", 1);
    jdk17.ratio("boundInterface", "1.10", "rawDirect", 0);
    jdk17.ratio("boundInterface", "1.10", "rawDirect", 1);
    both.ratio("guiceInjected", "1.10", "boundInterface", 0);
    if (foreign) {
      both.ratio("boundInterface", "2.0", "rawFfm", 0);
      both.nanos("boundInterface", 15);
      both.ratio("boundInterface", "0.25", "rawDirect", 0);
    }
    jdk17.nanos("acquireRelease", 10);
    double acquire1 = score(byMethod.get("acquireRelease")[0]);
    double acquire2 = score(byMethod.get("acquireRelease")[1]);
    md.append(String.format(
        Locale.ROOT,
        "| `acquireRelease` 2 threads ≤ 1.5 × 1 thread | %.3f × | %s |%n",
        acquire2 / acquire1,
        jdk17.met(acquire2 / acquire1 <= 1.5)));
    return md.toString();
  }

  /** The rows of the targets table; {@code judged} false for another JDK's targets, shown only. */
  private record Targets(Map<String, RunResult[]> byMethod, StringBuilder md, boolean judged) {

    /** {@code over} ≤ {@code limit} × {@code under}, paired round by round, at a thread count. */
    void ratio(String over, String limit, String under, int column) {
      PairedRatio ratio = PairedRatio.of(rounds(over, column), rounds(under, column));
      md.append(String.format(
          Locale.ROOT,
          "| `%s` ≤ %s × `%s` (%s) | %s | %s |%n",
          over,
          limit,
          under,
          column == 0 ? "1 thread" : "2 threads",
          ratio,
          met(ratio.median() <= Double.parseDouble(limit))));
    }

    /** {@code method} ≤ {@code limit} ns, single-threaded, by JMH's score over all rounds. */
    void nanos(String method, double limit) {
      double nanos = score(byMethod.get(method)[0]);
      md.append(String.format(
          Locale.ROOT,
          "| `%s` ≤ %.0f ns (1 thread) | %.1f ns | %s |%n",
          method,
          limit,
          nanos,
          met(nanos <= limit)));
    }

    /** The verdict cell: yes or no, or for a target this JDK is not held to, what it would be. */
    String met(boolean met) {
      return judged
          ? CallsMain.met(met)
          : "– (a JDK 17 target; here " + (met ? "met" : "not met") + ")";
    }

    /** The score of each round's fork of {@code method}, in round order. */
    private List<Double> rounds(String method, int column) {
      RunResult result = byMethod.get(method)[column];
      return result == null
          ? List.of()
          : result.getBenchmarkResults().stream()
              .map(fork -> fork.getPrimaryResult().getScore())
              .collect(Collectors.toList());
    }
  }

  private static double score(RunResult result) {
    return result == null ? Double.NaN : result.getPrimaryResult().getScore();
  }

  private static String met(boolean met) {
    return met ? "yes" : "**no**";
  }

  /** JMH's score over all rounds, ± its error where it has one. */
  private static String cell(RunResult result) {
    if (result == null) {
      return "–";
    }
    double score = result.getPrimaryResult().getScore();
    double error = result.getPrimaryResult().getScoreError();
    return Double.isNaN(error)
        ? String.format(Locale.ROOT, "%.1f", score)
        : String.format(Locale.ROOT, "%.1f ± %.1f", score, error);
  }
}
