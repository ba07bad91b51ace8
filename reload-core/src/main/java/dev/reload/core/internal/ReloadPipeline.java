package dev.reload.core.internal;

import dev.reload.PluginException;
import dev.reload.ReloadEvent;
import dev.reload.ReloadOutcome;
import dev.reload.ReloadStep;
import dev.reload.spi.StatePayload;
import dev.reload.spi.StateSnapshot;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reload pipeline of DESIGN.md: stage, load, Before, gate and drain, snapshot and restore,
 * swap, After, retire. Any failure before the swap unloads the candidate, reopens the gate and
 * leaves the outgoing version current with its state untouched.
 *
 * <p>Thread-safe as long as each call holds the plugin's reload lock ({@link ReloadQueue}), which
 * the scheduler guarantees; user code (listeners, snapshots) runs without any other lock held.
 */
final class ReloadPipeline {

  private static final Logger log = LoggerFactory.getLogger(ReloadPipeline.class);

  private final ShadowStore store;
  private final Platform platform;
  private final Listeners listeners;
  private final ReloadObserver observer;
  private final Retirer retirer;
  private final Duration drainTimeout;
  private final boolean retainPrevious;
  private final Clock clock;
  /** Null when the preflight is off. */
  private final Preflight preflight;
  private final TrustPolicy trust;
  private final ResidentVersions residents;

  ReloadPipeline(ShadowStore store, Platform platform, Listeners listeners,
      ReloadObserver observer, Retirer retirer, Duration drainTimeout, boolean retainPrevious,
      Clock clock, Preflight preflight, TrustPolicy trust, ResidentVersions residents) {
    this.residents = residents;
    this.preflight = preflight;
    this.trust = trust;
    this.store = store;
    this.platform = platform;
    this.listeners = listeners;
    this.observer = observer;
    this.retirer = retirer;
    this.drainTimeout = drainTimeout;
    this.retainPrevious = retainPrevious;
    this.clock = clock;
  }

  /**
   * Loads a plugin's first version.
   *
   * @throws PluginException saying why the library cannot serve
   */
  void loadInitial(ManagedPlugin plugin) {
    ShadowStore.StagedCopy copy = null;
    try {
      copy = stage(plugin, plugin.sourcePath());
      LoadedVersion version = load(plugin, copy, 1);
      plugin.swap(version);
      log.info("plugin '{}' loaded generation 1 from {} (sha256 {})", plugin.name(),
          copy.source(), copy.sha256());
    } catch (StepFailure e) {
      if (copy != null) {
        store.delete(copy.path());
      }
      throw new PluginException("plugin '" + plugin.name() + "' cannot be loaded at "
          + e.step().name().toLowerCase(Locale.ROOT) + ": " + e.getMessage(), e);
    }
  }

  /** Reloads from the plugin's library file. Caller holds the plugin's reload lock. */
  ReloadOutcome reload(ManagedPlugin plugin) {
    return run(plugin, plugin.sourcePath(), false);
  }

  /** Returns to the previous good version. Caller holds the plugin's reload lock. */
  ReloadOutcome rollback(ManagedPlugin plugin) {
    LoadedVersion previous = plugin.previousVersion();
    if (previous == null) {
      long start = System.nanoTime();
      return fail(new Attempt(plugin, start), new StepFailure(ReloadStep.STAGE,
          "no previous version to roll back to" + (retainPrevious ? " (nothing was reloaded yet)"
              : " (reload.retain-previous is off)")));
    }
    return run(plugin, previous.shadowPath(), true);
  }

  private ReloadOutcome run(ManagedPlugin plugin, Path source, boolean rollback) {
    Attempt attempt = new Attempt(plugin, System.nanoTime());
    LoadedVersion from = plugin.currentVersion();
    try {
      attempt.copy = stage(plugin, source);
      attempt.staged = System.nanoTime();
      if (!rollback && attempt.copy.sha256().equals(from.sha256())) {
        store.delete(attempt.copy.path());
        return unchanged(plugin, from, attempt);
      }
      attempt.step = ReloadStep.LOAD;
      attempt.candidate = load(plugin, attempt.copy, from.generation() + 1);
      attempt.loaded = System.nanoTime();
      listeners.fire(new ReloadEvent.Before(plugin.name(), from, attempt.candidate));
      if (plugin.stateful()) {
        moveState(plugin, from, attempt);
      }
      attempt.step = ReloadStep.SWAP;
      plugin.swap(attempt.candidate);
    } catch (StepFailure e) {
      return fail(attempt, e);
    } catch (Throwable e) {
      // Whatever user code threw, even an Error, the gate must reopen and the candidate go.
      return fail(attempt, new StepFailure(attempt.step, e.toString(), e));
    }
    return swapped(plugin, from, attempt, rollback);
  }

  /**
   * Step 1: checks that the library file may be trusted, copies it (from its real path, the one
   * checked) under the library's own file name, and checks the copy: pinned hash, signature,
   * exported symbols. A rollback copies an older copy, which passed all this when first staged.
   */
  private ShadowStore.StagedCopy stage(ManagedPlugin plugin, Path source) throws StepFailure {
    boolean fresh = source.equals(plugin.sourcePath());
    TrustPolicy.Checked checked = fresh ? trust.checkSource(source) : null;
    ShadowStore.StagedCopy copy =
        store.stage(plugin.name(), fresh ? checked.realPath() : source, plugin.sourcePath());
    try {
      if (fresh) {
        trust.confirm(checked, source);
        trust.checkCopy(copy, plugin.settings().sha256(), plugin.sourcePath());
      }
      if (platform.usesElf()) {
        ElfCheck.requireExports(copy.path(), plugin.sourcePath(),
            plugin.settings().requiredSymbols());
      }
      return copy;
    } catch (StepFailure e) {
      store.delete(copy.path());
      throw e;
    }
  }

  /** Step 2: loads the copy in the probe process first (when the preflight is on), then here. */
  private LoadedVersion load(ManagedPlugin plugin, ShadowStore.StagedCopy copy, long generation)
      throws StepFailure {
    if (preflight != null) {
      preflight.check(copy, plugin.settings().requiredSymbols());
    }
    return LoadedVersion.load(plugin.name(), generation, copy, platform,
        plugin.settings().requiredSymbols(), plugin.boundApis(), clock.instant(), residents);
  }

  /** Steps 4 and 5: gate, drain, capture, restore. */
  private void moveState(ManagedPlugin plugin, LoadedVersion from, Attempt attempt)
      throws StepFailure {
    attempt.step = ReloadStep.DRAIN;
    plugin.closeGate();
    attempt.gated = true;
    long drainStart = System.nanoTime();
    if (!from.awaitDrained(drainTimeout)) {
      throw new StepFailure(ReloadStep.DRAIN, from.undrained(drainTimeout));
    }
    attempt.drained = System.nanoTime();
    observer.drained(plugin.name(), attempt.drained - drainStart);

    StateSnapshot snapshot = plugin.snapshot();
    attempt.step = ReloadStep.SNAPSHOT;
    StatePayload payload;
    try (Lease outgoing = new Lease(from, false)) {
      payload = snapshot.capture(outgoing);
    } catch (Exception | LinkageError | AssertionError | StackOverflowError e) {
      throw new StepFailure(ReloadStep.SNAPSHOT, snapshot.getClass().getName()
          + ".capture threw " + e, e);
    }
    if (payload == null) {
      throw new StepFailure(ReloadStep.SNAPSHOT, snapshot.getClass().getName()
          + ".capture returned null");
    }
    attempt.step = ReloadStep.RESTORE;
    try (Lease incoming = new Lease(attempt.candidate, false)) {
      snapshot.restore(incoming, payload);
    } catch (Exception | LinkageError | AssertionError | StackOverflowError e) {
      throw new StepFailure(ReloadStep.RESTORE, snapshot.getClass().getName()
          + ".restore threw " + e, e);
    }
  }

  private ReloadOutcome swapped(ManagedPlugin plugin, LoadedVersion from, Attempt attempt,
      boolean rollback) {
    LoadedVersion to = attempt.candidate;
    long end = System.nanoTime();
    Duration duration = Duration.ofNanos(end - attempt.start);
    plugin.lastFailure(null);
    LoadedVersion oldPrevious = plugin.previousVersion();
    plugin.previous(retainPrevious ? from : null);
    if (oldPrevious != null) {
      retirer.releaseFile(oldPrevious);
    }
    ReloadOutcome.Swapped outcome =
        new ReloadOutcome.Swapped(plugin.name(), from, to, duration, rollback);
    listeners.fire(rollback
        ? new ReloadEvent.RolledBack(plugin.name(), from, to, duration)
        : new ReloadEvent.After(plugin.name(), from, to, duration));
    observer.reloaded(outcome);
    log.info("plugin '{}' {} generation {} -> {} in {} (stage {}, load {}, drain {}, state {}; {})",
        plugin.name(), rollback ? "rolled back" : "reloaded", from.generation(), to.generation(),
        millis(end - attempt.start), millis(attempt.staged - attempt.start),
        millis(attempt.loaded - attempt.staged),
        attempt.gated ? millis(attempt.drained - attempt.loaded) : "none",
        attempt.gated ? millis(end - attempt.drained) : "none",
        attempt.gated ? "callers gated " + millis(end - attempt.loaded) : "stateless, not gated");
    retirer.retire(from, retainPrevious);
    return outcome;
  }

  private ReloadOutcome unchanged(ManagedPlugin plugin, LoadedVersion current, Attempt attempt) {
    ReloadOutcome.Unchanged outcome = new ReloadOutcome.Unchanged(plugin.name(), current,
        Duration.ofNanos(System.nanoTime() - attempt.start));
    observer.reloaded(outcome);
    log.debug("plugin '{}': {} has the same bytes as generation {}; nothing to reload",
        plugin.name(), plugin.sourcePath(), current.generation());
    return outcome;
  }

  private ReloadOutcome fail(Attempt attempt, StepFailure failure) {
    ManagedPlugin plugin = attempt.plugin;
    if (attempt.candidate != null) {
      try {
        attempt.candidate.dispose();
      } catch (RuntimeException | Error e) {
        failure.addSuppressed(e);
      }
    }
    if (attempt.copy != null) {
      store.delete(attempt.copy.path());
    }
    if (attempt.gated) {
      plugin.reopenGate();
    }
    LoadedVersion current = plugin.currentVersion();
    Duration duration = Duration.ofNanos(System.nanoTime() - attempt.start);
    PluginException cause = new PluginException(failure.getMessage(), failure.getCause());
    for (Throwable suppressed : failure.getSuppressed()) {
      cause.addSuppressed(suppressed);
    }
    ReloadOutcome.Failed outcome = new ReloadOutcome.Failed(plugin.name(), current,
        failure.step(), cause, duration);
    plugin.lastFailure(outcome);
    listeners.fire(new ReloadEvent.Failed(plugin.name(), current, plugin.sourcePath(),
        failure.step(), cause, duration));
    observer.reloaded(outcome);
    log.warn("plugin '{}' reload failed at {} after {} (generation {} keeps serving): {}",
        plugin.name(), failure.step().name().toLowerCase(Locale.ROOT), millis(duration.toNanos()),
        current.generation(), failure.getMessage(), failure.getCause());
    return outcome;
  }

  private static String millis(long nanos) {
    return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
  }

  /** What one run has done so far, for timings and for undoing it. Confined to the reload thread. */
  private static final class Attempt {
    final ManagedPlugin plugin;
    final long start;
    long staged;
    long loaded;
    long drained;
    ReloadStep step = ReloadStep.STAGE;
    ShadowStore.StagedCopy copy;
    LoadedVersion candidate;
    boolean gated;

    Attempt(ManagedPlugin plugin, long start) {
      this.plugin = plugin;
      this.start = start;
    }
  }
}
