package dev.reload.core.internal;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import dev.reload.PluginVersion;
import dev.reload.UnloadHazard;
import dev.reload.core.internal.platform.Platform;
import dev.reload.core.internal.platform.ProcMaps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Versions the registry has unloaded that the operating system still keeps mapped. glibc ignores
 * a {@code dlclose} of a library linked with {@code -z nodelete} or defining {@code
 * STB_GNU_UNIQUE} symbols, and keeps a library that registered thread-local destructors until
 * every thread that ran one has exited; each reload of such a build silently leaks the whole
 * library. This class finds those versions, names the likely cause once at WARN, counts them
 * ({@code reload.versions.resident}), and stops counting a version once it is finally unmapped.
 *
 * <p><b>Finding them.</b> After every unmapping of a version ({@link #unmapped}), {@code
 * /proc/self/maps} is read once: a line naming the version's shadow copy (followed by {@code
 * (deleted)} once the copy is deleted) means the library is still there. The same read checks the
 * versions already counted, because that {@code dlclose} may just have unloaded them: glibc
 * unloads a library whose thread-local destructors have all run only at a later {@code dlclose},
 * of any library. Anywhere but Linux, or without {@code /proc/self/maps}, nothing is checked and
 * nothing is counted.
 *
 * <p><b>Checking again.</b> While any version is counted, a pass runs after a growing delay (1 s
 * doubling to 1 min): on the scheduler's executor, or in poll mode at {@code update()} once due.
 * A pass gives glibc the {@code dlclose} it waits for: {@code dlopen(copy, RTLD_NOLOAD)} finds the
 * still-loaded copy by the name it was opened under (no file is needed, nothing is loaded) and
 * takes one more reference, and {@code dlclose} drops it, which makes glibc unload every library
 * that nothing holds any more. Then the maps are read again. No check runs on the call path.
 *
 * <p><b>Shadow copies.</b> The copy of a resident version is deleted as any other (unless it is
 * the rollback target): the mapping keeps the deleted file's pages, the kernel frees them when the
 * mapping goes, and nothing of it is left on disk after {@code close()}.
 *
 * <p><b>Concurrency.</b> Thread-safe. A version enters {@link #residents} only from its one
 * unmapping and leaves it by one successful {@code remove}, so it is logged once at WARN and once
 * at INFO. Passes take no lock: the {@code dlclose} of a pass may run the library's destructors,
 * which are user code. The backoff fields are guarded by {@code this}.
 */
final class ResidentVersions {

  private static final Logger log = LoggerFactory.getLogger(ResidentVersions.class);
  private static final Path MAPS = Path.of("/proc/self/maps");
  /** This process's maps, read 16 KiB at a time. */
  private static final ProcMaps MAPPED = new ProcMaps(MAPS, 16 * 1024);

  private static final long FIRST_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long MAX_CHECK_NANOS = TimeUnit.MINUTES.toNanos(1);
  private static final int RTLD_LAZY = 0x1;
  private static final int RTLD_NOLOAD = 0x4;

  /** A version still mapped, the name the maps show for it, and since when it is counted. */
  private record Resident(LoadedVersion version, String mappedName, long sinceNanos) {}

  /** Whether this platform can be checked: Linux with a readable {@code /proc/self/maps}. */
  private final boolean enabled;
  /** Null in poll mode. */
  private final ScheduledExecutorService executor;
  /** Oldest first. Copy on write: changes are rare, the gauge reads it. */
  private final List<Resident> residents = new CopyOnWriteArrayList<>();
  /** Delay before the next pass. Guarded by {@code this}. */
  private long delayNanos = FIRST_CHECK_NANOS;
  /** When the next pass of {@link #recheckIfDue()} is due (poll mode). Guarded by {@code this}. */
  private long dueNanos;
  /**
   * Bumped whenever a new chain of scheduled passes starts; older chains stop. Guarded by {@code
   * this}.
   */
  private long chain;
  /** Set once by {@link #close()}. */
  private volatile boolean closed;

  ResidentVersions(Platform platform, ScheduledExecutorService executor) {
    this.enabled = platform == Platform.LINUX && Files.isReadable(MAPS);
    this.executor = executor;
  }

  /**
   * Checks, right after {@code version} was unmapped ({@code dlclose}), whether the library is
   * really gone, and whether the versions already counted still are not. Never throws.
   */
  void unmapped(LoadedVersion version) {
    if (!enabled) {
      return;
    }
    String name = mappedName(version);
    List<String> names = residentNames();
    if (name != null) {
      names.add(name);
    }
    Set<String> mapped = mapped(names);
    if (mapped == null) {
      return;
    }
    if (name != null && mapped.contains(name)) {
      residents.add(new Resident(version, name, System.nanoTime()));
      warn(version, name);
      startChecking();
    }
    dropUnmapped(names, mapped);
  }

  /** Versions of {@code plugin} counted now, oldest first. */
  List<PluginVersion> of(String plugin) {
    List<PluginVersion> versions = null;
    for (Resident resident : residents) {
      if (resident.version().pluginName().equals(plugin)) {
        if (versions == null) {
          versions = new ArrayList<>();
        }
        versions.add(resident.version());
      }
    }
    return versions == null ? List.of() : List.copyOf(versions);
  }

  /** In poll mode (no executor): runs a pass if one is due. Called by {@code update()}. */
  void recheckIfDue() {
    if (executor != null || residents.isEmpty()) {
      return;
    }
    synchronized (this) {
      long now = System.nanoTime();
      if (now - dueNanos < 0) {
        return;
      }
      delayNanos = Math.min(delayNanos * 2, MAX_CHECK_NANOS);
      dueNanos = now + delayNanos;
    }
    recheck();
  }

  /**
   * Stops checking after a last pass, and reports at WARN what the process still keeps mapped.
   * Call once every version is unmapped.
   */
  void close() {
    closed = true;
    if (residents.isEmpty()) {
      return;
    }
    recheck();
    if (!residents.isEmpty()) {
      log.warn(
          "closing with {} unloaded version(s) still mapped, which this process keeps in"
              + " memory (see the WARN logged for each when it was unloaded): {}",
          residents.size(),
          residents.stream().map(ResidentVersions::describe).collect(Collectors.joining(", ")));
    }
  }

  /** One pass: gives glibc a dlclose for each counted version, then reads the maps again. */
  private void recheck() {
    for (Resident resident : residents) {
      nudge(resident.version());
    }
    List<String> names = residentNames();
    Set<String> mapped = mapped(names);
    if (mapped != null) {
      dropUnmapped(names, mapped);
    }
  }

  /** The mapped names of the versions counted now. */
  private List<String> residentNames() {
    List<String> names = new ArrayList<>();
    for (Resident resident : residents) {
      names.add(resident.mappedName());
    }
    return names;
  }

  /**
   * Stops counting the versions whose names were {@code searched} and not found {@code mapped};
   * not one counted since the search began, whose name it did not look for.
   */
  private void dropUnmapped(List<String> searched, Set<String> mapped) {
    for (Resident resident : residents) {
      String name = resident.mappedName();
      if (searched.contains(name) && !mapped.contains(name) && residents.remove(resident)) {
        LoadedVersion version = resident.version();
        log.info(
            "plugin '{}' generation {} is unmapped at last, {} s after it was unloaded; no"
                + " longer counted in reload.versions.resident",
            version.pluginName(),
            version.generation(),
            String.format(Locale.ROOT, "%.1f", (System.nanoTime() - resident.sinceNanos()) / 1e9));
      }
    }
  }

  /** Starts a new chain of passes with the shortest delay: a version has just become resident. */
  private void startChecking() {
    long started;
    synchronized (this) {
      started = ++chain;
      delayNanos = FIRST_CHECK_NANOS;
      dueNanos = System.nanoTime() + FIRST_CHECK_NANOS;
    }
    schedule(started, FIRST_CHECK_NANOS);
  }

  private void schedule(long forChain, long delay) {
    if (executor == null || closed) {
      return;
    }
    try {
      executor.schedule(() -> scheduledPass(forChain), delay, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // Shutting down: close() runs the last pass.
    }
  }

  private void scheduledPass(long forChain) {
    synchronized (this) {
      if (forChain != chain || closed) {
        return;
      }
    }
    recheck();
    long next;
    synchronized (this) {
      if (forChain != chain) {
        return;
      }
      delayNanos = Math.min(delayNanos * 2, MAX_CHECK_NANOS);
      next = delayNanos;
    }
    if (!residents.isEmpty()) {
      schedule(forChain, next);
    }
  }

  /**
   * {@code dlopen(RTLD_NOLOAD)} and {@code dlclose} of a still-loaded version, under the name it
   * was opened with (its shadow path, as given to JNA). Does nothing if glibc no longer has it.
   */
  private static void nudge(LoadedVersion version) {
    try {
      Pointer handle = Dl.OPEN.invokePointer(
          new Object[] {version.shadowPath().toString(), RTLD_LAZY | RTLD_NOLOAD});
      if (handle != null) {
        Dl.CLOSE.invokeInt(new Object[] {handle});
      }
    } catch (RuntimeException | LinkageError e) {
      log.debug(
          "plugin '{}' generation {}: cannot re-check with dlopen(RTLD_NOLOAD): {}",
          version.pluginName(),
          version.generation(),
          e.toString());
    }
  }

  /** The real path the maps show for the version's copy, or null if it cannot be resolved. */
  private static String mappedName(LoadedVersion version) {
    Path copy = version.shadowPath().toAbsolutePath();
    try {
      return copy.getParent().toRealPath().resolve(copy.getFileName()).toString();
    } catch (IOException e) {
      log.debug(
          "plugin '{}' generation {}: cannot resolve {} to check that it is unmapped: {}",
          version.pluginName(),
          version.generation(),
          copy,
          e.toString());
      return null;
    }
  }

  /** Which of {@code names} this process maps now (unlinked or not); null if unknown. */
  private static Set<String> mapped(List<String> names) {
    try {
      return MAPPED.find(names);
    } catch (IOException | RuntimeException e) {
      log.debug(
          "cannot read {} to check that unloaded libraries are unmapped: {}", MAPS, e.toString());
      return null;
    }
  }

  private static void warn(LoadedVersion version, String mappedName) {
    log.warn(
        "plugin '{}' generation {} is still mapped after it was unloaded (dlclose): {} stays"
            + " in memory. The reload succeeded, but every reload of a build like this one leaks a"
            + " whole copy of the library. Likely cause, read from its ELF file: {}. Counted in"
            + " reload.versions.resident until it is unmapped; checked again after every unload and"
            + " from time to time",
        version.pluginName(),
        version.generation(),
        mappedName,
        causes(version.unloadHazards()));
  }

  private static String causes(Set<UnloadHazard> hazards) {
    if (hazards.isEmpty()) {
      return "none found (not linked with -z nodelete, no STB_GNU_UNIQUE symbol, no thread-local"
          + " destructor): something else keeps it loaded, such as another dlopen of the same file"
          + " or a C library that never unloads (musl)";
    }
    List<String> causes = new ArrayList<>();
    for (UnloadHazard hazard : hazards) {
      causes.add((hazards.size() > 1 ? "(" + (causes.size() + 1) + ") " : "") + hazard.cause()
          + "; fix: " + hazard.fix());
    }
    return String.join("; ", causes);
  }

  private static String describe(Resident resident) {
    LoadedVersion version = resident.version();
    Set<UnloadHazard> hazards = version.unloadHazards();
    return "plugin '" + version.pluginName() + "' generation " + version.generation() + " ("
        + (hazards.isEmpty()
            ? "no cause found in its ELF file"
            : hazards.stream()
                .map(hazard -> hazard.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", ")))
        + ")";
  }

  /** glibc's dlopen and dlclose, found in the process (libc, or libdl on glibc before 2.34). */
  private static final class Dl {
    static final Function OPEN = NativeLibrary.getProcess().getFunction("dlopen");
    static final Function CLOSE = NativeLibrary.getProcess().getFunction("dlclose");
  }
}
