package dev.reload.core.internal.watch;

import dev.reload.PluginException;
import dev.reload.PluginSettings;
import dev.reload.core.internal.platform.Platform;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns libraries that appear in the search paths into plugins ({@code reload.discover}): a file
 * named by the platform's rule ({@code lib<name>.so}) whose name is a valid plugin name and not yet
 * taken becomes plugin {@code <name>}. At start every such file is added at once; afterwards the
 * directories are scanned every interval and a new file is added once it looks the same at two
 * scans (so a file still being written is left alone). A file that disappears does not remove its
 * plugin. A file that could not be admitted (here or by an explicit add), and the file of a plugin
 * removed through the API, are declined until they change.
 *
 * <p>Thread-safe: {@link #scan} and {@link #initialScan} are {@code synchronized} (they run on the
 * scheduler's thread, or on whichever thread calls {@code update()}); {@link #declined} is a
 * concurrent map, since {@link #decline} comes from any thread that removes a plugin.
 */
public final class Discovery {

  private static final Logger log = LoggerFactory.getLogger(Discovery.class);

  private final List<Path> directories;
  private final Platform platform;
  private final List<String> requiredSymbols;
  /** Whether a plugin of that name is in the registry. */
  private final Predicate<String> present;
  /** Adds a discovered plugin; throws {@link PluginException} if it is refused. */
  private final Function<PluginSettings, ?> add;
  /** New files and their look at the last scan. Guarded by {@code this}. */
  private final Map<Path, FileFingerprint> settling = new HashMap<>();
  /** Files not to add again while they look like this. */
  private final Map<Path, FileFingerprint> declined = new ConcurrentHashMap<>();

  private final long intervalNanos;
  /** When {@link #scanIfDue} scans next. Guarded by {@code this}. */
  private long nextScanNanos;

  /** {@code directories} as {@link LibraryLocator#directories()} gives them. */
  public Discovery(
      List<Path> directories,
      Platform platform,
      List<String> requiredSymbols,
      Duration interval,
      Predicate<String> present,
      Function<PluginSettings, ?> add) {
    this.intervalNanos = interval.toNanos();
    this.nextScanNanos = System.nanoTime() + intervalNanos;
    this.directories = List.copyOf(directories);
    this.platform = platform;
    this.requiredSymbols = List.copyOf(requiredSymbols);
    this.present = present;
    this.add = add;
  }

  /** Adds every library already in the search paths, at start. */
  public synchronized void initialScan() {
    forEachCandidate((name, file, look) -> admit(name, file, look));
  }

  /** In poll mode ({@code update()}): scans if an interval has passed since the last scan. */
  public synchronized void scanIfDue() {
    long now = System.nanoTime();
    if (now - nextScanNanos >= 0) {
      nextScanNanos = now + intervalNanos;
      scan();
    }
  }

  /** Adds each new library that has settled since the last scan. */
  public synchronized void scan() {
    Map<Path, FileFingerprint> seen = new HashMap<>();
    forEachCandidate((name, file, look) -> {
      if (look.equals(settling.get(file))) {
        admit(name, file, look);
      } else {
        seen.put(file, look);
      }
    });
    settling.clear();
    settling.putAll(seen);
  }

  /** Keeps {@code file} from being discovered again until it changes (its plugin was removed). */
  public void decline(Path file) {
    FileFingerprint look = FileFingerprint.of(file);
    if (look != null) {
      decline(file, look);
    }
  }

  /** Keeps {@code file} from being discovered again while it looks like {@code look}. */
  public void decline(Path file, FileFingerprint look) {
    declined.put(file.toAbsolutePath().normalize(), look);
  }

  private void admit(String name, Path file, FileFingerprint look) {
    try {
      add.apply(PluginSettings.builder(name).requiredSymbols(requiredSymbols).build());
      log.info("discovered plugin '{}' in {}", name, file);
    } catch (PluginException | IllegalArgumentException e) {
      decline(file, look);
      log.warn(
          "discovered library {} cannot become plugin '{}'; trying again once it changes: {}",
          file,
          name,
          e.getMessage());
    } catch (IllegalStateException e) {
      log.debug("not adding discovered plugin '{}': {}", name, e.getMessage()); // closing
    }
  }

  /** What a scan looks at. */
  private interface Candidate {
    void accept(String name, Path file, FileFingerprint look);
  }

  /** Calls {@code candidate} for each library file whose plugin is absent and not declined. */
  private void forEachCandidate(Candidate candidate) {
    for (Path directory : directories) {
      Path dir = directory.toAbsolutePath().normalize();
      try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
        for (Path file : files) {
          String name = pluginName(file.getFileName().toString());
          if (name == null || present.test(name)) {
            continue;
          }
          FileFingerprint look = FileFingerprint.of(file);
          if (look == null || look.equals(declined.get(file))) {
            continue;
          }
          declined.remove(file);
          try {
            candidate.accept(name, file, look);
          } catch (RuntimeException e) {
            // A scan runs on a schedule: whatever one file does, later scans must still run.
            decline(file, look);
            log.warn(
                "discovering plugin '{}' from {} failed; trying again once it changes",
                name,
                file,
                e);
          }
        }
      } catch (IOException | java.nio.file.DirectoryIteratorException e) {
        log.debug("cannot scan {} for plugins: {}", dir, e.toString());
      }
    }
  }

  /** The plugin name a library file stands for, or null. */
  private String pluginName(String fileName) {
    String name = platform.libraryName(fileName);
    return name != null && PluginSettings.isValidName(name) ? name : null;
  }
}
