package dev.reload.core.internal;

import dev.reload.Plugin;
import dev.reload.PluginLease;
import dev.reload.PluginVersion;
import dev.reload.ReloadOutcome;
import dev.reload.VersionState;
import dev.reload.PluginSettings;
import dev.reload.spi.StateSnapshot;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The stable facade of one plugin: it points at the current version and hands out leases on it.
 *
 * <p><b>Concurrency.</b> Thread-safe. The call path ({@link #pin()}) reads {@link #current} and pins
 * it without a lock. Only the thread holding {@link #reloadLock} changes {@link #current}, {@link
 * #previous} and version states, so reloads of one plugin never overlap. A stateful reload closes
 * the gate by setting the current version to {@code DRAINING}: callers that find it so wait on
 * {@link #gate} until the reload swaps or gives up, both of which happen under {@link #gate} and
 * notify it.
 */
final class ManagedPlugin implements Plugin {

  private final PluginSettings settings;
  private final Path sourcePath;
  private final StateSnapshot snapshot;
  private final ReloadObserver observer;
  /** The registry's count of unloaded versions still mapped; thread-safe. */
  private final ResidentVersions residents;
  /** Held by whoever runs a reload, rollback or close of this plugin. */
  final ReentrantLock reloadLock = new ReentrantLock();
  /** Monitor callers wait on while the gate is closed. */
  private final Object gate = new Object();

  /** The serving version. Written under {@link #reloadLock} and {@link #gate}; read lock-free. */
  private volatile LoadedVersion current;
  /** The last good version before {@link #current}, unmapped, kept on disk for rollback. Guarded by {@link #reloadLock} for writes. */
  private volatile LoadedVersion previous;
  /** Interfaces bound with direct mapping, by slot. Copy on write under {@link #reloadLock}. */
  private volatile DirectApi[] boundApis = new DirectApi[0];
  /** The last failed reload, cleared by a successful one. Written under {@link #reloadLock}. */
  private volatile ReloadOutcome.Failed lastFailure;
  /** Why new leases are refused, set once by {@link #closeForGood}, under {@link #gate}. */
  private volatile String closedBecause;

  ManagedPlugin(PluginSettings settings, Path sourcePath, StateSnapshot snapshot,
      ReloadObserver observer, ResidentVersions residents) {
    this.settings = settings;
    this.sourcePath = sourcePath;
    this.snapshot = snapshot;
    this.observer = observer;
    this.residents = residents;
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
    return new Lease(pin(), true);
  }

  /**
   * Binds a public interface with JNA direct mapping (one generated class per loaded version, at
   * direct-mapping speed); any other interface through a {@link java.lang.reflect.Proxy}. Every
   * later version must export the interface's symbols, or its reload fails at load.
   */
  @Override
  public <T> T bind(Class<T> api) {
    if (!DirectApi.supports(api)) {
      return BoundInterface.create(this, api);
    }
    DirectApi direct = DirectApi.of(api);
    reloadLock.lock();
    try {
      DirectApi[] apis = boundApis;
      int slot = java.util.List.of(apis).indexOf(direct);
      if (slot < 0) {
        slot = apis.length;
        current.attach(direct, slot);
        DirectApi[] grown = java.util.Arrays.copyOf(apis, slot + 1);
        grown[slot] = direct;
        boundApis = grown;
      }
      return api.cast(direct.newBound(this, slot));
    } finally {
      reloadLock.unlock();
    }
  }

  /** Interfaces bound with direct mapping, by slot; every new version registers them all. */
  DirectApi[] boundApis() {
    return boundApis;
  }

  /** Pins the current version: lock-free unless the gate is closed. */
  LoadedVersion pin() {
    LoadedVersion version = current;
    if (version.tryPin()) {
      return version;
    }
    return pinAfterGate();
  }

  private LoadedVersion pinAfterGate() {
    long start = System.nanoTime();
    boolean waited = false;
    synchronized (gate) {
      while (true) {
        if (closedBecause != null) {
          throw new IllegalStateException("plugin '" + name() + "' " + closedBecause);
        }
        LoadedVersion version = current;
        if (version.tryPin()) {
          if (waited) {
            observer.callerPaused(name(), System.nanoTime() - start);
          }
          return version;
        }
        if (version == current && version.state() == VersionState.DRAINING) {
          if (reloadLock.isHeldByCurrentThread()) {
            throw new IllegalStateException("plugin '" + name() + "' is called from its own"
                + " reload while its gate is closed; a StateSnapshot or listener must use the lease"
                + " it is given, not acquire() or a bound interface");
          }
          waited = true;
          try {
            gate.wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while plugin '" + name()
                + "' was swapping versions", e);
          }
        }
      }
    }
  }

  /** Closes the gate: new callers wait, in-flight leases drain. Caller holds {@link #reloadLock}. */
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
   * waiting at the gate. Caller holds {@link #reloadLock}.
   *
   * @return the outgoing version
   */
  LoadedVersion swap(LoadedVersion incoming) {
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
   * Refuses every new lease from now on; callers at the gate and later callers get an {@link
   * IllegalStateException} saying the plugin {@code because} (e.g. "was removed").
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

  /** Whether new leases are refused for good: the plugin was removed or its registry closed. */
  boolean isClosed() {
    return closedBecause != null;
  }

  /** Why new leases are refused, e.g. "was removed from the registry"; null while open. */
  String closedBecause() {
    return closedBecause;
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
