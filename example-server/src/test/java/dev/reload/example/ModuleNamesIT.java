package dev.reload.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reload.PluginRegistry;
import dev.reload.core.RegistryBuilder;
import dev.reload.guice.ReloadModule;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The jars the build packages name their modules in the manifest ({@code Automatic-Module-Name}),
 * as docs/ARCHITECTURE.md lists them, so that a module-path user gets stable names rather than
 * ones derived from file names. Runs after {@code package}, on the jars the reactor just built.
 */
class ModuleNamesIT {

  @Test
  void everyLibraryJarDeclaresItsModuleName() throws Exception {
    assertThat(moduleName(jarOf(PluginRegistry.class))).isEqualTo("dev.reload.api");
    assertThat(moduleName(jarOf(RegistryBuilder.class))).isEqualTo("dev.reload.core");
    assertThat(moduleName(jarOf(ReloadModule.class))).isEqualTo("dev.reload.guice");
    assertThat(moduleName(jarOf(ExampleServer.class))).isEqualTo("dev.reload.example");
  }

  @Test
  void executableJarDeclaresItsModuleNameMainClassAndNativeAccess() throws Exception {
    Attributes manifest = manifest(Path.of("target", "example-server.jar"));

    assertThat(manifest.getValue("Automatic-Module-Name")).isEqualTo("dev.reload.example");
    assertThat(manifest.getValue(Attributes.Name.MAIN_CLASS))
        .isEqualTo(ExampleServer.class.getName());
    assertThat(manifest.getValue("Enable-Native-Access")).isEqualTo("ALL-UNNAMED");
  }

  /** The jar {@code type} was loaded from; fails if it came from a directory of classes. */
  private static Path jarOf(Class<?> type) throws URISyntaxException {
    Path location =
        Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    assertThat(location)
        .as("%s should be loaded from a packaged jar", type.getName())
        .isRegularFile();
    return location;
  }

  private static String moduleName(Path jar) throws IOException {
    return manifest(jar).getValue("Automatic-Module-Name");
  }

  private static Attributes manifest(Path jar) throws IOException {
    assertThat(Files.isRegularFile(jar)).as("%s exists", jar).isTrue();
    try (JarFile file = new JarFile(jar.toFile())) {
      assertThat(file.getManifest()).as("manifest of %s", jar).isNotNull();
      return file.getManifest().getMainAttributes();
    }
  }
}
