package dev.reload.core.internal;

import dev.reload.Plugin;
import dev.reload.PluginException;
import dev.reload.PluginLease;
import dev.reload.PluginSettings;
import dev.reload.PluginVersion;
import dev.reload.ReloadOutcome;
import dev.reload.VersionState;
import dev.reload.core.internal.observe.FlightEvents;
import dev.reload.core.internal.observe.GatePauseFlightEvent;
import dev.reload.core.internal.observe.ReloadObserver;
import dev.reload.spi.StateSnapshot;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The stable facade of one plugin: it points at the current version and hands out leases on it.
 *
 * <p><b>Concurrency.</b> Thread-safe. The call paths ({@link #acquire()} for leases, {@link
 * #pin(CallPins.Stack)} for bound calls) read {@link #current} and pin it without a lock. Only
 * the thread holding the plugin's reload lock, owned by {@link #reloads},
 * changes {@link #current}, {@link #previous}, {@link #boundApis} and version states, so reloads,
 * binds and the close of one plugin never overlap; releasing that lock hands any queued request
 * on, whoever held it. A stateful reload closes the gate by setting the current version to {@code
 * DRAINING}: callers that find it so wait on {@link #gate} until the reload swaps or gives up, both
 * of which happen under {@link #gate} and notify it.
 *
 * <p>{@link #bind} may run on the reload's own thread (a listener or a {@code StateSnapshot}): the
 * lock is reentrant, the interface is registered to the current version at once, and {@link #swap}
 * registers it to the incoming version, loaded before the bind, before that version serves.
 */
final class ManagedPlugin implements Plugin {

  private final PluginSettings settings;
  private final Path sourcePath;
  /** The application's, not necessarily thread-safe: used under the reload lock only. */
  private final StateSnapshot snapshot;

  private final ReloadObserver observer;
  /** The registry's count of unloaded versions still mapped; thread-safe. */
  private final ResidentVersions residents;
  /** The registry's pins of bound calls and slotted leases; thread-safe. */
  private final CallPins callPins;
  /** The reload lock and the queued reload requests; thread-safe. */
  private final ReloadQueue reloads;
  /** Monitor callers wait on while the gate is closed. */
  private final Object gate = new Object();

  /**
   * The serving version. Written under the reload lock and {@link #gate} (the first load, before
   * the plugin is published, needs neither); read lock-free.
   */
  private volatile LoadedVersion current;
  /**
   * The last good version before {@link #current}, unmapped, kept on disk for rollback. Written
   * under the reload lock.
   */
  private volatile LoadedVersion previous;
  /** Interfaces bound with direct mapping, by slot. Copy on write under the reload lock. */
  private volatile DirectApi[] boundApis = new DirectApi[0];
  /** The last failed reload, cleared by a successful one. Written under the reload lock. */
  private volatile ReloadOutcome.Failed lastFailure;
  /**
   * Why new leases and binds are refused ("was removed from the registry"), set once by {@link
   * #closeForGood}, under the reload lock and {@link #gate}; null while open.
   */
  private volatile String closedBecause;

  ManagedPlugin(
      PluginSettings settings,
      Path sourcePath,
      StateSnapshot snapshot,
      ReloadObserver observer,
      ResidentVersions residents,
      CallPins callPins) {
    this.settings = settings;
    this.sourcePath = sourcePath;
    this.snapshot = snapshot;
    this.observer = observer;
    this.residents = residents;
    this.callPins = callPins;
    this.reloads = new ReloadQueue(settings.name());
  }

  @Override
  public String name() {
    return settings.name();
  }

  @Override
  public PluginVersion current() {
    return current;
  }

  @Override
  public Optional<PluginVersion> previous() {
    return Optional.ofNullable(previous);
  }

  @Override
  public boolean stateful() {
    return snapshot != null;
  }

  @Override
  public Optional<ReloadOutcome.Failed> lastFailure() {
    return Optional.ofNullable(lastFailure);
  }

  @Override
  public List<PluginVersion> residentVersions() {
    return residents.of(name());
  }

  @Override
  public PluginLease acquire() {
    CallPins.Stack slots = callPins.mine();
    LoadedVersion version = current;
    long pin = version.tryPinLease(slots);
    if (pin != 0L) {
      return Lease.slotted(version, slots, pin);
    }
    // Every slot of this thread taken, or the gate closed: counted, and waiting at the gate.
    return Lease.counted(pin());
  }

  /**
   * Binds a public interface with JNA direct mapping (one generated class per loaded version, at
   * direct-mapping speed); any other interface through a {@link java.lang.reflect.Proxy}. Every
   * later version must export the interface's symbols, or its reload fails at load (at swap if the
   * interface was first bound during that reload).
   *
   * @throws IllegalStateException if the registry is closed
   */
  @Override
  public <T> T bind(Class<T> api) {
    requireOpen();
    if (!DirectApi.supports(api)) {
      return BoundInterface.create(this, api);
    }
    DirectApi direct = DirectApi.of(api);
    return api.cast(reloads.hold(() -> {
      requireOpen(); // close() closes under the lock: checked again where it cannot change
      return direct.newBound(this, slotOf(direct));
    }));
  }

  /**
   * The slot of {@code direct}, registered to the current version first if it is new. Caller holds
   * the reload lock.
   */
  private int slotOf(DirectApi direct) {
    DirectApi[] apis = boundApis;
    int slot = List.of(apis).indexOf(direct);
    if (slot < 0) {
      slot = apis.length;
      current.attach(direct, slot);
      DirectApi[] grown = Arrays.copyOf(apis, slot + 1);
      grown[slot] = direct;
      boundApis = grown;
    }
    return slot;
  }

  private void requireOpen() {
    if (closedBecause != null) {
      throw closedException();
    }
  }

  private IllegalStateException closedException() {
    return new IllegalStateException("plugin '" + name() + "' " + closedBecause);
  }

  /** Interfaces bound with direct mapping, by slot; every new version registers them all. */
  DirectApi[] boundApis() {
    return boundApis;
  }

  /** Pins the current version for a counted lease: lock-free unless the gate is closed. */
  private LoadedVersion pin() {
    LoadedVersion version = current;
    if (version.tryPin()) {
      return version;
    }
    return pinAfterGate(null);
  }

  /** The registry's pins of bound calls, whose {@link CallPins#mine()} a bound call pins on. */
  CallPins callPins() {
    return callPins;
  }

  /**
   * How this plugin's versions order their pins against their drains: a stateful plugin's callers
   * wait at the gate for the drain, so its pins take a fence and its drain none of the
   * membarrier's interrupts; a stateless plugin's drain waits for nobody, so its pins are free.
   */
  CallPins.Barrier pinBarrier() {
    return stateful() ? CallPins.Barrier.ON_BOTH : CallPins.Barrier.ON_DRAIN;
  }

  /**
   * Pins the current version for a bound call on {@code stack}, the calling thread's: lock-free
   * and free of atomic instructions unless the gate is closed (a stateful plugin's pin takes a
   * fence, see {@link #pinBarrier()}). Unpin it with {@link
   * LoadedVersion#unpin(CallPins.Stack)} on this thread before the calling method returns.
   */
  LoadedVersion pin(CallPins.Stack stack) {
    LoadedVersion version = current;
    if (version.tryPin(stack)) {
      return version;
    }
    return pinAfterGate(stack);
  }

  /** Pins for a bound call on {@code stack}, or for a lease if it is null. */
  private LoadedVersion pinAfterGate(CallPins.Stack stack) {
    long start = System.nanoTime();
    // Here, not in pin(): only a caller that found the gate closed may pay for JFR.
    GatePauseFlightEvent pause = FlightEvents.beginGatePause();
    boolean waited = false;
    long heldOn = 0;
    LoadedVersion pinned = null;
    long pinnedAt = 0;
    synchronized (gate) {
      while (pinned == null) {
        if (closedBecause != null) {
          throw closedException();
        }
        LoadedVersion version = current;
        if (stack == null ? version.tryPin() : version.tryPin(stack)) {
          pinned = version;
          pinnedAt = System.nanoTime();
        } else if (version == current && version.state() == VersionState.DRAINING) {
          if (reloads.isHeldByCurrentThread()) {
            throw new IllegalStateException("plugin '" + name() + "' is called from its own"
                + " reload while its gate is closed; a StateSnapshot or listener must use the lease"
                + " it is given, not acquire() or a bound interface");
          }
          if (!waited) {
            heldOn = version.generation();
            waited = true;
          }
          try {
            gate.wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(
                "interrupted while plugin '" + name() + "' was swapping versions", e);
          }
        }
      }
    }
    // Recorded off the gate's monitor: the callers woken with this one need it to get going.
    if (waited) {
      if (pause != null) {
        pause.end(name(), heldOn, pinned.generation());
      }
      observer.callerPaused(name(), pinnedAt - start);
    }
    return pinned;
  }

  /** Closes the gate: new callers wait, in-flight leases drain. Caller holds the reload lock. */
  void closeGate() {
    current.state(VersionState.DRAINING);
  }

  /** Reopens the gate on the current version after a reload that gave up. */
  void reopenGate() {
    synchronized (gate) {
      current.state(VersionState.ACTIVE);
      gate.notifyAll();
    }
  }

  /**
   * Makes {@code incoming} current and the outgoing version {@code DRAINING}, then wakes callers
   * waiting at the gate. First registers to {@code incoming} the interfaces bound after it was
   * loaded (by a listener or a snapshot of this reload), so that no binding ever finds its slot
   * missing. Caller holds the reload lock.
   *
   * @return the outgoing version
   * @throws PluginException if {@code incoming} cannot serve such an interface; nothing changed
   */
  LoadedVersion swap(LoadedVersion incoming) {
    DirectApi[] apis = boundApis;
    for (int slot = incoming.attached(); slot < apis.length; slot++) {
      incoming.attach(apis[slot], slot);
    }
    synchronized (gate) {
      LoadedVersion outgoing = current;
      incoming.state(VersionState.ACTIVE);
      current = incoming;
      if (outgoing != null) {
        outgoing.state(VersionState.DRAINING);
      }
      gate.notifyAll();
      return outgoing;
    }
  }

  /**
   * Refuses every new lease and bind from now on; callers at the gate and later callers get an
   * {@link IllegalStateException} saying the plugin {@code because} (e.g. "was removed from the
   * registry"). Caller holds the reload lock.
   */
  LoadedVersion closeForGood(String because) {
    synchronized (gate) {
      closedBecause = because;
      LoadedVersion version = current;
      version.state(VersionState.DRAINING);
      gate.notifyAll();
      return version;
    }
  }

  /** This plugin's reload lock and queued reload requests. */
  ReloadQueue reloads() {
    return reloads;
  }

  LoadedVersion currentVersion() {
    return current;
  }

  LoadedVersion previousVersion() {
    return previous;
  }

  void previous(LoadedVersion previous) {
    this.previous = previous;
  }

  void lastFailure(ReloadOutcome.Failed failure) {
    this.lastFailure = failure;
  }

  PluginSettings settings() {
    return settings;
  }

  /** The library file this plugin loads from and watches. */
  Path sourcePath() {
    return sourcePath;
  }

  StateSnapshot snapshot() {
    return snapshot;
  }

  @Override
  public String toString() {
    return "Plugin[" + name() + ", current=" + current + "]";
  }
}
