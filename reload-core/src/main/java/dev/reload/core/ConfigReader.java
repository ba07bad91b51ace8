package dev.reload.core;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.reload.InvalidSettingsException;
import dev.reload.PluginSettings;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reads {@link ReloadSettings} from the {@code reload} section of a config. Collects every problem
 * before failing, so one start-up shows them all; each names the key, the value and its origin.
 */
final class ConfigReader {

  private static final String ROOT = "reload";
  private static final Set<String> KEYS = Set.of(
      "search-paths",
      "shadow-dir",
      "drain-timeout",
      "retain-previous",
      "preflight",
      "security",
      "scheduler",
      "watch",
      "discover",
      "binding",
      "plugins");
  private static final Set<String> PREFLIGHT_KEYS = Set.of("enabled", "timeout");
  private static final Set<String> SECURITY_KEYS =
      Set.of("allowed-dirs", "strict-permissions", "public-keys", "require-signature");
  private static final Set<String> SCHEDULER_KEYS = Set.of("mode");
  private static final Set<String> DISCOVER_KEYS = Set.of("enabled", "required-symbols");
  private static final Set<String> WATCH_KEYS =
      Set.of("enabled", "mode", "poll-interval", "debounce");
  private static final Set<String> PLUGIN_KEYS =
      Set.of("library", "platform-name", "required-symbols", "sha256");

  private final Config config;
  private final List<String> problems = new ArrayList<>();
  /** Keys with a problem already listed, so each is reported once. */
  private final Set<String> reported = new HashSet<>();

  private ConfigReader(Config config) {
    this.config = config;
  }

  static ReloadSettings read(Config config) {
    return new ConfigReader(config).read();
  }

  private ReloadSettings read() {
    if (!config.hasPath(ROOT)) {
      throw new InvalidSettingsException(List.of("the config has no '" + ROOT + "' section; load it"
          + " with ConfigFactory.load() so that reload-core's reference.conf supplies"
          + " the defaults"));
    }
    ReloadSettings.Builder builder = ReloadSettings.builder();
    checkTypesAgainstReference();
    rejectUnknownKeys(ROOT, KEYS);
    rejectUnknownKeys(ROOT + ".scheduler", SCHEDULER_KEYS);
    rejectUnknownKeys(ROOT + ".preflight", PREFLIGHT_KEYS);
    rejectUnknownKeys(ROOT + ".security", SECURITY_KEYS);
    rejectUnknownKeys(ROOT + ".watch", WATCH_KEYS);
    rejectUnknownKeys(ROOT + ".discover", DISCOVER_KEYS);

    read("search-paths", "a list of directories", key -> {
      List<Path> paths = new ArrayList<>();
      for (String entry : config.getStringList(key)) {
        Path dir = path(key, entry);
        if (dir == null) {
          continue;
        }
        if (!Files.isDirectory(dir)) {
          problem(key, "lists a directory that does not exist: '" + entry + "'");
        }
        paths.add(dir);
      }
      builder.searchPaths(paths);
    });
    read("shadow-dir", "a directory path", key -> {
      Path dir = path(key, config.getString(key));
      if (dir != null) {
        builder.shadowDir(dir);
      }
    });
    read(
        "drain-timeout",
        "a positive duration such as 5s",
        key -> builder.drainTimeout(config.getDuration(key)));
    read("retain-previous", "true or false", key -> builder.retainPrevious(config.getBoolean(key)));
    read("discover.enabled", "true or false", key -> builder.discover(config.getBoolean(key)));
    read(
        "discover.required-symbols",
        "a list of symbol names",
        key -> builder.discoverRequiredSymbols(config.getStringList(key)));
    read("preflight.enabled", "true or false", key -> builder.preflight(config.getBoolean(key)));
    read(
        "preflight.timeout",
        "a positive duration such as 10s",
        key -> builder.preflightTimeout(config.getDuration(key)));
    read("security.allowed-dirs", "a list of directories", key -> {
      List<Path> dirs = new ArrayList<>();
      for (String entry : config.getStringList(key)) {
        Path dir = path(key, entry);
        if (dir != null && !Files.isDirectory(dir)) {
          problem(key, "lists a directory that does not exist: '" + entry + "'");
        } else if (dir != null) {
          dirs.add(dir);
        }
      }
      builder.allowedDirs(dirs);
    });
    read(
        "security.strict-permissions",
        "true or false",
        key -> builder.strictPermissions(config.getBoolean(key)));
    read(
        "security.public-keys",
        "a list of Base64 Ed25519 public keys (X.509)",
        key -> builder.publicKeys(config.getStringList(key)));
    read(
        "security.require-signature",
        "true or false",
        key -> builder.requireSignature(config.getBoolean(key)));
    read(
        "scheduler.mode",
        "background or poll",
        key -> builder.schedulerMode(
            ReloadSettings.SchedulerMode.valueOf(config.getString(key).toUpperCase(Locale.ROOT))));
    read("watch.enabled", "true or false", key -> builder.watchEnabled(config.getBoolean(key)));
    read(
        "watch.mode",
        "auto, inotify or poll",
        key -> builder.watchMode(
            ReloadSettings.WatchMode.valueOf(config.getString(key).toUpperCase(Locale.ROOT))));
    read(
        "watch.poll-interval",
        "a positive duration such as 250ms",
        key -> builder.pollInterval(config.getDuration(key)));
    read(
        "watch.debounce",
        "a duration of zero or more such as 50ms",
        key -> builder.debounce(config.getDuration(key)));
    read(
        "binding",
        "auto, jna or ffm",
        key -> builder.binding(
            ReloadSettings.Binding.valueOf(config.getString(key).toUpperCase(Locale.ROOT))));
    read("plugins", "an object with one entry per plugin", key -> readPlugins(key, builder));

    if (!problems.isEmpty()) {
      throw new InvalidSettingsException(problems);
    }
    try {
      return builder.build();
    } catch (IllegalStateException e) {
      throw new InvalidSettingsException(List.of("reload.security: " + e.getMessage() + " ("
          + origin(ROOT + ".security.require-signature") + ")"));
    }
  }

  private void readPlugins(String key, ReloadSettings.Builder builder) {
    ConfigObject plugins = config.getObject(key);
    for (String name : plugins.keySet()) {
      String pluginKey = key + "." + com.typesafe.config.ConfigUtil.joinPath(name);
      ConfigValue value = plugins.get(name);
      if (value.valueType() != ConfigValueType.OBJECT) {
        problem(pluginKey, "must be an object with keys " + PLUGIN_KEYS);
        continue;
      }
      rejectUnknownKeys(pluginKey, PLUGIN_KEYS);
      PluginSettings.Builder plugin = PluginSettings.builder(name);
      String libraryKey = pluginKey + ".library";
      plugin.librarySource(
          config.hasPath(libraryKey) ? libraryKey : pluginKey,
          origin(config.hasPath(libraryKey) ? libraryKey : pluginKey));
      read(
          pluginKey.substring(ROOT.length() + 1) + ".library",
          "a library name or path",
          k -> plugin.library(config.getString(k)));
      read(
          pluginKey.substring(ROOT.length() + 1) + ".platform-name",
          "true or false",
          k -> plugin.platformName(config.getBoolean(k)));
      read(
          pluginKey.substring(ROOT.length() + 1) + ".required-symbols",
          "a list of symbol names",
          k -> plugin.requiredSymbols(config.getStringList(k)));
      read(
          pluginKey.substring(ROOT.length() + 1) + ".sha256",
          "64 hex digits",
          k -> plugin.sha256(config.getString(k)));
      List<String> pluginProblems = plugin.problems(pluginKey, origin(pluginKey));
      if (pluginProblems.isEmpty()) {
        builder.plugin(plugin.build());
      } else {
        problems.addAll(pluginProblems);
      }
    }
  }

  /** Types of every key {@code reference.conf} defines, checked by typesafe-config itself. */
  private void checkTypesAgainstReference() {
    try {
      config.checkValid(ConfigFactory.defaultReference(), ROOT);
    } catch (ConfigException.ValidationFailed e) {
      for (ConfigException.ValidationProblem problem : e.problems()) {
        problems.add(problem.path() + ": " + problem.problem() + " ("
            + problem.origin().description() + ")");
        reported.add(problem.path());
      }
    }
  }

  /**
   * Runs {@code reader} on {@code reload.<relativeKey>} when present, recording what goes wrong.
   */
  private void read(String relativeKey, String expected, Consumer<String> reader) {
    String key = ROOT + "." + relativeKey;
    if (!config.hasPathOrNull(key) || reported.contains(key)) {
      return;
    }
    try {
      reader.accept(key);
    } catch (ConfigException | IllegalArgumentException e) {
      problem(key, "must be " + expected + ", was " + render(key) + detail(e));
    }
  }

  private void rejectUnknownKeys(String key, Set<String> known) {
    if (!config.hasPath(key) || config.getValue(key).valueType() != ConfigValueType.OBJECT) {
      return;
    }
    for (String child : config.getObject(key).keySet()) {
      if (!known.contains(child)) {
        String childKey = key + "." + com.typesafe.config.ConfigUtil.joinPath(child);
        problem(childKey, "is not a known setting (known: " + new java.util.TreeSet<>(known) + ")");
      }
    }
  }

  private Path path(String key, String value) {
    try {
      return Path.of(value);
    } catch (InvalidPathException e) {
      problem(key, "is not a valid path: '" + value + "'");
      return null;
    }
  }

  private void problem(String key, String what) {
    problems.add(key + " " + what + " (" + origin(key) + ")");
  }

  private String origin(String key) {
    try {
      return config.getValue(key).origin().description();
    } catch (ConfigException e) {
      return "origin unknown";
    }
  }

  private String render(String key) {
    try {
      return config.getValue(key).render(ConfigRenderOptions.concise());
    } catch (ConfigException e) {
      return "null";
    }
  }

  /** The part of a typesafe-config message that adds to ours, without its own origin prefix. */
  private static String detail(RuntimeException e) {
    if (e instanceof ConfigException.WrongType || e instanceof ConfigException.Null) {
      return "";
    }
    String message = e.getMessage();
    if (message == null) {
      return "";
    }
    int colon = message.lastIndexOf(": ");
    return " ("
        + (colon >= 0 && e instanceof ConfigException ? message.substring(colon + 2) : message)
        + ")";
  }
}
