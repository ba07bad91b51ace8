package dev.reload.example;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.reload.InvalidSettingsException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code example} section of the server's config. Immutable and thread-safe.
 *
 * @param host the address the HTTP server binds to
 * @param port the HTTP port; 0 picks a free one
 * @param pluginDir where the plugin libraries are
 * @param adminToken the bearer token of admin calls, if configured
 */
record ServerSettings(String host, int port, Path pluginDir, Optional<String> adminToken) {

  /**
   * Reads and checks the settings.
   *
   * @throws InvalidSettingsException naming every bad key, its value and its origin
   */
  static ServerSettings fromConfig(Config config) {
    List<String> problems = new ArrayList<>();
    String host = config.getString("example.http.host");
    if (host.isBlank()) {
      problems.add(problem(config, "example.http.host", "must not be empty"));
    }
    int port = -1;
    try {
      port = config.getInt("example.http.port");
    } catch (ConfigException.WrongType e) {
      problems.add(problem(config, "example.http.port", "must be a number"));
    }
    if (port < 0 || port > 65_535) {
      problems.add(problem(config, "example.http.port", "must be between 0 and 65535"));
    }
    Path pluginDir = Path.of(config.getString("example.plugin-dir"));
    if (!pluginDir.toFile().isDirectory()) {
      problems.add(problem(
          config,
          "example.plugin-dir",
          "is not a directory (run `mvn -B install"
              + " -DskipTests` from the repository root to build the plugins, or point it"
              + " elsewhere)"));
    }
    Optional<String> token = config.hasPath("example.admin.token")
        ? Optional.of(config.getString("example.admin.token"))
        : Optional.empty();
    if (token.isPresent() && token.get().length() < 16) {
      problems.add(problem(config, "example.admin.token", "must be at least 16 characters"));
    }
    if (!problems.isEmpty()) {
      throw new InvalidSettingsException(problems);
    }
    return new ServerSettings(host, port, pluginDir, token);
  }

  private static String problem(Config config, String key, String what) {
    String value = key.equals("example.admin.token")
        ? "(hidden)"
        : config.getValue(key).render(com.typesafe.config.ConfigRenderOptions.concise());
    return key + " " + what + ", was " + value + " ("
        + config.getValue(key).origin().description() + ")";
  }
}
