package dev.reload.core.internal.watch;

import dev.reload.PluginException;
import dev.reload.PluginSettings;
import dev.reload.core.internal.platform.Platform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds a plugin's library file. The order, documented in {@code reference.conf}: an absolute
 * {@code library} is used as is; otherwise each search path is tried in order and the first
 * holding the file wins; with no search paths, the working directory. Immutable and thread-safe.
 */
public final class LibraryLocator {

  private final List<Path> searchPaths;
  private final Platform platform;

  public LibraryLocator(List<Path> searchPaths, Platform platform) {
    this.searchPaths = searchPaths.isEmpty() ? List.of(Path.of("")) : List.copyOf(searchPaths);
    this.platform = platform;
  }

  /** The directories searched, in order: the search paths, or the working directory if none. */
  public List<Path> directories() {
    return searchPaths;
  }

  /** The file name or relative path the plugin's library is looked up by. */
  String fileName(PluginSettings plugin) {
    return plugin.platformName() ? platform.fileName(plugin.library()) : plugin.library();
  }

  /**
   * The absolute path of the plugin's library.
   *
   * @throws PluginException listing every place looked in, if none holds the file
   */
  public Path locate(PluginSettings plugin) {
    String fileName = fileName(plugin);
    Path given = Path.of(fileName);
    if (given.isAbsolute()) {
      if (Files.isRegularFile(given)) {
        return given;
      }
      throw new PluginException(plugin.describeLibrary() + ": library " + given
          + " does not exist or is not a regular file");
    }
    List<Path> tried = new ArrayList<>();
    for (Path dir : searchPaths) {
      Path candidate = dir.resolve(given).toAbsolutePath().normalize();
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
      tried.add(candidate);
    }
    throw new PluginException(plugin.describeLibrary() + ": library '" + fileName
        + "' not found; looked in " + tried + " (reload.search-paths, in order)");
  }
}
