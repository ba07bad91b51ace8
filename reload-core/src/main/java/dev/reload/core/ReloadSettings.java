package dev.reload.core;

import com.typesafe.config.Config;
import dev.reload.InvalidSettingsException;
import dev.reload.PluginSettings;
import dev.reload.core.internal.admission.PublicKeys;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a registry needs to know from configuration. Immutable and thread-safe: {@link
 * Builder#build()} checks and copies the values. Read them from a typesafe {@code Config} with
 * {@link #fromConfig(Config)}; {@code reference.conf} documents each key and its default.
 */
public final class ReloadSettings {

  /** Where reloads run. Immutable and thread-safe, as every enum here. */
  public enum SchedulerMode {
    /** On a daemon thread of the registry, as soon as they are due. */
    BACKGROUND,
    /** Only when the application calls {@link dev.reload.PluginRegistry#update()}. */
    POLL
  }

  /** How library files are watched. Immutable and thread-safe. */
  public enum WatchMode {
    /** inotify on Linux, polling elsewhere. */
    AUTO,
    /** Linux inotify. */
    INOTIFY,
    /** Compare file facts every poll interval. */
    POLL
  }

  /**
   * How calls through {@link dev.reload.Plugin#bind} reach native code. Immutable and thread-safe.
   */
  public enum Binding {
    /**
     * {@code java.lang.foreign} on JDK 22 and newer where the interface's types allow, JNA else.
     */
    AUTO,
    /** JNA direct mapping on every JDK. */
    JNA,
    /**
     * {@code java.lang.foreign} only: start fails below JDK 22, and binding an interface whose
     * types it cannot pass fails.
     */
    FFM
  }

  private final List<Path> searchPaths;
  private final Path shadowDir;
  private final Duration drainTimeout;
  private final boolean retainPrevious;
  private final boolean discover;
  private final List<String> discoverRequiredSymbols;
  private final boolean preflight;
  private final Duration preflightTimeout;
  private final List<Path> allowedDirs;
  private final boolean strictPermissions;
  private final List<String> publicKeys;
  private final boolean requireSignature;
  private final SchedulerMode schedulerMode;
  private final boolean watchEnabled;
  private final WatchMode watchMode;
  private final Duration pollInterval;
  private final Duration debounce;
  private final Binding binding;
  private final Map<String, PluginSettings> plugins;

  private ReloadSettings(Builder builder) {
    this.searchPaths = List.copyOf(builder.searchPaths);
    this.shadowDir = builder.shadowDir;
    this.drainTimeout = builder.drainTimeout;
    this.retainPrevious = builder.retainPrevious;
    this.discover = builder.discover;
    this.discoverRequiredSymbols = List.copyOf(builder.discoverRequiredSymbols);
    this.preflight = builder.preflight;
    this.preflightTimeout = builder.preflightTimeout;
    this.allowedDirs = List.copyOf(builder.allowedDirs);
    this.strictPermissions = builder.strictPermissions;
    this.publicKeys = List.copyOf(builder.publicKeys);
    this.requireSignature = builder.requireSignature;
    this.schedulerMode = builder.schedulerMode;
    this.watchEnabled = builder.watchEnabled;
    this.watchMode = builder.watchMode;
    this.pollInterval = builder.pollInterval;
    this.debounce = builder.debounce;
    this.binding = builder.binding;
    this.plugins = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(builder.plugins));
  }

  /**
   * Starts settings with the defaults of {@code reference.conf}.
   *
   * @return a builder holding the defaults
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reads the {@code reload} section of {@code config} (resolved, with {@code reference.conf}
   * as fallback as {@code ConfigFactory.load()} gives it).
   *
   * @param config the application's config
   * @return the settings it holds
   * @throws InvalidSettingsException listing every bad key, with its value and origin
   */
  public static ReloadSettings fromConfig(Config config) {
    return ConfigReader.read(config);
  }

  /** {@return a builder holding these settings, to derive others} */
  public Builder toBuilder() {
    Builder builder = new Builder()
        .searchPaths(searchPaths)
        .shadowDir(shadowDir)
        .drainTimeout(drainTimeout)
        .retainPrevious(retainPrevious)
        .discover(discover)
        .discoverRequiredSymbols(discoverRequiredSymbols)
        .preflight(preflight)
        .preflightTimeout(preflightTimeout)
        .allowedDirs(allowedDirs)
        .strictPermissions(strictPermissions)
        .publicKeys(publicKeys)
        .requireSignature(requireSignature)
        .schedulerMode(schedulerMode)
        .watchEnabled(watchEnabled)
        .watchMode(watchMode)
        .pollInterval(pollInterval)
        .debounce(debounce)
        .binding(binding);
    plugins.values().forEach(builder::plugin);
    return builder;
  }

  /** {@return directories searched in order for libraries given by a relative name} */
  public List<Path> searchPaths() {
    return searchPaths;
  }

  /** {@return the root of the shadow copies, in which the registry makes its own directory} */
  public Path shadowDir() {
    return shadowDir;
  }

  /** {@return how long a reload or close waits for the calls in flight to finish} */
  public Duration drainTimeout() {
    return drainTimeout;
  }

  /** {@return whether the previous good version's copy is kept for a rollback} */
  public boolean retainPrevious() {
    return retainPrevious;
  }

  /** {@return whether libraries appearing in the search paths become plugins by themselves} */
  public boolean discover() {
    return discover;
  }

  /** {@return the required symbols of every discovered plugin} */
  public List<String> discoverRequiredSymbols() {
    return discoverRequiredSymbols;
  }

  /** {@return whether candidates are first loaded in a separate probe process} */
  public boolean preflight() {
    return preflight;
  }

  /** {@return how long the probe may take for one library before it is refused} */
  public Duration preflightTimeout() {
    return preflightTimeout;
  }

  /** {@return directories libraries may resolve into; empty means the search paths} */
  public List<Path> allowedDirs() {
    return allowedDirs;
  }

  /**
   * {@return whether libraries or directories that others can write, or that another user owns, are
   * refused}
   */
  public boolean strictPermissions() {
    return strictPermissions;
  }

  /** {@return Ed25519 public keys, Base64 X.509 SubjectPublicKeyInfo} */
  public List<String> publicKeys() {
    return publicKeys;
  }

  /** {@return whether every library without a valid signature is refused} */
  public boolean requireSignature() {
    return requireSignature;
  }

  /** {@return where reloads run} */
  public SchedulerMode schedulerMode() {
    return schedulerMode;
  }

  /** {@return whether library files are watched and reloaded when they change} */
  public boolean watchEnabled() {
    return watchEnabled;
  }

  /** {@return how library files are watched} */
  public WatchMode watchMode() {
    return watchMode;
  }

  /**
   * {@return how often the poll mode compares files, and how long a new file must stay unchanged in
   * inotify mode}
   */
  public Duration pollInterval() {
    return pollInterval;
  }

  /** {@return how close together changes to one file are one reload} */
  public Duration debounce() {
    return debounce;
  }

  /** {@return how bound interfaces call native code} */
  public Binding binding() {
    return binding;
  }

  /** {@return the plugins by name, in the order they were added} */
  public Map<String, PluginSettings> plugins() {
    return plugins;
  }

  @Override
  public String toString() {
    return "ReloadSettings[searchPaths=" + searchPaths + ", shadowDir=" + shadowDir
        + ", drainTimeout=" + drainTimeout + ", retainPrevious=" + retainPrevious
        + ", discover=" + discover
        + ", preflight=" + (preflight ? preflightTimeout : "off")
        + ", allowedDirs=" + allowedDirs + ", strictPermissions=" + strictPermissions
        + ", publicKeys=" + publicKeys.size() + ", requireSignature=" + requireSignature
        + ", scheduler=" + schedulerMode + ", watch=" + (watchEnabled ? watchMode : "off")
        + ", pollInterval=" + pollInterval + ", debounce=" + debounce + ", binding=" + binding
        + ", plugins=" + plugins.values() + "]";
  }

  /** Builds {@link ReloadSettings}; every setter checks its value. Not thread-safe. */
  public static final class Builder {

    private final List<Path> searchPaths = new ArrayList<>();
    private Path shadowDir = Path.of(System.getProperty("java.io.tmpdir"));
    private Duration drainTimeout = Duration.ofSeconds(5);
    private boolean retainPrevious = true;
    private boolean discover;
    private final List<String> discoverRequiredSymbols = new ArrayList<>();
    private boolean preflight = true;
    private Duration preflightTimeout = Duration.ofSeconds(10);
    private final List<Path> allowedDirs = new ArrayList<>();
    private boolean strictPermissions = true;
    private final List<String> publicKeys = new ArrayList<>();
    private boolean requireSignature;
    private SchedulerMode schedulerMode = SchedulerMode.BACKGROUND;
    private boolean watchEnabled = true;
    private WatchMode watchMode = WatchMode.AUTO;
    private Duration pollInterval = Duration.ofMillis(250);
    private Duration debounce = Duration.ofMillis(50);
    private Binding binding = Binding.AUTO;
    private final Map<String, PluginSettings> plugins = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Sets the directories searched in order for libraries given by a relative name. Replaces any
     * set before.
     *
     * @param paths the directories, first searched first
     * @return this builder
     */
    public Builder searchPaths(List<Path> paths) {
      searchPaths.clear();
      paths.forEach(path -> searchPaths.add(Objects.requireNonNull(path, "search path")));
      return this;
    }

    /**
     * Sets the directories searched in order for libraries given by a relative name. Replaces any
     * set before.
     *
     * @param paths the directories, first searched first
     * @return this builder
     */
    public Builder searchPaths(Path... paths) {
      return searchPaths(List.of(paths));
    }

    /**
     * The root of the shadow copies (default {@code java.io.tmpdir} itself). The registry creates
     * its own private {@code reload-<pid>-<random>} directory in it, and refuses a root that
     * another user owns or can write (unless sticky, like {@code /tmp}) or that is on a
     * {@code noexec} mount.
     *
     * @param shadowDir the root of the shadow copies
     * @return this builder
     */
    public Builder shadowDir(Path shadowDir) {
      this.shadowDir = Objects.requireNonNull(shadowDir, "shadowDir");
      return this;
    }

    /**
     * Sets how long a reload of a stateful plugin, and {@code close()}, wait for the calls in
     * flight (default 5 s).
     *
     * @param drainTimeout a positive duration
     * @return this builder
     */
    public Builder drainTimeout(Duration drainTimeout) {
      this.drainTimeout = requirePositive("drainTimeout", drainTimeout);
      return this;
    }

    /**
     * Sets whether the previous good version's copy is kept so that a rollback can return to it
     * (default true).
     *
     * @param retainPrevious false to refuse rollbacks and keep only the current copy
     * @return this builder
     */
    public Builder retainPrevious(boolean retainPrevious) {
      this.retainPrevious = retainPrevious;
      return this;
    }

    /**
     * Turns every library that appears in a search path, named by the platform's rule ({@code
     * lib<name>.so}, {@code <name>.dll}, {@code lib<name>.dylib}), into a plugin {@code <name>}
     * with default settings (off by default).
     *
     * @param discover true to turn libraries found in the search paths into plugins
     * @return this builder
     */
    public Builder discover(boolean discover) {
      this.discover = discover;
      return this;
    }

    /**
     * The symbols every discovered plugin must export. Replaces any set before.
     *
     * @param symbols the exported functions every discovered plugin must have
     * @return this builder
     * @throws IllegalArgumentException naming a symbol that cannot be a C symbol
     */
    public Builder discoverRequiredSymbols(List<String> symbols) {
      List<String> copy = List.copyOf(symbols);
      for (String symbol : copy) {
        if (!PluginSettings.isValidSymbol(symbol)) {
          throw new IllegalArgumentException(
              "discoverRequiredSymbols must be C identifiers, was '" + symbol + "'");
        }
      }
      discoverRequiredSymbols.clear();
      discoverRequiredSymbols.addAll(copy);
      return this;
    }

    /**
     * Sets whether candidates are first loaded in a separate probe process (default true).
     *
     * @param preflight false to load candidates straight into this process
     * @return this builder
     */
    public Builder preflight(boolean preflight) {
      this.preflight = preflight;
      return this;
    }

    /**
     * Sets how long the probe may take for one library before it is killed and the library refused
     * (default 10 s).
     *
     * @param timeout a positive duration
     * @return this builder
     */
    public Builder preflightTimeout(Duration timeout) {
      this.preflightTimeout = requirePositive("preflightTimeout", timeout);
      return this;
    }

    /**
     * Directories libraries may resolve into (default: the search paths), each resolved again at
     * every check so that a switched release symlink among them stays allowed. Replaces any set
     * before.
     *
     * @param dirs the directories libraries may resolve into
     * @return this builder
     */
    public Builder allowedDirs(List<Path> dirs) {
      allowedDirs.clear();
      dirs.forEach(dir -> allowedDirs.add(Objects.requireNonNull(dir, "allowed dir")));
      return this;
    }

    /**
     * Sets whether libraries or directories writable by group or others, or owned by another user,
     * are refused (default true).
     *
     * @param strict false to accept them
     * @return this builder
     */
    public Builder strictPermissions(boolean strict) {
      this.strictPermissions = strict;
      return this;
    }

    /**
     * Ed25519 public keys that verify {@code <library>.sig}, each the Base64 of an X.509
     * SubjectPublicKeyInfo. Replaces any set before.
     *
     * @param keys the keys, each Base64
     * @return this builder
     * @throws IllegalArgumentException naming the key that is not an Ed25519 public key
     */
    public Builder publicKeys(List<String> keys) {
      PublicKeys.parseAll(keys);
      publicKeys.clear();
      publicKeys.addAll(keys);
      return this;
    }

    /**
     * Sets whether every library without a valid signature is refused (default false).
     *
     * @param require true to refuse unsigned libraries
     * @return this builder
     */
    public Builder requireSignature(boolean require) {
      this.requireSignature = require;
      return this;
    }

    /**
     * Sets where reloads run (default {@link SchedulerMode#BACKGROUND}).
     *
     * @param mode the scheduler mode
     * @return this builder
     */
    public Builder schedulerMode(SchedulerMode mode) {
      this.schedulerMode = Objects.requireNonNull(mode, "schedulerMode");
      return this;
    }

    /**
     * Sets whether library files are watched and reloaded when they change (default true).
     *
     * @param enabled false to reload only on request
     * @return this builder
     */
    public Builder watchEnabled(boolean enabled) {
      this.watchEnabled = enabled;
      return this;
    }

    /**
     * Sets how library files are watched (default {@link WatchMode#AUTO}).
     *
     * @param mode the watch mode
     * @return this builder
     */
    public Builder watchMode(WatchMode mode) {
      this.watchMode = Objects.requireNonNull(mode, "watchMode");
      return this;
    }

    /**
     * How often the poll mode compares files; in inotify mode, how long a file that only appeared
     * must stay unchanged (and closed) before it is taken.
     *
     * @param interval a positive duration (default 250 ms)
     * @return this builder
     */
    public Builder pollInterval(Duration interval) {
      this.pollInterval = requirePositive("pollInterval", interval);
      return this;
    }

    /**
     * Sets how close together changes to one file must come to be one reload of the newest file
     * (default 50 ms); zero reloads at the first finished write.
     *
     * @param debounce a duration, not negative
     * @return this builder
     */
    public Builder debounce(Duration debounce) {
      Objects.requireNonNull(debounce, "debounce");
      if (debounce.isNegative()) {
        throw new IllegalArgumentException("debounce must not be negative, was " + debounce);
      }
      this.debounce = debounce;
      return this;
    }

    /**
     * Sets how bound interfaces call native code ({@link Binding#AUTO} by default).
     *
     * @param binding the binding
     * @return this builder
     */
    public Builder binding(Binding binding) {
      this.binding = Objects.requireNonNull(binding, "binding");
      return this;
    }

    /**
     * Adds a plugin.
     *
     * @param plugin the plugin's settings
     * @return this builder
     */
    public Builder plugin(PluginSettings plugin) {
      Objects.requireNonNull(plugin, "plugin");
      if (plugins.containsKey(plugin.name())) {
        throw new IllegalArgumentException("plugin '" + plugin.name() + "' was already added");
      }
      plugins.put(plugin.name(), plugin);
      return this;
    }

    /**
     * Copies and returns the settings.
     *
     * @return the settings
     * @throws IllegalStateException if signatures are required but no public key is given
     */
    public ReloadSettings build() {
      if (requireSignature && publicKeys.isEmpty()) {
        throw new IllegalStateException("requireSignature is on but no public key is given:"
            + " every library would be refused");
      }
      return new ReloadSettings(this);
    }

    private static Duration requirePositive(String name, Duration value) {
      Objects.requireNonNull(value, name);
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, was " + value);
      }
      return value;
    }
  }
}
