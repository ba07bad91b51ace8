package dev.reload.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.stream.Stream;

/**
 * Replaces the benchmark section of README.md (between {@code <!-- benchmarks:start -->} and
 * {@code <!-- benchmarks:end -->}) with the machine, the JDK, the date and the given tables.
 *
 * <pre>ReadmeTable README.md calls.md reload.md</pre>
 */
public final class ReadmeTable {

  static final String START = "<!-- benchmarks:start -->";
  static final String END = "<!-- benchmarks:end -->";

  private ReadmeTable() {}

  public static void main(String[] args) throws IOException {
    Path readme = Path.of(args[0]);
    StringBuilder section = new StringBuilder(START).append("\n")
        .append("Measured on ").append(machine()).append(", ")
        .append(System.getProperty("java.vm.name")).append(' ')
        .append(System.getProperty("java.runtime.version")).append(", ")
        .append(LocalDate.now()).append(" (`reload-benchmarks/run.sh")
        .append(System.getenv().getOrDefault("BENCH_MODE", "")).append("`).\n\n");
    for (int i = 1; i < args.length; i++) {
      section.append(Files.readString(Path.of(args[i]))).append('\n');
    }
    section.append(END);
    String text = Files.readString(readme);
    int start = text.indexOf(START);
    int end = text.indexOf(END);
    if (start < 0 || end < start) {
      throw new IllegalStateException(readme + " has no " + START + " ... " + END + " section");
    }
    Files.writeString(readme, text.substring(0, start) + section + text.substring(end + END.length()));
  }

  private static String machine() throws IOException {
    String model = "unknown CPU";
    Path cpuinfo = Path.of("/proc/cpuinfo");
    if (Files.exists(cpuinfo)) {
      try (Stream<String> lines = Files.lines(cpuinfo)) {
        model = lines.filter(line -> line.startsWith("model name"))
            .map(line -> line.substring(line.indexOf(':') + 1).trim())
            .findFirst().orElse(model);
      }
    }
    return Runtime.getRuntime().availableProcessors() + " cores (" + model + "), "
        + System.getProperty("os.name") + " " + System.getProperty("os.version");
  }
}
