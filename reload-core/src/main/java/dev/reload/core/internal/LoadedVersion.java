package dev.reload.core.internal;

import com.sun.jna.Function;
import com.sun.jna.Library;
import com.sun.jna.NativeLibrary;
import dev.reload.PluginException;
import dev.reload.PluginVersion;
import dev.reload.ReloadStep;
import dev.reload.UnloadHazard;
import dev.reload.VersionState;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * One loaded copy of a plugin's library: its facts, its JNA handles and its lease count.
 *
 * <p><b>Concurrency.</b> Callers pin the version with {@link #tryPin()}: increment the lease count,
 * then read the state; if it is not {@code ACTIVE} they unpin and retry elsewhere. The reload
 * thread does the mirror image: it writes a non-active state, then reads the lease count. Both
 * are sequentially consistent (a volatile write and a CAS), so either the caller sees the new state
 * or the reload thread sees the caller's lease: a version is never disposed under a call.
 *
 * <p>Leases are counted by two {@link LongAdder}s that only grow, pins and unpins, so callers on
 * different cores do not contend. A single adder taking +1 and -1 could be read short (its sum is
 * not a snapshot, and a failed pin's +1 and -1 may land in different cells); reading the unpins
 * first and the pins second can only over-count the open leases, never under-count them.
 */
final class LoadedVersion implements PluginVersion {

  /** Optional export run after load; a non-zero return refuses the version. */
  static final String INIT_SYMBOL = "reload_init";
  /** Optional export run before the version is unmapped. */
  static final String SHUTDOWN_SYMBOL = "reload_shutdown";

  private final String pluginName;
  private final long generation;
  private final Path sourcePath;
  private final Path shadowPath;
  private final String sha256;
  private final Instant loadedAt;
  private final Set<UnloadHazard> unloadHazards;
  /** Told after the library is unmapped, to check that the OS really let it go. */
  private final ResidentVersions residents;
  /** Strong reference: JNA's cleaner would dlclose an unreachable library behind our back. */
  private final NativeLibrary library;
  /** Every function resolved so far, held strongly for the same reason. Thread-safe map. */
  private final Map<String, Function> functions = new ConcurrentHashMap<>();
  /** The last symbol resolved, a cache in front of {@link #functions}; racy writes are benign. */
  private volatile Resolved lastResolved;
  /**
   * Direct implementations of bound interfaces, by slot. Replaced (copy on write) under the
   * plugin's reload lock, before the version serves or before the binding is handed out.
   */
  private volatile Object[] directs = new Object[0];
  /** What {@link #directs} registered, released on unmap. */
  private final List<DirectApi.Registration> registrations = new CopyOnWriteArrayList<>();
  private final LongAdder pins = new LongAdder();
  private final LongAdder unpins = new LongAdder();

  /** Written by the reload thread (under the plugin's reload lock); read by callers. */
  private volatile VersionState state = VersionState.LOADING;
  /** The thread waiting in {@link #awaitDrained}, unparked by the last leases to close. */
  private volatile Thread drainWaiter;
  /** Whether the shadow copy outlives the mapping (it is the rollback target). */
  private volatile boolean keepFile;

  private LoadedVersion(String pluginName, long generation, Admission.Admitted copy,
      NativeLibrary library, Instant loadedAt, ResidentVersions residents) {
    this.pluginName = pluginName;
    this.generation = generation;
    this.sourcePath = copy.source();
    this.shadowPath = copy.path();
    this.sha256 = copy.sha256();
    this.unloadHazards = copy.unloadHazards();
    this.library = library;
    this.loadedAt = loadedAt;
    this.residents = residents;
  }

  /**
   * Maps {@code copy}, which {@link Admission} has checked, with {@code RTLD_NOW | RTLD_LOCAL}, resolves the required symbols and runs the
   * optional {@value #INIT_SYMBOL} export. On failure nothing stays mapped, or what the OS keeps
   * is counted by {@code residents}.
   *
   * @throws StepFailure at {@link ReloadStep#LOAD}, saying what is missing or failed
   */
  static LoadedVersion load(String pluginName, long generation, Admission.Admitted copy,
      Platform platform, List<String> requiredSymbols, DirectApi[] bound, Instant now,
      ResidentVersions residents) throws StepFailure {
    NativeLibrary library;
    try {
      library = NativeLibrary.getInstance(copy.path().toString(), Map.of(
          Library.OPTION_OPEN_FLAGS, platform.openFlags(),
          Library.OPTION_FUNCTION_MAPPER, DirectClasses.SYMBOLS));
    } catch (UnsatisfiedLinkError e) {
      throw new StepFailure(ReloadStep.LOAD, "cannot load library " + copy.source()
          + ": " + firstLine(e.getMessage()), e);
    }
    LoadedVersion version =
        new LoadedVersion(pluginName, generation, copy, library, now, residents);
    try {
      for (String symbol : requiredSymbols) {
        if (!version.hasSymbol(symbol)) {
          throw new StepFailure(ReloadStep.LOAD, "library " + copy.source()
              + " does not export required symbol '" + symbol + "'");
        }
      }
      for (int slot = 0; slot < bound.length; slot++) {
        try {
          version.attach(bound[slot], slot);
        } catch (PluginException e) {
          throw new StepFailure(ReloadStep.LOAD, e.getMessage(), e.getCause());
        }
      }
      if (version.hasSymbol(INIT_SYMBOL)) {
        int status = version.function(INIT_SYMBOL).invokeInt(new Object[0]);
        if (status != 0) {
          throw new StepFailure(ReloadStep.LOAD, "library " + copy.source() + ": " + INIT_SYMBOL
              + "() returned " + status + " (non-zero means the library refused to start)");
        }
      }
      return version;
    } catch (Throwable e) {
      // Whatever went wrong (even an Error from reload_init), nothing stays mapped.
      version.unmap();
      throw e;
    }
  }

  @Override
  public String pluginName() {
    return pluginName;
  }

  @Override
  public long generation() {
    return generation;
  }

  @Override
  public Path sourcePath() {
    return sourcePath;
  }

  @Override
  public Path shadowPath() {
    return shadowPath;
  }

  @Override
  public String sha256() {
    return sha256;
  }

  @Override
  public Instant loadedAt() {
    return loadedAt;
  }

  @Override
  public VersionState state() {
    return state;
  }

  @Override
  public Set<UnloadHazard> unloadHazards() {
    return unloadHazards;
  }

  void state(VersionState state) {
    this.state = state;
  }

  /**
   * Registers a direct class of {@code api} to this version, callable through {@link
   * #direct(int)}. Caller holds the plugin's reload lock.
   *
   * @throws PluginException if this version cannot serve {@code api}
   */
  void attach(DirectApi api, int slot) {
    DirectApi.Registration registration = api.register(library, pluginName, generation);
    registrations.add(registration);
    Object[] grown = Arrays.copyOf(directs, Math.max(directs.length, slot + 1));
    grown[slot] = registration.implementation();
    directs = grown;
  }

  /** The implementation of the interface bound at {@code slot}. */
  Object direct(int slot) {
    return directs[slot];
  }

  /** Takes a lease if the version is active; lock-free. */
  boolean tryPin() {
    pins.increment();
    if (state == VersionState.ACTIVE) {
      return true;
    }
    unpin();
    return false;
  }

  /** Releases a lease taken by {@link #tryPin()}. */
  void unpin() {
    unpins.increment();
    if (state != VersionState.ACTIVE) {
      wakeDrainer();
    }
  }

  private void wakeDrainer() {
    Thread waiter = drainWaiter;
    if (waiter != null) {
      LockSupport.unpark(waiter);
    }
  }

  boolean keepFile() {
    return keepFile;
  }

  void keepFile(boolean keepFile) {
    this.keepFile = keepFile;
  }

  /** The number of open leases, or more while leases are being taken; never fewer. */
  long inFlight() {
    long released = unpins.sum();
    return pins.sum() - released;
  }

  /**
   * Waits until no lease is open. Call only once the state is no longer {@code ACTIVE}, from one
   * thread at a time.
   *
   * @return whether the version drained within {@code timeout}; false at once if the thread is
   *     interrupted (the interrupt stays set)
   */
  boolean awaitDrained(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    drainWaiter = Thread.currentThread();
    try {
      while (inFlight() != 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || Thread.currentThread().isInterrupted()) {
          return false;
        }
        // Unparked by the closing lease; the cap covers an unpark that raced with this check.
        LockSupport.parkNanos(this, Math.min(left, 1_000_000L));
      }
      return true;
    } finally {
      drainWaiter = null;
    }
  }

  /**
   * The exported function {@code symbol}.
   *
   * @throws PluginException if this version does not export it
   */
  Function function(String symbol) {
    // Callers name a symbol with the same string literal call after call: one identity check
    // usually answers. Kept tiny so that it inlines into every call path.
    Resolved last = lastResolved;
    return last != null && last.symbol == symbol ? last.function : lookup(symbol);
  }

  private Function lookup(String symbol) {
    Function function = functions.get(symbol);
    if (function == null) {
      function = resolve(symbol);
    }
    lastResolved = new Resolved(symbol, function);
    return function;
  }

  /** A symbol and its function, published together. */
  private record Resolved(String symbol, Function function) {}

  private Function resolve(String symbol) {
    try {
      return functions.computeIfAbsent(symbol, library::getFunction);
    } catch (UnsatisfiedLinkError e) {
      throw new PluginException("plugin '" + pluginName + "' generation " + generation
          + " does not export '" + symbol + "' (library " + sourcePath + ")", e);
    }
  }

  /** Whether this version exports {@code symbol}. */
  boolean hasSymbol(String symbol) {
    if (functions.containsKey(symbol)) {
      return true;
    }
    try {
      function(symbol);
      return true;
    } catch (PluginException e) {
      return false;
    }
  }

  /**
   * Runs the optional {@value #SHUTDOWN_SYMBOL} export and unmaps the library, then has the
   * registry check that the OS really let it go ({@link ResidentVersions#unmapped}). Call only once
   * no lease is open and none can be taken.
   */
  void dispose() {
    state = VersionState.RETIRED;
    try {
      if (hasSymbol(SHUTDOWN_SYMBOL)) {
        function(SHUTDOWN_SYMBOL).invokeVoid(new Object[0]);
      }
    } finally {
      unmap();
    }
  }

  private void unmap() {
    lastResolved = null;
    directs = new Object[0];
    registrations.forEach(DirectApi.Registration::release);
    registrations.clear();
    functions.clear();
    library.close();
    state = VersionState.DISPOSED;
    residents.unmapped(this);
  }

  @Override
  public String toString() {
    return pluginName + "#" + generation + "[" + state + ", sha256=" + sha256.substring(0, 12)
        + ", " + shadowPath.getFileName() + "]";
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "no reason given";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
