package dev.reload.guice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reload.testing.Sources;
import dev.reload.testkit.PluginDir;
import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "Use with Guice" example of README.md, taken from the README itself: its application.conf
 * and Java file are compiled and run in a fresh JVM against gcc-built plugins.
 */
class ReadmeExampleTest {

  private static final Pattern BLOCK = Pattern.compile("```(\\w+)\\n(.*?)```", Pattern.DOTALL);

  @TempDir Path root;

  @Test
  void guiceExampleCompilesRunsAndCleansUpOnExit() throws Exception {
    String section = guiceSection(Files.readString(Path.of("..", "README.md")));
    String conf = block(section, "hocon");
    String example = block(section, "java");
    Path classes = Files.createDirectories(root.resolve("classes"));
    Files.writeString(classes.resolve("application.conf"), conf);
    Path source = Files.writeString(root.resolve("GuiceExample.java"), example);
    compile(source, classes);

    Path work = root.resolve("work");
    PluginDir plugins = new PluginDir(work);
    plugins.publish("greeter", Sources.greeter("Hello"));
    plugins.publish("counter", Sources.counter(1));

    Process process = new ProcessBuilder(javaBinary(), "-cp",
        classes + File.pathSeparator + System.getProperty("java.class.path"),
        "GuiceExample")
        .directory(work.toFile())
        .redirectError(root.resolve("stderr.txt").toFile())
        .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();

    assertThat(process.exitValue()).as(Files.readString(root.resolve("stderr.txt"))).isZero();
    assertThat(output).contains("Hello, Guice!", "count = 1");
    // The shutdown hook stopped the service: no copy is left in the example's shadow directory.
    try (Stream<Path> files = Files.walk(work.resolve("shadow"))) {
      assertThat(files.filter(Files::isRegularFile)).isEmpty();
    }
  }

  private static String guiceSection(String readme) {
    int start = readme.indexOf("## Use with Guice");
    assertThat(start).as("README has a 'Use with Guice' section").isNotNegative();
    int end = readme.indexOf("\n## ", start + 1);
    return readme.substring(start, end < 0 ? readme.length() : end);
  }

  private static String block(String section, String language) {
    Matcher matcher = BLOCK.matcher(section);
    while (matcher.find()) {
      if (matcher.group(1).equals(language)) {
        return matcher.group(2);
      }
    }
    throw new AssertionError("no ```" + language + " block in the Guice section of README.md");
  }

  private static void compile(Path source, Path classes) throws IOException {
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    StringWriter errors = new StringWriter();
    try (var files = compiler.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
      boolean ok = compiler.getTask(errors, files, null,
          List.of("-d", classes.toString(), "-cp", System.getProperty("java.class.path")),
          null, files.getJavaFileObjects(source)).call();
      assertThat(ok).as("README example compiles:%n%s", errors).isTrue();
    }
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
