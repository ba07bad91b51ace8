package dev.reload.core.internal;

import com.sun.jna.Function;
import com.sun.jna.Library;
import com.sun.jna.NativeLibrary;
import dev.reload.PluginException;
import dev.reload.PluginVersion;
import dev.reload.ReloadStep;
import dev.reload.UnloadHazard;
import dev.reload.VersionState;
import dev.reload.core.internal.admission.Admission;
import dev.reload.core.internal.admission.LifecycleExports;
import dev.reload.core.internal.admission.StepFailure;
import dev.reload.core.internal.platform.Platform;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded copy of a plugin's library: its facts, its JNA handles and its pins. Its JNA
 * {@link NativeLibrary} is the one owner of the mapping: by-name calls use its functions, and
 * bound interfaces call addresses resolved through it, whichever path they take.
 *
 * <p><b>Concurrency.</b> Callers pin the version, then read the state; if it is not {@code
 * ACTIVE} they unpin and retry elsewhere. The reload thread does the mirror image: it writes a
 * non-active state, then reads the pins. So either the caller sees the new state or the reload
 * thread sees the caller's pin: a version is never disposed under a call. There are two kinds of
 * pin, each with its own proof of that "either ... or":
 *
 * <ul>
 *   <li>a bound call, which pins and unpins on one thread, pins with {@link
 * #tryPin(CallPins.Stack)}
 *       on its thread's stack, and a {@link dev.reload.PluginLease} with {@link #tryPinLease} in a
 *       slot of its thread's stack, both with no atomic instruction; the drain pays for the
 *       ordering with a process-wide barrier ({@link CallPins} gives the protocol and its proof);
 *   <li>a lease taken while its thread's slots are all taken, or at the gate, pins with {@link
 *       #tryPin()} in a {@link LeaseCount}: a CAS against a volatile write, both sequentially
 *       consistent.
 * </ul>
 *
 * <p>The {@link LeaseCount} can over-count while leases are being taken but never under-count. A
 * counted lease released twice (closed from two threads at once) would make it under-count; the
 * count detects that when it reads below zero, this class reports it, and the version is never
 * seen as drained again: it stays mapped rather than be unmapped under a call.
 */
final class LoadedVersion implements PluginVersion {

  private static final Logger log = LoggerFactory.getLogger(LoadedVersion.class);

  private final String pluginName;
  private final long generation;
  private final Path sourcePath;
  private final Path shadowPath;
  private final String sha256;
  private final Instant loadedAt;
  private final Set<UnloadHazard> unloadHazards;
  /** How bound interfaces call this version. */
  private final CallPath calls;
  /** Told after the library is unmapped, to check that the OS really let it go. */
  private final ResidentVersions residents;
  /** Strong reference: JNA's cleaner would dlclose an unreachable library behind our back. */
  private final NativeLibrary library;
  /**
   * Every function resolved so far, by symbol, held strongly for the same reason. Thread-safe map.
   */
  private final Map<String, Resolved> functions = new ConcurrentHashMap<>();
  /**
   * The last symbol looked up, one of {@link #functions}' values: a cache in front of it; racy
   * writes are benign.
   */
  private volatile Resolved lastResolved;
  /**
   * Direct implementations of bound interfaces, by slot. Replaced (copy on write) under the
   * plugin's reload lock, before the version serves or before the binding is handed out; emptied
   * by the one thread that disposes the version, once nothing can call it.
   */
  private volatile Object[] directs = new Object[0];
  /** What {@link #directs} registered, released on unmap. */
  private final List<DirectApi.Registration> registrations = new CopyOnWriteArrayList<>();
  /** Leases beyond their thread's slots, or taken at the gate; thread-safe. */
  private final LeaseCount leases = new LeaseCount(this::reportUnbalanced);
  /** The pins of bound calls and slotted leases of this registry; thread-safe. */
  private final CallPins callPins;
  /** This version's id on {@link #callPins}' stacks. */
  private final long callId;
  /** How its pins and its drain are ordered: the plugin's, for every version. */
  private final CallPins.Barrier barrier;

  /**
   * Written by one thread at a time: under the plugin's reload lock while the version loads and
   * serves, then by the one thread that disposes it (the reload thread, the retirer, {@code
   * update()} or the closing thread, whichever took it from the retirer's queue). Read by callers.
   */
  private volatile VersionState state = VersionState.LOADING;
  /** The thread waiting in {@link #awaitDrained}, unparked by the last leases to close. */
  private volatile Thread drainWaiter;
  /** Whether the shadow copy outlives the mapping (it is the rollback target). */
  private volatile boolean keepFile;

  private LoadedVersion(
      String pluginName,
      long generation,
      Admission.Admitted copy,
      NativeLibrary library,
      CallPath calls,
      CallPins callPins,
      CallPins.Barrier barrier,
      Instant loadedAt,
      ResidentVersions residents) {
    this.pluginName = pluginName;
    this.generation = generation;
    this.sourcePath = copy.source();
    this.shadowPath = copy.path();
    this.sha256 = copy.sha256();
    this.unloadHazards = copy.unloadHazards();
    this.library = library;
    this.calls = calls;
    this.callPins = callPins;
    this.callId = callPins.newId();
    this.barrier = barrier;
    this.loadedAt = loadedAt;
    this.residents = residents;
  }

  /**
   * Maps {@code copy}, which {@link Admission} has checked, with {@code RTLD_NOW | RTLD_LOCAL},
   * resolves the required symbols and runs the
   * optional {@value LifecycleExports#INIT} export. On failure nothing stays mapped, or what the OS
   * keeps is counted by {@code residents}.
   *
   * @throws StepFailure at {@link ReloadStep#LOAD}, saying what is missing or failed
   */
  static LoadedVersion load(
      String pluginName,
      long generation,
      Admission.Admitted copy,
      Platform platform,
      List<String> requiredSymbols,
      DirectApi[] bound,
      CallPath calls,
      CallPins callPins,
      CallPins.Barrier barrier,
      Instant now,
      ResidentVersions residents)
      throws StepFailure {
    NativeLibrary library;
    try {
      library = NativeLibrary.getInstance(
          copy.path().toString(),
          Map.of(
              Library.OPTION_OPEN_FLAGS,
              platform.openFlags(),
              Library.OPTION_FUNCTION_MAPPER,
              DirectClasses.SYMBOLS));
    } catch (UnsatisfiedLinkError e) {
      throw new StepFailure(
          ReloadStep.LOAD,
          "cannot load library " + copy.source() + ": " + firstLine(e.getMessage()),
          e);
    }
    LoadedVersion version = new LoadedVersion(
        pluginName, generation, copy, library, calls, callPins, barrier, now, residents);
    try {
      for (String symbol : requiredSymbols) {
        if (!version.hasSymbol(symbol)) {
          throw new StepFailure(
              ReloadStep.LOAD,
              "library " + copy.source() + " does not export required symbol '" + symbol + "'");
        }
      }
      for (int slot = 0; slot < bound.length; slot++) {
        try {
          version.attach(bound[slot], slot);
        } catch (PluginException e) {
          throw new StepFailure(ReloadStep.LOAD, e.getMessage(), e.getCause());
        }
      }
      if (version.hasSymbol(LifecycleExports.INIT)) {
        int status = version.function(LifecycleExports.INIT).invokeInt(new Object[0]);
        if (status != 0) {
          throw new StepFailure(
              ReloadStep.LOAD,
              "library " + copy.source() + ": " + LifecycleExports.INIT + "() returned " + status
                  + " (non-zero means the library refused to start)");
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
   * Makes this version's implementation of {@code api}, callable through {@link #direct(int)}.
   * Caller holds the plugin's reload lock.
   *
   * @throws PluginException if this version cannot serve {@code api}
   */
  void attach(DirectApi api, int slot) {
    DirectApi.Registration registration = api.register(library, pluginName, generation, calls);
    registrations.add(registration);
    Object[] grown = Arrays.copyOf(directs, Math.max(directs.length, slot + 1));
    grown[slot] = registration.implementation();
    directs = grown;
  }

  /** How many bound interfaces are registered to this version: slots {@code 0..attached()-1}. */
  int attached() {
    return directs.length;
  }

  /** The implementation of the interface bound at {@code slot}. */
  Object direct(int slot) {
    return directs[slot];
  }

  /** Takes a lease if the version is active; lock-free. */
  boolean tryPin() {
    if (state != VersionState.ACTIVE) {
      return false; // at a closed gate: see tryPin(CallPins.Stack)
    }
    leases.pin();
    if (state == VersionState.ACTIVE) {
      return true;
    }
    unpin();
    return false;
  }

  /** Releases a lease taken by {@link #tryPin()}. */
  void unpin() {
    leases.unpin();
    wakeDrainerIfDraining();
  }

  /**
   * Pins the version for a bound call on {@code stack}, the calling thread's, if it is active;
   * lock-free and free of atomic instructions. The caller unpins it with {@link
   * #unpin(CallPins.Stack)} on the same thread, in the same method.
   */
  boolean tryPin(CallPins.Stack stack) {
    if (state != VersionState.ACTIVE) {
      // A caller at a closed gate turns back before it pins: the first time in a JVM, this branch
      // costs its thread a deoptimization (the compiled code had never seen it taken), and a pin
      // held meanwhile would hold the drain, hence the gate, for as long (measured: 0.4-2.8 ms).
      return false;
    }
    stack.push(callId, barrier);
    if (state == VersionState.ACTIVE) {
      return true;
    }
    unpin(stack);
    return false;
  }

  /**
   * Pins the version for a lease in a slot of {@code stack}, the calling thread's, if it is active
   * and a slot is free: lock-free and free of atomic instructions. The lease may be closed on any
   * thread, with {@link #unpinLease}.
   *
   * @return the pin; 0 if the version is not active or every slot is taken
   */
  long tryPinLease(CallPins.Stack stack) {
    if (state != VersionState.ACTIVE) {
      return 0L; // at a closed gate: see tryPin(CallPins.Stack)
    }
    long pin = stack.pinLease(callId, barrier);
    if (pin == 0L || state == VersionState.ACTIVE) {
      return pin;
    }
    unpinLease(stack, pin);
    return 0L;
  }

  /** Releases a lease's {@code pin} taken by {@link #tryPinLease}, on any thread. */
  void unpinLease(CallPins.Stack stack, long pin) {
    stack.unpinLease(pin);
    wakeDrainerIfDraining();
  }

  /** Releases the pin of a bound call taken by {@link #tryPin(CallPins.Stack)}. */
  void unpin(CallPins.Stack stack) {
    stack.pop();
    wakeDrainerIfDraining();
  }

  /** After an unpin: a version no longer active may have a drainer waiting for that pin. */
  private void wakeDrainerIfDraining() {
    if (state == VersionState.ACTIVE) {
      return;
    }
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

  /**
   * The number of open leases and bound calls, for reporting: it may miss a call just entered,
   * and may read negative if a lease was released twice (then {@link #drained()} stays false for
   * good).
   */
  long inFlight() {
    return leases.open() + callPins.count(callId);
  }

  /**
   * Whether no lease is open and no bound call runs here (and the count can be trusted to say
   * so). Call only once the state is no longer {@code ACTIVE}: only then does a true answer last.
   */
  boolean drained() {
    return leases.drained() && callPins.none(callId, barrier);
  }

  /**
   * Why {@link #awaitDrained} gave up: the calls still in flight, or a lease count that went
   * wrong.
   */
  String undrained(Duration timeout) {
    if (leases.unbalanced()) {
      return "generation " + generation + "'s lease count went below zero (it reads "
          + leases.open() + " now): a lease was released more often than it was taken (a"
          + " PluginLease closed from two threads at once?), so it cannot tell when its calls"
          + " end and stays mapped";
    }
    return inFlight() + " call(s) on generation " + generation + " still in flight after " + timeout
        + "; raise reload.drain-timeout or shorten those calls";
  }

  /**
   * Logs why a closing registry leaves this version mapped after waiting {@code timeout} for its
   * leases.
   */
  void warnLeftMapped(Duration timeout) {
    if (leases.unbalanced()) {
      log.warn("plugin '{}' {}", pluginName, undrained(timeout));
    } else {
      log.warn(
          "plugin '{}' generation {} still has {} lease(s) open after {}; leaving it mapped"
              + " (close every lease before closing the registry)",
          pluginName,
          generation,
          inFlight(),
          timeout);
    }
  }

  private void reportUnbalanced() {
    log.error(
        "plugin '{}' generation {}: a lease was released more often than it was taken; a"
            + " PluginLease must be closed by one thread (closing it from two threads at once"
            + " releases it twice). This version can no longer tell when its last call ends,"
            + " so it is never unmapped: its stateful reloads fail at drain and close leaves it"
            + " mapped",
        pluginName,
        generation);
  }

  /**
   * Waits until no lease is open. Call only once the state is no longer {@code ACTIVE}, from one
   * thread at a time.
   *
   * @return whether the version drained within {@code timeout}; false at once if the thread is
   *     interrupted (the interrupt stays set) or the lease count is unbalanced (it can never
   *     drain); {@link #undrained} says which
   */
  boolean awaitDrained(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    drainWaiter = Thread.currentThread();
    try {
      while (!drained()) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || leases.unbalanced() || Thread.currentThread().isInterrupted()) {
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
    // The map's own entry goes into the cache: callers alternating between symbols allocate
    // nothing (a new pair per lookup was the most a by-name caller allocated, in the reload
    // harness: 240 MB over 3000 reloads, more than its leases and its JNA argument arrays).
    Resolved resolved = functions.get(symbol);
    if (resolved == null) {
      resolved = resolve(symbol);
    }
    lastResolved = resolved;
    return resolved.function();
  }

  /** A symbol and its function, published together. */
  private record Resolved(String symbol, Function function) {}

  private Resolved resolve(String symbol) {
    try {
      return functions.computeIfAbsent(
          symbol, name -> new Resolved(name, library.getFunction(name)));
    } catch (UnsatisfiedLinkError e) {
      throw new PluginException(
          "plugin '" + pluginName + "' generation " + generation + " does not export '" + symbol
              + "' (library " + sourcePath + ")",
          e);
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
   * Runs the optional {@value LifecycleExports#SHUTDOWN} export and unmaps the library, then has
   * the
   * registry check that the OS really let it go ({@link ResidentVersions#unmapped}). Call only once
   * no lease is open and none can be taken.
   */
  void dispose() {
    state = VersionState.RETIRED;
    try {
      if (hasSymbol(LifecycleExports.SHUTDOWN)) {
        function(LifecycleExports.SHUTDOWN).invokeVoid(new Object[0]);
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
