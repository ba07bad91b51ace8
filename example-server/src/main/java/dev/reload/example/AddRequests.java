package dev.reload.example;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigUtil;
import dev.reload.PluginSettings;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the body of {@code POST /plugins/{name}}, {@code {"library": "<file name>"}}, into the
 * settings of the plugin to add, or says what is wrong with it. The library must be a plain file
 * name inside {@code example.plugin-dir}: no path separator, no {@code ..}, and not a link that
 * leads out of the directory. A name configured under {@code reload.plugins} keeps its configured
 * {@code required-symbols}, so that a library lacking what the server calls is refused at the door
 * rather than failing at each request. Whether the file may become a version (trust, ELF, symbols,
 * probe) is the registry's decision, made in {@code add}.
 *
 * <p>Immutable and thread-safe.
 */
final class AddRequests {

  /** The longest body accepted. */
  static final int MAX_BODY_BYTES = 4096;

  private static final String SHAPE = "{\"library\": \"<file name inside example.plugin-dir>\"}";

  private final Path pluginDir;
  private final Config config;

  @Inject
  AddRequests(ServerSettings settings, Config config) {
    this.pluginDir = settings.pluginDir().toAbsolutePath().normalize();
    this.config = config;
  }

  /**
   * The settings of plugin {@code name} that {@code body} asks to add.
   *
   * @throws IllegalArgumentException saying what is wrong: the JSON, its members, the library
   *     file name, or the plugin name
   */
  PluginSettings settings(String name, String body) {
    Map<String, String> members = Json.stringObject(body);
    if (!members.keySet().equals(Set.of("library"))) {
      throw new IllegalArgumentException(
          "the body must be " + SHAPE + ", its members were " + members.keySet());
    }
    Path library = library(members.get("library"));
    return PluginSettings.builder(name)
        .library(library.toString())
        .platformName(false)
        .requiredSymbols(configuredSymbols(name))
        .build(); // checks the plugin name
  }

  /** The file {@code fileName} names inside the plugin directory. */
  private Path library(String fileName) {
    if (fileName.isEmpty()
        || fileName.indexOf('/') >= 0
        || fileName.indexOf('\\') >= 0
        || fileName.contains("..")
        || fileName.indexOf('\0') >= 0
        || fileName.equals(".")) {
      throw new IllegalArgumentException("library must be a file name inside example.plugin-dir"
          + " (no path separator, no '..'), was " + Json.string(fileName));
    }
    Path file = pluginDir.resolve(fileName).normalize();
    if (!pluginDir.equals(file.getParent())) {
      throw new IllegalArgumentException(
          "library " + Json.string(fileName) + " is not a file name inside example.plugin-dir");
    }
    if (Files.exists(file)) { // a missing file is the registry's to report
      try {
        if (!pluginDir.toRealPath().equals(file.toRealPath().getParent())) {
          throw new IllegalArgumentException("library " + Json.string(fileName)
              + " is a link that leads out of example.plugin-dir");
        }
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "library " + Json.string(fileName) + " cannot be resolved: " + e);
      }
    }
    return file;
  }

  private List<String> configuredSymbols(String name) {
    String key = ConfigUtil.joinPath("reload", "plugins", name, "required-symbols");
    return config.hasPath(key) ? config.getStringList(key) : List.of();
  }
}
