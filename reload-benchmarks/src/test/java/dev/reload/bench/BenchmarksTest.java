package dev.reload.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the measuring code honest: every benchmark computes the right thing, and a short harness
 * run is correct. No timing is asserted here; run.sh measures.
 */
class BenchmarksTest {

  @TempDir
  Path root;

  @Test
  void everyCallBenchmarkReachesTheNativeFunction() throws Throwable {
    CallBenchmark benchmark = new CallBenchmark();
    CallBenchmark.Args args = new CallBenchmark.Args();
    benchmark.setUp();
    try {
      assertThat(benchmark.rawFunction(args)).isEqualTo(42);
      assertThat(benchmark.leasedFunction(args)).isEqualTo(42);
      assertThat(benchmark.rawInterface(args)).isEqualTo(42);
      assertThat(benchmark.rawDirect(args)).isEqualTo(42);
      if (CallBenchmark.FOREIGN) {
        assertThat(benchmark.rawFfm(args)).isEqualTo(42);
      }
      assertThat(benchmark.boundInterface(args)).isEqualTo(42);
      assertThat(benchmark.guiceInjected(args)).isEqualTo(42);
      assertThat(benchmark.acquireRelease(args)).isEqualTo(1);
    } finally {
      benchmark.tearDown();
    }
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void shortHarnessRunLosesNothingAndLeaksNothing() throws Exception {
    ReloadHarness.Result result =
        new ReloadHarness(NativeDir.fromSystemProperty(), 40, 20, 10_000, null, false).run();

    assertThat(result.reloads()).isEqualTo(40);
    assertThat(result.failedReloads()).isZero();
    assertThat(result.failedCalls()).isZero();
    assertThat(result.lostIncrements()).isZero();
    assertThat(result.statelessCallersBlocked()).isZero();
    assertThat(result.calls()).isPositive();
    assertThat(result.changeToServing().count()).isEqualTo(20);
    assertThat(result.baseline().count()).isEqualTo(20);
    assertThat(result.shadowFilesAfter()).isEqualTo(4);
    assertThat(result.after().openFds())
        .as(
            "descriptors before %s, after %s",
            result.before().fdTargets(), result.after().fdTargets())
        .isEqualTo(result.before().openFds());
    assertThat(result.after().threads())
        .as(
            "threads before %s, after %s",
            result.before().threadNames(), result.after().threadNames())
        .isEqualTo(result.before().threads());
    assertThat(result.json())
        .contains(
            "\"reloads\": 40",
            "\"calls\"",
            "\"failedCalls\": 0",
            "\"pauseMicros\": {\"p50\"",
            "\"statelessCallersBlocked\": 0",
            "\"changeToServingMillis\": {\"p50\"",
            "\"mappedLibrariesBefore\"",
            "\"mappedLibrariesAfter\"",
            "\"openFdsBefore\"",
            "\"threadsAfter\"",
            "\"loadedClassesBefore\"",
            "\"shadowFilesAfter\": 4");
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void coldStartIsMeasuredInAFreshJvmWhoseFirstReloadLosesNothing() throws Exception {
    // measure() fails unless the fresh JVM's reload swapped with no increment lost or repeated.
    ColdStarts coldStart = ColdStarts.measure(NativeDir.fromSystemProperty(), 1);

    assertThat(coldStart.pauseMicros())
        .hasSize(1)
        .allSatisfy(micros -> assertThat(micros).isPositive());
    assertThat(coldStart.medianMicros()).isEqualTo(coldStart.pauseMicros().get(0));
    assertThat(coldStart.json())
        .startsWith("{\"pauseMicros\": ")
        .contains("\"jvms\": 1", "\"pauseMicrosEach\": [", "\"jvmsWithoutPause\": ");
  }

  @Test
  void coldStartMedianIsTheMiddleFigure() {
    ColdStarts coldStart = new ColdStarts(List.of(900.0, 300.0, 2000.0, 500.0, 700.0), 0);

    assertThat(coldStart.medianMicros()).isEqualTo(700.0);
    assertThat(coldStart.measured()).isEqualTo("700 (900, 300, 2000, 500, 700)");
    assertThat(new ColdStarts(List.of(400.0, 100.0), 3).medianMicros()).isEqualTo(250.0);
    assertThat(new ColdStarts(List.of(400.0, 100.0), 3).measured())
        .isEqualTo("250 (400, 100); 3 more JVMs: no caller reached the gate");
  }

  @Test
  void resultsSectionIsReplacedBetweenItsMarkers() throws Exception {
    Path page = Files.writeString(
        root.resolve("PERFORMANCE.md"),
        "# Title\n\n" + ResultsTable.START + "\nold table\n" + ResultsTable.END + "\n\nafter\n");
    Path table = Files.writeString(root.resolve("calls.md"), "| new | table |\n");

    ResultsTable.main(new String[] {page.toString(), table.toString()});

    String text = Files.readString(page);
    assertThat(text)
        .startsWith("# Title\n\n" + ResultsTable.START + "\nMeasured on ")
        .contains("| new | table |")
        .doesNotContain("old table")
        .endsWith(ResultsTable.END + "\n\nafter\n");
  }

  @Test
  void resultsSectionHeadsEachJdksTablesWithTheJvmThatMeasuredThem() throws Exception {
    Path page = Files.writeString(
        root.resolve("PERFORMANCE.md"),
        "# Title\n\n" + ResultsTable.START + "\nold table\n" + ResultsTable.END + "\n");
    Path calls17 = Files.writeString(root.resolve("calls.md"), "| calls | 17 |\n");
    Path reload17 = Files.writeString(root.resolve("reload.md"), "| reload | 17 |\n");
    Path calls25 = Files.writeString(root.resolve("calls-jdk25.md"), "| calls | 25 |\n");

    ResultsTable.main(new String[] {
      page.toString(),
      "--jdk",
      "JVM 17.0.15",
      calls17.toString(),
      reload17.toString(),
      "--jdk",
      "JVM 25.0.1",
      calls25.toString()
    });

    String text = Files.readString(page);
    assertThat(text)
        .doesNotContain("old table", ResultsTable.jvm())
        .containsSubsequence(
            ResultsTable.START + "\nMeasured on ",
            "**JVM 17.0.15**\n\n",
            "| calls | 17 |",
            "| reload | 17 |",
            "**JVM 25.0.1**\n\n",
            "| calls | 25 |",
            ResultsTable.END);
  }

  @Test
  void gatePausesHandsOnEverySampleOfTheGateTimerAndNoOther() {
    List<String> samples = new ArrayList<>();
    GatePauses meters = new GatePauses((plugin, nanos) -> samples.add(plugin + "=" + nanos));

    Timer.builder("reload.gate.pause")
        .tag("plugin", "state")
        .register(meters)
        .record(3, TimeUnit.MICROSECONDS);
    Timer.builder("reload.drain")
        .tag("plugin", "state")
        .register(meters)
        .record(5, TimeUnit.MICROSECONDS);

    assertThat(samples).containsExactly("state=3000");
    assertThat(meters.get("reload.gate.pause").timer().count()).isEqualTo(1);
  }
}
