package dev.reload.guice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reload.fixtures.Docs;
import dev.reload.fixtures.Sources;
import dev.reload.testkit.PluginDir;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "Use with Guice" example of README.md, taken from the README itself: its application.conf
 * and Java file are compiled and run in a fresh JVM against gcc-built plugins.
 */
class ReadmeExampleTest {

  @TempDir
  Path root;

  @Test
  void guiceExampleCompilesRunsAndCleansUpOnExit() throws Exception {
    String section = Docs.section("README.md", "Use with Guice");
    String conf = Docs.blocks(section, "hocon").get(0);
    String example = Docs.blocks(section, "java").get(0);
    Path classes = Files.createDirectories(root.resolve("classes"));
    Files.writeString(classes.resolve("application.conf"), conf);
    Path source = Files.writeString(root.resolve("GuiceExample.java"), example);
    Docs.compile(List.of(source), classes);

    Path work = root.resolve("work");
    PluginDir plugins = new PluginDir(work);
    plugins.publish("greeter", Sources.greeter("Hello"));
    plugins.publish("counter", Sources.counter(1));

    Process process = Docs.launch(classes, "GuiceExample")
        .directory(work.toFile())
        .redirectError(root.resolve("stderr.txt").toFile())
        .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();

    assertThat(process.exitValue())
        .as(Files.readString(root.resolve("stderr.txt")))
        .isZero();
    assertThat(output).contains("Hello, Guice!", "count = 1");
    // The shutdown hook stopped the service: no copy is left in the example's shadow directory.
    try (Stream<Path> files = Files.walk(work.resolve("shadow"))) {
      assertThat(files.filter(Files::isRegularFile)).isEmpty();
    }
  }
}
