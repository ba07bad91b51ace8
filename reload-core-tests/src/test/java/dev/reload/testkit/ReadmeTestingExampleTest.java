package dev.reload.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * The "Testing your plugins" example of README.md, taken from the README itself: its Java files
 * are compiled against the test class path and their tests run through the JUnit engine.
 */
class ReadmeTestingExampleTest {

  private static final Pattern JAVA = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
  private static final Pattern CLASS = Pattern.compile("(?m)^(?:public )?class (\\w+)");

  @TempDir Path root;

  @Test
  void theExampleCompilesAndItsTestsPass() throws Exception {
    List<String> files = new ArrayList<>();
    Matcher block = JAVA.matcher(section(Files.readString(Path.of("..", "README.md"))));
    while (block.find()) {
      Matcher name = CLASS.matcher(block.group(1));
      assertThat(name.find()).as("a class in\n" + block.group(1)).isTrue();
      files.add(Files.writeString(root.resolve(name.group(1) + ".java"), block.group(1)).toString());
    }
    assertThat(files).hasSize(3);
    Path classes = Files.createDirectories(root.resolve("classes"));
    compile(files, classes);

    try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
        getClass().getClassLoader())) {
      Events tests = EngineTestKit.engine("junit-jupiter")
          .selectors(selectClass(loader.loadClass("CounterPluginTest")),
              selectClass(loader.loadClass("CounterSnapshotContractTest")))
          .execute()
          .testEvents();

      assertThat(tests.failed().list()).as("failed tests").isEmpty();
      assertThat(tests.succeeded().count()).isEqualTo(5);
      assertThat(tests.skipped().count() + tests.aborted().count()).isEqualTo(1);
    }
  }

  private static String section(String readme) {
    int start = readme.indexOf("## Testing your plugins");
    assertThat(start).as("README has a 'Testing your plugins' section").isNotNegative();
    int end = readme.indexOf("\n## ", start + 1);
    return readme.substring(start, end < 0 ? readme.length() : end);
  }

  private static void compile(List<String> files, Path classes) {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    List<String> arguments = new ArrayList<>(List.of("-d", classes.toString(),
        "-cp", System.getProperty("java.class.path") + File.pathSeparator + classes));
    arguments.addAll(files);
    int status = javac.run(null, null, errors, arguments.toArray(String[]::new));
    assertThat(status).as("javac of the README's example:\n" + errors.toString(StandardCharsets.UTF_8)).isZero();
  }
}
