package dev.reload.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.stream.Stream;

/**
 * Replaces the results section of a markdown page, docs/PERFORMANCE.md for {@code run.sh}: what
 * lies between {@code <!-- benchmarks:start -->} and {@code <!-- benchmarks:end -->} becomes the
 * machine, the date and the given tables.
 *
 * <pre>
 * ResultsTable docs/PERFORMANCE.md calls.md reload.md          tables measured on this JVM
 * ResultsTable docs/PERFORMANCE.md --jdk LABEL calls.md reload.md --jdk LABEL calls-jdk25.md ...
 * ResultsTable --jvm                                           prints this JVM's LABEL
 * </pre>
 *
 * <p>With {@code --jdk}, each group of tables is headed by the label of the JVM that measured
 * them ({@code run.sh} asks each JVM for its own with {@code --jvm}); without, the header names the
 * JVM running this. The environment's {@code BENCH_MODE} is appended to the command named
 * ({@code " --quick"}), and {@code BENCH_BUILT_WITH} names the JDK that built the jars.
 * A command-line program, run on its main thread; not thread-safe.
 */
public final class ResultsTable {

  static final String START = "<!-- benchmarks:start -->";
  static final String END = "<!-- benchmarks:end -->";
  private static final String JDK = "--jdk";

  private ResultsTable() {}

  public static void main(String[] args) throws IOException {
    if (args.length == 1 && args[0].equals("--jvm")) {
      System.out.println(jvm());
      return;
    }
    Path page = Path.of(args[0]);
    boolean grouped = args.length > 1 && args[1].equals(JDK);
    StringBuilder section = new StringBuilder(START)
        .append("\n")
        .append("Measured on ")
        .append(machine())
        .append(", ")
        .append(grouped ? "" : jvm() + ", ")
        .append(LocalDate.now())
        .append(" (`reload-benchmarks/run.sh")
        .append(System.getenv().getOrDefault("BENCH_MODE", ""))
        .append("`")
        .append(builtWith())
        .append(").\n\n");
    for (int i = 1; i < args.length; i++) {
      if (args[i].equals(JDK)) {
        if (i + 1 == args.length) {
          throw new IllegalArgumentException(JDK + " needs a label");
        }
        section.append("**").append(args[++i]).append("**\n\n");
      } else {
        section.append(Files.readString(Path.of(args[i]))).append('\n');
      }
    }
    section.append(END);
    String text = Files.readString(page);
    int start = text.indexOf(START);
    int end = text.indexOf(END);
    if (start < 0 || end < start) {
      throw new IllegalStateException(page + " has no " + START + " ... " + END + " section");
    }
    Files.writeString(
        page, text.substring(0, start) + section + text.substring(end + END.length()));
  }

  /** This JVM, as the section names it: {@code OpenJDK 64-Bit Server VM 17.0.15+6-...}. */
  static String jvm() {
    return System.getProperty("java.vm.name") + ' ' + System.getProperty("java.runtime.version");
  }

  private static String builtWith() {
    String jdk = System.getenv("BENCH_BUILT_WITH");
    return jdk == null || jdk.isBlank() ? "" : "; jars built with " + jdk;
  }

  private static String machine() throws IOException {
    String model = "unknown CPU";
    Path cpuinfo = Path.of("/proc/cpuinfo");
    if (Files.exists(cpuinfo)) {
      try (Stream<String> lines = Files.lines(cpuinfo)) {
        model = lines
            .filter(line -> line.startsWith("model name"))
            .map(line -> line.substring(line.indexOf(':') + 1).trim())
            .findFirst()
            .orElse(model);
      }
    }
    return Runtime.getRuntime().availableProcessors() + " cores (" + model + "), "
        + System.getProperty("os.name") + " " + System.getProperty("os.version");
  }
}
