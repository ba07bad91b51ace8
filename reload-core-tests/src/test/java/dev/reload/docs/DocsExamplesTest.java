package dev.reload.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reload.PluginLease;
import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.core.RegistryBuilder;
import dev.reload.fixtures.Docs;
import dev.reload.testkit.PluginDir;
import dev.reload.testkit.Publish;
import dev.reload.testkit.ReloadExtension;
import dev.reload.testkit.Toolchains;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The code blocks of docs/GUIDE.md and docs/PLUGINS.md, taken from the pages themselves: Java is
 * compiled (and run where it needs no more than a registry), Rust and C++ are built with the
 * testkit's toolchains and loaded by a registry. A test whose toolchain is missing is skipped,
 * saying so. The README's blocks have tests of their own ({@code ReadmeQuickStartTest},
 * {@code ReadmeExampleTest} in reload-guice, {@code ReadmeTestingExampleTest}).
 */
@ExtendWith(ReloadExtension.class)
class DocsExamplesTest {

  private static final String GUIDE = "docs/GUIDE.md";
  private static final String PLUGINS = "docs/PLUGINS.md";
  private static final String[] COUNTER_EXPORTS = {"counter_next", "counter_get", "counter_set"};

  @Test
  void runtimePluginSetExampleAddsAndRemovesAPlugin(PluginDir dir) throws Exception {
    String block = javaBlock(GUIDE, "Plugins added and removed at runtime");
    Class<?> example = compile(dir, "PluginSetExample", """
        import dev.reload.*;

        public class PluginSetExample {
          public static void run(PluginRegistry registry) {
        %s
          }
        }
        """.formatted(block));
    dir.publish("scorer", "int score(void) { return 7; }");
    PluginRegistry registry = dir.start(RegistryBuilder.of(dir.settings().build()));

    example.getMethod("run", PluginRegistry.class).invoke(null, registry);

    assertThat(registry.plugins()).isEmpty();
  }

  @Test
  void stateSnapshotExampleCompiles(PluginDir dir) throws Exception {
    compile(dir, "CounterSnapshot", javaBlock(PLUGINS, "State across reloads"));
  }

  @Test
  void nativeAccessExampleSetsGuicesClassLoading(PluginDir dir) throws Exception {
    String block = javaBlock(PLUGINS, "Native access on JDK 22 and later");
    Class<?> example = compile(dir, "NativeAccessExample", """
        public class NativeAccessExample {
          public static void run() {
        %s
          }
        }
        """.formatted(block));
    String before = System.getProperty("guice_custom_class_loading");
    try {
      System.clearProperty("guice_custom_class_loading");
      example.getMethod("run").invoke(null);
      assertThat(System.getProperty("guice_custom_class_loading")).isEqualTo("CHILD");
    } finally {
      if (before == null) {
        System.clearProperty("guice_custom_class_loading");
      } else {
        System.setProperty("guice_custom_class_loading", before);
      }
    }
  }

  @Test
  void rustGreeterExampleBuildsAndGreets(PluginDir dir) {
    Toolchains.assumeCargo();
    String libRs = block(PLUGINS, "Writing plugins in Rust and C++", "rust", 0);
    dir.publish("greeter", dir.build().rust("greeter_doc", libRs), Publish.RENAME);
    PluginRegistry registry = dir.start(RegistryBuilder.of(dir.settings()
        .plugin(PluginSettings.builder("greeter").requiredSymbols("greet").build())
        .build()));

    byte[] out = new byte[32];
    try (PluginLease lease = registry.plugin("greeter").acquire()) {
      assertThat(lease.invokeInt("greet", "Rust", out, out.length)).isEqualTo(12);
    }
    assertThat(new String(out, 0, 12, StandardCharsets.UTF_8)).isEqualTo("Hello, Rust!");
  }

  @Test
  void rustCounterExampleBuildsAndCounts(PluginDir dir) {
    Toolchains.assumeCargo();
    String libRs = block(PLUGINS, "State across reloads", "rust", 0);
    assertCounts(dir, dir.build().rust("counter_doc", libRs));
  }

  @Test
  void cppCounterExampleBuildsAndCounts(PluginDir dir) {
    Toolchains.assumeGxx();
    String source = block(PLUGINS, "State across reloads", "cpp", 0);
    assertCounts(dir, dir.build().compileCpp(source, "-fno-gnu-unique"));
  }

  private static void assertCounts(PluginDir dir, Path library) {
    dir.publish("counter", library, Publish.RENAME);
    PluginRegistry registry = dir.start(RegistryBuilder.of(dir.settings()
        .plugin(
            PluginSettings.builder("counter").requiredSymbols(COUNTER_EXPORTS).build())
        .build()));
    try (PluginLease lease = registry.plugin("counter").acquire()) {
      lease.invokeVoid("counter_set", 41L);
      assertThat(lease.invokeLong("counter_next")).isEqualTo(42);
      assertThat(lease.invokeLong("counter_get")).isEqualTo(42);
    }
  }

  /** The one Java block of {@code file}'s section {@code heading}. */
  private static String javaBlock(String file, String heading) {
    List<String> blocks = Docs.blocks(Docs.section(file, heading), "java");
    assertThat(blocks).as("java blocks of '" + heading + "' in " + file).hasSize(1);
    return blocks.get(0);
  }

  private static String block(String file, String heading, String language, int index) {
    return Docs.blocks(Docs.section(file, heading), language).get(index);
  }

  /** Compiles {@code source} as {@code className}.java and loads the class. */
  private static Class<?> compile(PluginDir dir, String className, String source) throws Exception {
    Path sources = Files.createDirectories(dir.root().resolve("java"));
    Path classes = Files.createDirectories(dir.root().resolve("classes"));
    Path file = Files.writeString(sources.resolve(className + ".java"), source);
    Docs.compile(List.of(file), classes);
    URLClassLoader loader = new URLClassLoader(
        new URL[] {classes.toUri().toURL()}, DocsExamplesTest.class.getClassLoader());
    return loader.loadClass(className);
  }
}
