package dev.reload.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reload.fixtures.Docs;
import dev.reload.fixtures.Sources;
import dev.reload.testkit.PluginDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "Quick start" of README.md, taken from the README itself: its public interface is compiled
 * as the file it names, its usage block inside a {@code main} that gives it the {@code log} and
 * {@code meterRegistry} it uses, and the program runs in a fresh JVM against a gcc-built counter.
 */
class ReadmeQuickStartTest {

  /** What the README says the usage block imports, and what the wrapper gives it. */
  private static final String WRAPPER = """
      import dev.reload.*;
      import dev.reload.core.*;
      import dev.reload.spi.*;
      import io.micrometer.core.instrument.MeterRegistry;
      import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
      import java.nio.file.Path;
      import org.slf4j.Logger;
      import org.slf4j.LoggerFactory;

      public class QuickStart {
        public static void main(String[] args) throws Exception {
          Logger log = LoggerFactory.getLogger(QuickStart.class);
          MeterRegistry meterRegistry = new SimpleMeterRegistry();
      %s
        }
      }
      """;

  @TempDir
  Path root;

  @Test
  void quickStartCompilesAndRunsAgainstACounterPlugin() throws Exception {
    List<String> blocks = Docs.blocks(Docs.section("README.md", "Quick start"), "java");
    assertThat(blocks).hasSize(2);
    assertThat(blocks.get(0)).startsWith("public interface Counter {");
    Path counter = Files.writeString(root.resolve("Counter.java"), blocks.get(0));
    Path quickStart =
        Files.writeString(root.resolve("QuickStart.java"), WRAPPER.formatted(blocks.get(1)));
    Path classes = Files.createDirectories(root.resolve("classes"));
    Docs.compile(List.of(counter, quickStart), classes);

    Path work = root.resolve("work");
    new PluginDir(work).publish("counter", Sources.counter(1));
    Path tmp = Files.createDirectories(root.resolve("tmp")); // the default shadow-dir
    Path outputFile = root.resolve("output.txt");
    Process process = Docs.launch(classes, "QuickStart", "-Djava.io.tmpdir=" + tmp)
        .directory(work.toFile())
        .redirectErrorStream(true)
        .redirectOutput(outputFile.toFile())
        .start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();

    String output = Files.readString(outputFile);
    assertThat(process.exitValue()).as(output).isZero();
    assertThat(output).contains("plugin 'counter' loaded generation 1");
    // The try-with-resources closed the registry: its shadow directory is gone.
    try (Stream<Path> left = Files.list(tmp)) {
      assertThat(left.filter(path -> path.getFileName().toString().startsWith("reload-")))
          .as(output)
          .isEmpty();
    }
  }
}
