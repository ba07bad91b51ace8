package dev.reload.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The caller pause of the first reload of a stateful plugin after start: {@link ColdStartRun} in
 * {@code jvms} fresh JVMs of the same java binary, class path and {@code -D} settings as this one.
 * Each JVM's figure is the longest wait of a caller at the gate during its reload. A JVM whose
 * callers were both parked between bursts (as the warm harness paces them) while the gate was
 * closed measured nothing: another is started in its place, at most {@code 5 × jvms + 5} in all,
 * and they are counted in {@link #withoutPause}. With the gate closed for only tens of
 * microseconds that is often half of them; leaving them out keeps the longer windows, so the
 * median errs high, never low.
 *
 * @param pauseMicros each JVM's figure, in the order measured
 * @param withoutPause JVMs whose reload swapped while no caller waited at the gate
 */
record ColdStarts(List<Double> pauseMicros, int withoutPause) {

  private static final long CHILD_TIMEOUT_SECONDS = 120;

  /** Measures {@code jvms} fresh JVMs, one after another. */
  static ColdStarts measure(NativeDir natives, int jvms) throws IOException, InterruptedException {
    List<Double> pauses = new ArrayList<>();
    int withoutPause = 0;
    for (int launched = 0; pauses.size() < jvms; launched++) {
      if (launched == 5 * jvms + 5) {
        throw new IllegalStateException("only " + pauses.size() + " of " + launched
            + " fresh JVMs saw a caller wait at the gate; wanted " + jvms);
      }
      List<Long> nanos = pausesOf(launch(natives));
      if (nanos.isEmpty()) {
        withoutPause++;
      } else {
        pauses.add(nanos.stream().mapToLong(Long::longValue).max().orElseThrow() / 1e3);
      }
    }
    return new ColdStarts(List.copyOf(pauses), withoutPause);
  }

  /** Runs {@link ColdStartRun} in a fresh JVM and returns its report line. */
  private static String launch(NativeDir natives) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // Settings such as the log level, not diagnostics such as -Xlog that write to files.
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(arg -> arg.startsWith("-D") || arg.startsWith("--enable-native-access"))
        .forEach(command::add);
    command.addAll(List.of(
        "-cp",
        System.getProperty("java.class.path"),
        ColdStartRun.class.getName(),
        "--native",
        natives.dir().toString()));
    Process process = new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    String report = null;
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        if (line.startsWith(ColdStartRun.REPORT)) {
          report = line;
        }
      }
    } finally {
      if (!process.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
    if (report == null || process.exitValue() != 0) {
      throw new IllegalStateException("cold-start JVM exited with " + process.exitValue()
          + " and reported " + report + ": " + String.join(" ", command));
    }
    if (!report.contains("swapped=true") || !report.contains(" lost=0 ")) {
      throw new IllegalStateException("cold-start reload went wrong: " + report);
    }
    return report;
  }

  /** The pauses of a report line, in nanoseconds; none if no caller waited. */
  private static List<Long> pausesOf(String report) {
    String list =
        report.substring(report.indexOf("pauses=") + "pauses=".length()).trim();
    return list.isEmpty()
        ? List.of()
        : Stream.of(list.split(",")).map(Long::valueOf).toList();
  }

  /** The median of the JVMs' figures. */
  double medianMicros() {
    double[] sorted =
        pauseMicros.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  String json() {
    return String.format(
        Locale.ROOT,
        "{\"pauseMicros\": %.3f, \"jvms\": %d, \"pauseMicrosEach\": %s,"
            + " \"jvmsWithoutPause\": %d}",
        medianMicros(),
        pauseMicros.size(),
        each("%.3f", ", ", "[", "]"),
        withoutPause);
  }

  /** For the results: the median, then each JVM's figure, in µs, and the JVMs that saw none. */
  String measured() {
    return String.format(
        Locale.ROOT,
        "%.0f (%s)%s",
        medianMicros(),
        each("%.0f", ", ", "", ""),
        withoutPause == 0 ? "" : "; " + withoutPause + " more JVMs: no caller reached the gate");
  }

  private String each(String format, String separator, String prefix, String suffix) {
    return pauseMicros.stream()
        .map(micros -> String.format(Locale.ROOT, format, micros))
        .collect(Collectors.joining(separator, prefix, suffix));
  }
}
