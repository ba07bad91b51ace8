package dev.reload.guice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.Service;
import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.reload.InvalidSettingsException;
import dev.reload.fixtures.Sources;
import dev.reload.testkit.PluginDir;
import dev.reload.testkit.ReloadExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Bad application.conf files: the service refuses to start and says key, value and origin. */
@ExtendWith(ReloadExtension.class)
class ConfigErrorsTest {

  private Path root;
  private PluginDir dir;

  @BeforeEach
  void publishPlugins(PluginDir dir) {
    this.dir = dir;
    this.root = dir.root();
    dir.publish("counter", Sources.counter(1));
  }

  /** Writes {@code body} after a valid base as application.conf and starts a service on it. */
  private AbstractThrowableAssert<?, ? extends Throwable> startingWith(String body)
      throws Exception {
    Path file = root.resolve("application.conf");
    Files.writeString(file, """
        reload.search-paths = ["%s"]
        reload.shadow-dir = "%s"
        reload.plugins.counter {}
        """.formatted(dir.libs(), dir.shadow()) + body);
    Config config = ConfigFactory.parseFile(file.toFile())
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
    ReloadService service = Guice.createInjector(new ReloadModule(), new AbstractModule() {
          @Override
          protected void configure() {
            bind(Config.class).toInstance(config);
          }
        })
        .getInstance(ReloadService.class);

    assertThatThrownBy(() -> service.startAsync().awaitRunning())
        .isInstanceOf(IllegalStateException.class);
    assertThat(service.state()).isEqualTo(Service.State.FAILED);
    assertThat(dir.shadowFiles()).isEmpty();
    return assertThat(service.failureCause()).isInstanceOf(InvalidSettingsException.class);
  }

  @Test
  void wrongType() throws Exception {
    startingWith("reload.retain-previous = [true]\n")
        .hasMessageContaining("reload.retain-previous")
        .hasMessageContaining("boolean")
        .hasMessageContaining("application.conf: 4");
  }

  @Test
  void notADuration() throws Exception {
    startingWith("reload.drain-timeout = forever\n")
        .hasMessageContaining(
            "reload.drain-timeout must be a positive duration such as 5s, was \"forever\"")
        .hasMessageContaining("application.conf: 4");
  }

  @Test
  void negativeDuration() throws Exception {
    startingWith("reload.drain-timeout = -3s\n")
        .hasMessageContaining(
            "reload.drain-timeout must be a positive duration such as 5s, was \"-3s\"")
        .hasMessageContaining("application.conf: 4");
  }

  @Test
  void unknownKeyUnderAPlugin() throws Exception {
    startingWith("reload.plugins.counter.requried-symbols = [counter_next]\n")
        .hasMessageContaining("reload.plugins.counter.requried-symbols is not a known setting"
            + " (known: [library, platform-name, required-symbols, sha256])")
        .hasMessageContaining("application.conf: 4");
  }

  @Test
  void missingLibrary() throws Exception {
    startingWith("reload.plugins.greeter.library = greeter\n")
        .hasMessageContaining("reload.plugins.greeter.library (")
        .hasMessageContaining("application.conf: 4): library 'libgreeter.so' not found; looked in ["
            + dir.libs().resolve("libgreeter.so") + "]");
  }

  @Test
  void searchPathThatDoesNotExist() throws Exception {
    Path missing = root.resolve("no-such-dir");
    startingWith("reload.search-paths = [\"" + missing + "\"]\n")
        .hasMessageContaining(
            "reload.search-paths lists a directory that does not exist: '" + missing + "'")
        .hasMessageContaining("application.conf: 4");
  }

  @Test
  void severalErrorsAreReportedTogether() throws Exception {
    startingWith("""
        reload.drain-timeout = -1s
        reload.watch.mode = sometimes
        reload.plugins.counter.colour = blue
        """)
        .hasMessageStartingWith("invalid reload settings (3 problems):")
        .hasMessageContaining("application.conf: 4")
        .hasMessageContaining("application.conf: 5")
        .hasMessageContaining("application.conf: 6");
  }
}
