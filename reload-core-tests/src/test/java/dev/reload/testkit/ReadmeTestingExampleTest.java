package dev.reload.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.reload.fixtures.Docs;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * The "Testing your plugins" example of docs/PLUGINS.md, taken from the page itself: its Java
 * files are compiled against the test class path and their tests run through the JUnit engine.
 */
class ReadmeTestingExampleTest {

  private static final Pattern CLASS = Pattern.compile("(?m)^(?:public )?class (\\w+)");

  @TempDir
  Path root;

  @Test
  void theExampleCompilesAndItsTestsPass() throws Exception {
    List<Path> files = new ArrayList<>();
    String section = Docs.section("docs/PLUGINS.md", "Testing your plugins");
    for (String block : Docs.blocks(section, "java")) {
      Matcher name = CLASS.matcher(block);
      assertThat(name.find()).as("a class in\n" + block).isTrue();
      files.add(Files.writeString(root.resolve(name.group(1) + ".java"), block));
    }
    assertThat(files).hasSize(3);
    Path classes = Files.createDirectories(root.resolve("classes"));
    Docs.compile(files, classes);

    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
      Events tests = EngineTestKit.engine("junit-jupiter")
          .selectors(
              selectClass(loader.loadClass("CounterPluginTest")),
              selectClass(loader.loadClass("CounterSnapshotContractTest")))
          .execute()
          .testEvents();

      assertThat(tests.failed().list()).as("failed tests").isEmpty();
      assertThat(tests.succeeded().count()).isEqualTo(5);
      assertThat(tests.skipped().count() + tests.aborted().count()).isEqualTo(1);
    }
  }
}
