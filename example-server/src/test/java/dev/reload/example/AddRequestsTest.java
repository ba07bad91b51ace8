package dev.reload.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import dev.reload.PluginSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AddRequestsTest {

  @TempDir
  Path root;

  private Path plugins;
  private AddRequests requests;

  @BeforeEach
  void pluginDirectory() throws Exception {
    plugins = Files.createDirectories(root.resolve("plugins"));
    requests = new AddRequests(
        new ServerSettings("127.0.0.1", 0, plugins, Optional.empty()),
        ConfigFactory.parseString("reload.plugins.greeter.required-symbols = [greet]"));
  }

  private PluginSettings add(String name, String library) {
    return requests.settings(name, "{\"library\": " + Json.string(library) + "}");
  }

  @Test
  void aFileNameInThePluginDirectoryBecomesItsAbsolutePathWithTheConfiguredSymbols() {
    PluginSettings greeter = add("greeter", "libgreeter.so");
    assertThat(greeter.library()).isEqualTo(plugins.resolve("libgreeter.so").toString());
    assertThat(greeter.platformName()).isFalse();
    assertThat(greeter.requiredSymbols()).containsExactly("greet");
    assertThat(add("other", "libother.so").requiredSymbols()).isEmpty();
  }

  @Test
  void refusesPathsThatLeaveThePluginDirectory() throws Exception {
    for (String library :
        new String[] {"../x.so", "/etc/passwd", "sub/x.so", "..", ".", "", "a\\b.so"}) {
      assertThatThrownBy(() -> add("greeter", library))
          .as(library)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("library must be a file name inside example.plugin-dir");
    }
    Files.writeString(root.resolve("outside.so"), "not here");
    Files.createSymbolicLink(plugins.resolve("link.so"), root.resolve("outside.so"));
    assertThatThrownBy(() -> add("greeter", "link.so"))
        .hasMessage("library \"link.so\" is a link that leads out of example.plugin-dir");
  }

  @Test
  void refusesABodyOfAnotherShapeOrABadPluginName() {
    assertThatThrownBy(() -> requests.settings("greeter", "{\"lib\": \"x.so\"}"))
        .hasMessage("the body must be {\"library\": \"<file name inside example.plugin-dir>\"},"
            + " its members were [lib]");
    assertThatThrownBy(() -> requests.settings("greeter", "library=x.so"))
        .hasMessageStartingWith("invalid JSON");
    assertThatThrownBy(() -> add("bad name", "x.so"))
        .hasMessageContaining("a plugin name must be letters, digits");
  }
}
