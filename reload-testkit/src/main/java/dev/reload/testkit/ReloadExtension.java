package dev.reload.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives each test a fresh {@link PluginDir} in a temporary directory, and after the test closes
 * every registry the test started through {@link PluginDir#start} and checks that nothing is left
 * behind: no shadow copy on disk, no library of the test still mapped, no engine thread still
 * running. A leftover fails the test, naming what was left.
 *
 * <pre>{@code
 * @ExtendWith(ReloadExtension.class)
 * class CounterTest {
 *   @Test
 *   void keepsCountingAcrossAReload(PluginDir dir) { ... }
 * }
 * }</pre>
 *
 * <p>A library that cannot unload (see {@code Plugin.residentVersions()}) stays mapped by design
 * and fails the check: test such libraries without this extension.
 *
 * <p>Thread-safe as JUnit uses it: its state lives in each test's extension store.
 */
public final class ReloadExtension implements BeforeEachCallback, AfterEachCallback,
    ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(ReloadExtension.class);

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    ExtensionContext.Store store = context.getStore(NAMESPACE);
    store.put(Leftovers.class, Leftovers.before());
    Path root = Files.createTempDirectory("reload-test-");
    store.put(Path.class, root);
    store.put(PluginDir.class, new PluginDir(root));
  }

  @Override
  public void afterEach(ExtensionContext context) {
    ExtensionContext.Store store = context.getStore(NAMESPACE);
    PluginDir dir = store.get(PluginDir.class, PluginDir.class);
    try {
      dir.closeRegistries();
      store.get(Leftovers.class, Leftovers.class).check(dir);
    } finally {
      deleteTree(store.get(Path.class, Path.class));
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == PluginDir.class;
  }

  @Override
  public PluginDir resolveParameter(ParameterContext parameter, ExtensionContext context) {
    PluginDir dir = context.getStore(NAMESPACE).get(PluginDir.class, PluginDir.class);
    if (dir == null) {
      throw new IllegalStateException("a PluginDir is given to test methods and @BeforeEach"
          + " methods only, not to constructors or @BeforeAll methods");
    }
    return dir;
  }

  private static void deleteTree(Path root) {
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.delete(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
          Files.delete(dir);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the test's directory " + root, e);
    }
  }
}
