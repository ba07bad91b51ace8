package dev.reload;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How to find and check one plugin's library. Immutable and thread-safe; built with {@link
 * #builder(String)}, which checks every value.
 */
public final class PluginSettings {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");
  private static final Pattern C_IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private final String name;
  private final String library;
  private final boolean platformName;
  private final List<String> requiredSymbols;
  private final String sha256;
  private final String libraryKey;
  private final String libraryOrigin;

  private PluginSettings(Builder builder) {
    this.name = builder.name;
    this.library = builder.library == null ? builder.name : builder.library;
    this.platformName = builder.platformName;
    this.requiredSymbols = List.copyOf(builder.requiredSymbols);
    this.sha256 = builder.sha256;
    this.libraryKey = builder.libraryKey;
    this.libraryOrigin = builder.libraryOrigin;
  }

  /**
   * Starts the settings of the plugin called {@code name}; its library defaults to the name.
   *
   * @param name the plugin's name
   * @return a builder of the plugin's settings
   */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** {@return the plugin's name} */
  public String name() {
    return name;
  }

  /** {@return a bare library name (when {@link #platformName()}), else a file name or path} */
  public String library() {
    return library;
  }

  /** {@return whether {@link #library()} is a bare name mapped to the platform's file name} */
  public boolean platformName() {
    return platformName;
  }

  /** {@return symbols every loaded version must export} */
  public List<String> requiredSymbols() {
    return requiredSymbols;
  }

  /** {@return the SHA-256 every loaded build must have, or null when not pinned} */
  public String sha256() {
    return sha256;
  }

  /**
   * How errors about the library name it: the config key and where its value came from (file and
   * line), or the plugin's name for settings built in code.
   *
   * @return the config key and its origin, or the plugin's name
   */
  public String describeLibrary() {
    if (libraryKey == null) {
      return "plugin '" + name + "'";
    }
    return libraryKey + " (" + libraryOrigin + ")";
  }

  @Override
  public String toString() {
    return "PluginSettings[" + name + ", library=" + library + ", platformName=" + platformName
        + ", requiredSymbols=" + requiredSymbols + "]";
  }

  /**
   * Checks whether a plugin name is acceptable: letters, digits, '.', '_' and '-', not "." or "..".
   *
   * @param name the name to check, may be null
   * @return whether the name is acceptable
   */
  public static boolean isValidName(String name) {
    return name != null && NAME.matcher(name).matches() && !name.equals(".") && !name.equals("..");
  }

  /**
   * Checks whether a string can be an exported C symbol.
   *
   * @param symbol the string to check, may be null
   * @return whether it is a C identifier
   */
  public static boolean isValidSymbol(String symbol) {
    return symbol != null && C_IDENTIFIER.matcher(symbol).matches();
  }

  /** Checks whether a bare library name can be mapped to a platform file name. */
  static boolean isBareName(String library) {
    return isValidName(library);
  }

  /** Builds {@link PluginSettings}. Not thread-safe. */
  public static final class Builder {

    private final String name;
    private String library;
    private boolean platformName = true;
    private final List<String> requiredSymbols = new ArrayList<>();
    private String sha256;
    private String libraryKey;
    private String libraryOrigin;

    private Builder(String name) {
      this.name = name;
    }

    /**
     * Records which config key set the library, and where, so that a library that cannot be found
     * is reported by its key and origin. For readers of settings from a config file.
     *
     * @param key the config key that set the library
     * @param origin where its value came from (file and line)
     * @return this builder
     */
    public Builder librarySource(String key, String origin) {
      this.libraryKey = key;
      this.libraryOrigin = origin;
      return this;
    }

    /**
     * Sets the library: a bare library name, or with {@code platformName(false)} a file name or
     * path.
     *
     * @param library the library's name, file name or path
     * @return this builder
     */
    public Builder library(String library) {
      this.library = Objects.requireNonNull(library, "library");
      return this;
    }

    /**
     * Sets whether the library is a bare name to map to the platform's file name (default true).
     *
     * @param platformName true for a bare name, false for a file name or path
     * @return this builder
     */
    public Builder platformName(boolean platformName) {
      this.platformName = platformName;
      return this;
    }

    /**
     * Pins the SHA-256 (64 hex digits) every loaded build must have.
     *
     * @param sha256 the expected SHA-256, as hex digits
     * @return this builder
     */
    public Builder sha256(String sha256) {
      this.sha256 = Objects.requireNonNull(sha256, "sha256");
      return this;
    }

    /**
     * Adds symbols a version must export to be loaded.
     *
     * @param symbols the exported symbols' names
     * @return this builder
     */
    public Builder requiredSymbols(String... symbols) {
      return requiredSymbols(List.of(symbols));
    }

    /**
     * Adds symbols a version must export to be loaded.
     *
     * @param symbols the exported symbols' names
     * @return this builder
     */
    public Builder requiredSymbols(List<String> symbols) {
      requiredSymbols.addAll(symbols);
      return this;
    }

    /**
     * Checks the values and builds the settings.
     *
     * @return the settings
     * @throws InvalidSettingsException naming every bad value
     */
    public PluginSettings build() {
      List<String> problems = problems("plugin '" + name + "'", null);
      if (!problems.isEmpty()) {
        throw new InvalidSettingsException(problems);
      }
      return new PluginSettings(this);
    }

    /**
     * Every problem of these values, each naming {@code subject} and ending with {@code origin}
     * (may be null); empty if {@link #build()} would succeed. For readers of settings from a config
     * file, which report every problem at once.
     *
     * @param subject what each problem names, such as the plugin's config path
     * @param origin where the values came from, or null
     * @return every problem found, one line each
     */
    public List<String> problems(String subject, String origin) {
      String at = origin == null ? "" : " (" + origin + ")";
      List<String> problems = new ArrayList<>();
      if (!isValidName(name)) {
        problems.add(subject + ": a plugin name must be letters, digits, '.', '_' or '-' (no path"
            + " separators), was '" + name + "'" + at);
        if (library == null) {
          return problems;
        }
      }
      String lib = library == null ? name : library;
      if (lib == null || lib.isBlank()) {
        problems.add(subject + ": library must not be empty" + at);
      } else if (platformName && !isBareName(lib)) {
        problems.add(subject + ": library must be a bare name when platform-name = true, was '"
            + lib + "' (set platform-name = false to give a file name or path)" + at);
      }
      if (sha256 != null && !sha256.matches("[0-9a-fA-F]{64}")) {
        problems.add(subject + ": sha256 must be 64 hex digits, was '" + sha256 + "'" + at);
      }
      for (String symbol : requiredSymbols) {
        if (!isValidSymbol(symbol)) {
          problems.add(
              subject + ": required-symbols entry is not a C identifier: '" + symbol + "'" + at);
        }
      }
      return problems;
    }
  }
}
