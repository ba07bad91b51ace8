package dev.reload.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the HTTP load run honest: wrk's figures are read as wrk reports them, the counter check
 * accepts exactly the increments wrk may not have seen, the report judges the right run, and the
 * builds it publishes are real and distinct. No timing is asserted; run.sh measures.
 */
class HttpLoadTest {

  /** A run of {@code wrk -t1 -c2 -d1s --latency -s done.lua} against a server answering 404. */
  private static final String WRK_OUTPUT = """
      Running 1s test @ http://127.0.0.1:18099/nothing
        1 threads and 2 connections
        Thread Stats   Avg      Stdev     Max   +/- Stdev
          Latency     9.05ms   17.87ms 128.39ms   91.95%
          Req/Sec   499.20    274.66     0.86k    60.00%
        Latency Distribution
           50%    2.74ms
           75%    7.68ms
           90%   21.12ms
           99%  103.69ms
        504 requests in 1.04s, 255.94KB read
        Non-2xx or 3xx responses: 504
      Requests/sec:    485.87
      Transfer/sec:    246.73KB
      wrk-result requests=504 duration_us=1037319 connect=0 read=1 write=0 status=504 timeout=2 \
      p50_us=2743 p99_us=103691 max_us=128387
      """;

  @TempDir
  Path root;

  @Test
  void wrkFiguresAreReadFromTheDoneHookLine() {
    Wrk.Result result = Wrk.Result.parse(WRK_OUTPUT);

    assertThat(result).isEqualTo(new Wrk.Result(504, 1_037_319, 504, 3, 2743, 103_691, 128_387));
    assertThat(result.requestsPerSecond()).isCloseTo(485.87, within(0.01));
    assertThat(result.served()).isZero();
  }

  @Test
  @EnabledIf("wrkIsInstalled")
  void doneHookReportsWhatTheServerAnswered() throws Exception {
    AtomicLong answered = new AtomicLong();
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      // Every other request fails, so that wrk has both kinds to count.
      int status = answered.incrementAndGet() % 2 == 0 ? 503 : 200;
      byte[] body = "x\n".getBytes(StandardCharsets.US_ASCII);
      exchange.sendResponseHeaders(status, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    ExecutorService threads = Executors.newFixedThreadPool(2);
    server.setExecutor(threads);
    server.start();
    try {
      URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/count");
      Wrk.Result result = new Wrk(2, Duration.ofSeconds(1), root).run(uri);

      assertThat(result.requests()).isPositive();
      assertThat(result.requests()).isBetween(answered.get() - 2, answered.get());
      assertThat(result.non2xx()).isBetween(result.requests() / 2 - 2, result.requests() / 2 + 2);
      assertThat(result.socketErrors()).isZero();
      assertThat(result.p50Micros()).isPositive().isLessThanOrEqualTo(result.p99Micros());
      assertThat(result.p99Micros()).isLessThanOrEqualTo(result.maxMicros());
    } finally {
      server.stop(0);
      threads.shutdown();
    }
  }

  static boolean wrkIsInstalled() {
    return Stream.of(System.getenv("PATH").split(File.pathSeparator))
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, "wrk")));
  }

  @Test
  void counterIsExactWhenItAdvancedByTheServedRequestsPlusAtMostOnePerConnection() {
    Wrk.Result served100 = new Wrk.Result(103, 1_000_000, 3, 0, 1, 2, 3);
    // The read before returned 10; the read after counts itself too.
    assertThat(run(served100, 10, 10 + 100 + 1).counterExact()).isTrue();
    assertThat(run(served100, 10, 10 + 100 + 8 + 1).counterExact()).isTrue();
    assertThat(run(served100, 10, 10 + 100 + 8 + 1).uncounted()).isEqualTo(8);
    assertThat(run(served100, 10, 10 + 99 + 1).counterExact()).as("one lost").isFalse();
    assertThat(run(served100, 10, 10 + 100 + 9 + 1).counterExact())
        .as("one repeated")
        .isFalse();
  }

  @Test
  void reportJudgesTheRunsOfPrebuiltReloadsAgainstTheQuietRunsOfTheirPairs() {
    HttpRun quiet = run(new Wrk.Result(1000, 1_000_000, 0, 0, 100, 2000, 9000), 1, 1002);
    HttpRun fast = run(new Wrk.Result(950, 1_000_000, 0, 0, 110, 3000, 9000), 1, 952);
    HttpRun slow = run(new Wrk.Result(500, 1_000_000, 0, 0, 110, 5000, 9000), 1, 502);
    // A quiet run a neighbour slowed as much: its pair's ratio is 1.9, the median ignores it.
    HttpRun slowQuiet = run(new Wrk.Result(500, 1_000_000, 0, 0, 110, 5000, 9000), 1, 502);

    // gcc sharing the CPU slows the two gcc runs; the reloads alone are judged.
    HttpReport met = new HttpReport(
        "wrk -t1 -c8 -d1s --latency -s x.lua http://h/count",
        Duration.ofMillis(200),
        List.of(quiet, slowQuiet, copy(quiet)),
        slow,
        slow,
        List.of(fast, copy(fast), copy(fast)),
        0);
    HttpReport missed = new HttpReport(
        "wrk -t1 -c8 -d1s --latency -s x.lua http://h/count",
        Duration.ofMillis(200),
        List.of(quiet, copy(quiet), copy(quiet)),
        fast,
        fast,
        List.of(slow, fast, copy(slow)),
        0);

    assertThat(met.throughputRatio().median()).isCloseTo(0.95, within(1e-9));
    assertThat(met.throughputRatio().ratios()).containsExactly(0.95, 1.9, 0.95);
    assertThat(met.markdown())
        .contains("`wrk -t1 -c8 -d1s --latency /count`")
        .contains("| requests/s | 1000; 500; 1000 | 500 (0.50×) | 500 (0.50×)"
            + " | 950 (0.95×); 950 (1.90×); 950 (0.95×)"
            + " | ≥ 0.9× quiet: 0.950 × (0.950, 1.900, 0.950) | yes |")
        .contains("| latency p50 / p99, ms | 0.100 / 2.000; 0.110 / 5.000; 0.100 / 2.000"
            + " | 0.110 / 5.000 (p99 2.50×)")
        .contains("| p99 ≤ 2× quiet: 1.500 × (1.500, 0.600, 1.500) | yes |")
        .doesNotContain("**no**");
    assertThat(missed.markdown())
        .contains("| ≥ 0.9× quiet: 0.500 × (0.500, 0.950, 0.500) | **no** |")
        .contains("| p99 ≤ 2× quiet: 2.500 × (2.500, 1.500, 2.500) | **no** |");
    assertThat(met.json())
        .contains(
            "\"quiet\": [{\"requests\": 1000",
            "\"reloading\": {",
            "\"gccOnly\": {",
            "\"renamed\": [{",
            "\"judged\": \"median of the pairs of quiet and renamed\"",
            "\"throughputRatio\": 0.950",
            "\"throughputRatios\": [0.95, 1.9, 0.95]",
            "\"p99Ratio\": 1.500",
            "\"latencyMillis\": {\"p50\": 0.100, \"p99\": 2.000",
            "\"non2xx\": 0",
            "\"exact\": true",
            "\"serverExit\": 0");
    assertThatThrownBy(() ->
            new HttpReport("wrk", Duration.ofMillis(200), List.of(quiet), fast, fast, List.of(), 0))
        .hasMessageContaining("1 quiet and 0 renamed");
  }

  /**
   * An equal run that is another run of the report (the report tells its runs apart by identity).
   */
  private static HttpRun copy(HttpRun run) {
    return new HttpRun(
        run.wrk(),
        run.connections(),
        run.before(),
        run.after(),
        run.published(),
        run.reloads(),
        run.server());
  }

  @Test
  void everyBuildIsRealDistinctAndRenamedIntoPlace() throws Exception {
    Path target = root.resolve("plugins").resolve("libcounter.so");
    Files.createDirectories(target.getParent());
    PluginBuilds builds =
        new PluginBuilds("long counter_next(void) { return 1; }\n", root.resolve("build"), target);

    builds.publishNext();
    byte[] first = Files.readAllBytes(target);
    builds.publishNext();
    byte[] second = Files.readAllBytes(target);

    assertThat(first).startsWith(0x7f, 'E', 'L', 'F');
    assertThat(second).isNotEqualTo(first);
    assertThat(builds.lastSha256())
        .isEqualTo(HexFormat.of()
            .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(second)));
    try (Stream<Path> left = Files.list(root.resolve("build"))) {
      assertThat(left).as("nothing left next to the target").isEmpty();
    }
  }

  private static HttpRun run(Wrk.Result wrk, long before, long after) {
    return new HttpRun(wrk, 8, before, after, 0, 0, new ServerCost(0, 0, 0, 0));
  }
}
