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
 * Gives each test a fresh {@link PluginDir} in a temporary directory and a {@link
 * RegistryUnderTest} in it, and after the test closes every registry the test started through
 * either ({@link PluginDir#start}, {@link RegistryUnderTest#start}) and checks that nothing is left
 * behind: no shadow copy on disk, no library of the test still mapped, no engine thread still
 * running. A leftover fails the test, naming what was left.
 *
 * <pre>{@code
 * @ExtendWith(ReloadExtension.class)
 * class CounterTest {
 *   @Test
 *   void keepsCountingAcrossAReload(PluginDir dir, RegistryUnderTest underTest) { ... }
 * }
 * }</pre>
 *
 * <p>A library that cannot unload (see {@code Plugin.residentVersions()}) stays mapped by design
 * and fails the check: test such libraries without this extension.
 *
 * <p>Thread-safe as JUnit uses it: its state lives in each test's extension store.
 */
public final class ReloadExtension
    implements BeforeEachCallback, AfterEachCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(ReloadExtension.class);

  /** Made by JUnit for {@code @ExtendWith(ReloadExtension.class)}. */
  public ReloadExtension() {}

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    ExtensionContext.Store store = context.getStore(NAMESPACE);
    store.put(Leftovers.class, Leftovers.before());
    Path root = Files.createTempDirectory("reload-test-");
    store.put(Path.class, root);
    PluginDir dir = new PluginDir(root);
    store.put(PluginDir.class, dir);
    store.put(RegistryUnderTest.class, new RegistryUnderTest(dir));
  }

  @Override
  public void afterEach(ExtensionContext context) {
    ExtensionContext.Store store = context.getStore(NAMESPACE);
    PluginDir dir = store.get(PluginDir.class, PluginDir.class);
    try {
      dir.closeRegistries(); // the registry under test too: it was started through the dir
      store.get(Leftovers.class, Leftovers.class).check(dir);
    } finally {
      deleteTree(store.get(Path.class, Path.class));
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == PluginDir.class || type == RegistryUnderTest.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    Object given = context.getStore(NAMESPACE).get(type, type);
    if (given == null) {
      throw new IllegalStateException("a " + type.getSimpleName() + " is given to test methods"
          + " and @BeforeEach methods only, not to constructors or @BeforeAll methods");
    }
    return given;
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
