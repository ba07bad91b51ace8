package dev.reload;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;

/**
 * Read-only facts about one loaded copy of a plugin's library (one generation).
 *
 * <p>Implementations are thread-safe; every fact but {@link #state()} is fixed at load time.
 */
public interface PluginVersion {

  /** {@return the name of the plugin this version belongs to} */
  String pluginName();

  /** {@return 1 for the first load of a plugin, increasing by one with every load after it} */
  long generation();

  /**
   * {@return the library file this version was admitted from (for a rollback, the plugin's file)}
   */
  Path sourcePath();

  /** {@return the private copy this version was loaded from} */
  Path shadowPath();

  /** {@return the SHA-256 of the loaded bytes, as 64 lower-case hex digits} */
  String sha256();

  /** {@return when the version was loaded} */
  Instant loadedAt();

  /** {@return where the version is in its lifecycle now} */
  VersionState state();

  /**
   * What in this library can keep it mapped after the registry unloads it, read from its ELF file
   * when it was admitted; empty if nothing was found, and on platforms whose libraries are not ELF.
   * A version actually kept mapped is listed by {@link Plugin#residentVersions()}.
   *
   * @return the hazards found in the library's ELF file
   */
  Set<UnloadHazard> unloadHazards();
}
