package dev.reload.core.internal;

import dev.reload.PluginException;
import dev.reload.ReloadEvent;
import dev.reload.ReloadKind;
import dev.reload.ReloadOutcome;
import dev.reload.ReloadStep;
import dev.reload.core.internal.admission.Admission;
import dev.reload.core.internal.admission.ShadowStore;
import dev.reload.core.internal.admission.StepFailure;
import dev.reload.core.internal.observe.FlightEvents;
import dev.reload.core.internal.observe.Listeners;
import dev.reload.core.internal.observe.OutcomeNames;
import dev.reload.core.internal.observe.ReloadFlightEvent;
import dev.reload.core.internal.observe.ReloadObserver;
import dev.reload.core.internal.platform.Platform;
import dev.reload.spi.StatePayload;
import dev.reload.spi.StateSnapshot;
import java.lang.invoke.MethodHandles;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reload pipeline: admit, load, Before, gate and drain, snapshot and restore, swap, After,
 * retire. Admission ({@link Admission}) is one step with an explicit source: the
 * library file for a first load or a reload, the copy kept of the previous version for a rollback.
 * Any failure before the swap unloads the candidate, reopens the gate and leaves the outgoing
 * version current with its state untouched.
 *
 * <p>Thread-safe as long as each call holds the plugin's reload lock ({@link ReloadQueue}), which
 * the scheduler guarantees, or is the first load of a plugin not yet published; user code
 * (listeners, snapshots) runs without any other lock held.
 */
final class ReloadPipeline {

  private static final Logger log = LoggerFactory.getLogger(ReloadPipeline.class);

  static {
    // Loaded with the engine, not by the first reload: the first capture runs while callers wait
    // at the gate, and the outcome, event and Formatter classes are needed just after it opens,
    // when the released callers need the CPU (docs/DECISIONS.md has the figures).
    try {
      for (Class<?> type : new Class<?>[] {
        StatePayload.class,
        ReloadOutcome.Swapped.class,
        ReloadOutcome.RolledBack.class,
        ReloadOutcome.Failed.class,
        ReloadEvent.After.class,
        ReloadEvent.RolledBack.class,
        ReloadEvent.Failed.class,
        OutcomeNames.class
      }) {
        MethodHandles.lookup().ensureInitialized(type);
      }
    } catch (IllegalAccessException e) {
      throw new ExceptionInInitializerError(e);
    }
    millis(0);
  }

  private final Admission admission;
  private final ShadowStore store;
  private final Platform platform;
  private final Listeners listeners;
  private final ReloadObserver observer;
  private final Retirer retirer;
  private final Duration drainTimeout;
  private final boolean retainPrevious;
  private final Clock clock;
  private final ResidentVersions residents;
  private final CallPath calls;

  ReloadPipeline(
      Admission admission,
      ShadowStore store,
      Platform platform,
      Listeners listeners,
      ReloadObserver observer,
      Retirer retirer,
      Duration drainTimeout,
      boolean retainPrevious,
      Clock clock,
      ResidentVersions residents,
      CallPath calls) {
    this.admission = admission;
    this.store = store;
    this.platform = platform;
    this.listeners = listeners;
    this.observer = observer;
    this.retirer = retirer;
    this.drainTimeout = drainTimeout;
    this.retainPrevious = retainPrevious;
    this.clock = clock;
    this.residents = residents;
    this.calls = calls;
  }

  /**
   * Loads a plugin's first version.
   *
   * @throws PluginException saying why the library cannot serve
   */
  void loadInitial(ManagedPlugin plugin) {
    Admission.Admitted copy = null;
    try {
      // Nothing serves yet, so the file cannot be unchanged: admitted or refused.
      copy = (Admission.Admitted)
          admission.admit(plugin.settings(), new Admission.NewFile(plugin.sourcePath(), null));
      LoadedVersion version = load(plugin, copy, 1);
      plugin.swap(version);
      log.info(
          "plugin '{}' loaded generation 1 from {} (sha256 {})",
          plugin.name(),
          copy.source(),
          copy.sha256());
    } catch (StepFailure e) {
      if (copy != null) {
        store.delete(copy.path());
      }
      throw new PluginException(
          "plugin '" + plugin.name() + "' cannot be loaded at "
              + e.step().name().toLowerCase(Locale.ROOT) + ": " + e.getMessage(),
          e);
    }
  }

  /** Reloads from the plugin's library file. Caller holds the plugin's reload lock. */
  ReloadOutcome reload(ManagedPlugin plugin) {
    return run(plugin, new Admission.NewFile(plugin.sourcePath(), plugin.currentVersion()));
  }

  /** Returns to the previous good version. Caller holds the plugin's reload lock. */
  ReloadOutcome rollback(ManagedPlugin plugin) {
    LoadedVersion previous = plugin.previousVersion();
    if (previous == null) {
      long start = System.nanoTime();
      return fail(
          new Attempt(plugin, ReloadKind.ROLLBACK, start),
          new StepFailure(
              ReloadStep.COPY,
              "no previous version to roll back to"
                  + (retainPrevious
                      ? " (nothing was reloaded yet)"
                      : " (reload.retain-previous is off)")));
    }
    return run(plugin, new Admission.RetainedCopy(previous));
  }

  private ReloadOutcome run(ManagedPlugin plugin, Admission.Source source) {
    ReloadKind kind =
        source instanceof Admission.RetainedCopy ? ReloadKind.ROLLBACK : ReloadKind.RELOAD;
    Attempt attempt = new Attempt(plugin, kind, System.nanoTime());
    LoadedVersion from = plugin.currentVersion();
    try {
      Admission.Decision decision = admission.admit(plugin.settings(), source);
      if (decision instanceof Admission.Unchanged) {
        return unchanged(plugin, from, attempt);
      }
      attempt.copy = (Admission.Admitted) decision;
      attempt.admitted = System.nanoTime();
      attempt.step = ReloadStep.LOAD;
      attempt.candidate = load(plugin, attempt.copy, from.generation() + 1);
      attempt.loaded = System.nanoTime();
      listeners.fire(new ReloadEvent.Before(plugin.name(), from, attempt.candidate));
      if (plugin.stateful()) {
        moveState(plugin, from, attempt);
      }
      attempt.step = ReloadStep.SWAP;
      plugin.swap(attempt.candidate);
      attempt.gateOpened = System.nanoTime();
    } catch (StepFailure e) {
      return fail(attempt, e);
    } catch (Throwable e) {
      // Whatever user code threw, even an Error, the gate must reopen and the candidate go.
      return fail(attempt, new StepFailure(attempt.step, e.toString(), e));
    }
    return swapped(plugin, from, attempt);
  }

  /** Step 2: maps the admitted copy in this process and runs its init export. */
  private LoadedVersion load(ManagedPlugin plugin, Admission.Admitted copy, long generation)
      throws StepFailure {
    return LoadedVersion.load(
        plugin.name(),
        generation,
        copy,
        platform,
        plugin.settings().requiredSymbols(),
        plugin.boundApis(),
        calls,
        plugin.callPins(),
        plugin.pinBarrier(),
        clock.instant(),
        residents);
  }

  /**
   * Steps 4 and 5: gate, drain, capture, restore. Callers wait from {@code closeGate} until the
   * swap, so only the work that needs the gate runs in between: the leases are made before it
   * closes and the drain time is reported after it opens ({@link #reportDrain}); on the first
   * reload of a JVM either would load classes, or register a meter, with callers waiting.
   */
  private void moveState(ManagedPlugin plugin, LoadedVersion from, Attempt attempt)
      throws StepFailure {
    StateSnapshot snapshot = plugin.snapshot();
    Lease outgoing = Lease.unpinned(from);
    Lease incoming = Lease.unpinned(attempt.candidate);
    attempt.step = ReloadStep.DRAIN;
    // A fresh time slice for the gated window: a preemption inside it holds callers for ms.
    Thread.yield();
    plugin.closeGate();
    attempt.gateClosed = System.nanoTime();
    if (!from.awaitDrained(drainTimeout)) {
      throw new StepFailure(ReloadStep.DRAIN, from.undrained(drainTimeout));
    }
    attempt.drained = System.nanoTime();

    attempt.step = ReloadStep.SNAPSHOT;
    StatePayload payload;
    try (outgoing) {
      payload = snapshot.capture(outgoing);
    } catch (Exception | LinkageError | AssertionError | StackOverflowError e) {
      throw new StepFailure(
          ReloadStep.SNAPSHOT, snapshot.getClass().getName() + ".capture threw " + e, e);
    }
    if (payload == null) {
      throw new StepFailure(
          ReloadStep.SNAPSHOT, snapshot.getClass().getName() + ".capture returned null");
    }
    attempt.step = ReloadStep.RESTORE;
    try (incoming) {
      snapshot.restore(incoming, payload);
    } catch (Exception | LinkageError | AssertionError | StackOverflowError e) {
      throw new StepFailure(
          ReloadStep.RESTORE, snapshot.getClass().getName() + ".restore threw " + e, e);
    }
    attempt.restored = System.nanoTime();
  }

  /** Reports how long the outgoing version took to drain, if it did; call once the gate is open. */
  private void reportDrain(Attempt attempt) {
    if (attempt.drained != Attempt.NOT_YET) {
      observer.drained(attempt.plugin.name(), attempt.drained - attempt.gateClosed);
    }
  }

  private ReloadOutcome swapped(ManagedPlugin plugin, LoadedVersion from, Attempt attempt) {
    reportDrain(attempt);
    boolean rollback = attempt.kind == ReloadKind.ROLLBACK;
    LoadedVersion to = attempt.candidate;
    long end = System.nanoTime();
    Duration duration = Duration.ofNanos(end - attempt.start);
    plugin.lastFailure(null);
    LoadedVersion oldPrevious = plugin.previousVersion();
    plugin.previous(retainPrevious ? from : null);
    if (oldPrevious != null) {
      retirer.releaseFile(oldPrevious);
    }
    Duration gated = Duration.ofNanos(attempt.gatedNanos(end));
    ReloadOutcome outcome;
    if (rollback) {
      outcome = new ReloadOutcome.RolledBack(plugin.name(), from, to, duration);
      listeners.fire(new ReloadEvent.RolledBack(plugin.name(), from, to, duration, gated));
    } else {
      outcome = new ReloadOutcome.Swapped(plugin.name(), from, to, duration);
      listeners.fire(new ReloadEvent.After(plugin.name(), from, to, duration, gated));
    }
    observer.reloaded(outcome);
    log.info(
        "plugin '{}' {} generation {} -> {} in {} (admit {}, load {}, drain {}, state {}; {})",
        plugin.name(),
        rollback ? "rolled back" : "reloaded",
        from.generation(),
        to.generation(),
        millis(end - attempt.start),
        millis(attempt.stageNanos(end)),
        millis(attempt.loadNanos(end)),
        attempt.gated() ? millis(attempt.drainNanos(end)) : "none",
        attempt.gated() ? millis(attempt.stateNanos(end)) : "none",
        attempt.gated()
            ? "callers gated " + millis(attempt.gatedNanos(end))
            : "stateless, not gated");
    retirer.retire(from, retainPrevious);
    attempt.record(outcome, end);
    return outcome;
  }

  private ReloadOutcome unchanged(ManagedPlugin plugin, LoadedVersion current, Attempt attempt) {
    long end = System.nanoTime();
    ReloadOutcome.Unchanged outcome =
        new ReloadOutcome.Unchanged(plugin.name(), current, Duration.ofNanos(end - attempt.start));
    observer.reloaded(outcome);
    log.debug(
        "plugin '{}': {} has the same bytes as generation {}; nothing to reload",
        plugin.name(),
        plugin.sourcePath(),
        current.generation());
    attempt.record(outcome, end);
    return outcome;
  }

  private ReloadOutcome fail(Attempt attempt, StepFailure failure) {
    ManagedPlugin plugin = attempt.plugin;
    long failed = System.nanoTime();
    // First, so callers wait for nothing more: the candidate never served, so none can reach it.
    if (attempt.gated()) {
      plugin.reopenGate();
      attempt.gateOpened = System.nanoTime();
    }
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
    reportDrain(attempt);
    LoadedVersion current = plugin.currentVersion();
    Duration duration = Duration.ofNanos(System.nanoTime() - attempt.start);
    PluginException cause = new PluginException(failure.getMessage(), failure.getCause());
    for (Throwable suppressed : failure.getSuppressed()) {
      cause.addSuppressed(suppressed);
    }
    ReloadOutcome.Failed outcome = new ReloadOutcome.Failed(
        plugin.name(), attempt.kind, current, plugin.sourcePath(), failure.step(), cause, duration);
    plugin.lastFailure(outcome);
    listeners.fire(new ReloadEvent.Failed(outcome, Duration.ofNanos(attempt.gatedNanos(failed))));
    observer.reloaded(outcome);
    log.warn(
        "plugin '{}' {} failed at {} after {} (generation {} keeps serving): {}",
        plugin.name(),
        attempt.kind == ReloadKind.ROLLBACK ? "rollback" : "reload",
        OutcomeNames.failingStep(outcome),
        millis(duration.toNanos()),
        current.generation(),
        failure.getMessage(),
        failure.getCause());
    attempt.record(outcome, failed);
    return outcome;
  }

  private static String millis(long nanos) {
    return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
  }

  /**
   * What one run has done so far, for timings and for undoing it. Confined to the reload thread.
   * Its {@code System.nanoTime()} stamps read {@link #NOT_YET} until the run gets there.
   */
  private static final class Attempt {
    static final long NOT_YET = Long.MIN_VALUE;

    final ManagedPlugin plugin;
    final ReloadKind kind;
    final long start;
    /** The generation serving when the run began. */
    final long fromGeneration;
    /** Begun with the run, so that it spans the run; null while JFR has never been initialized. */
    final ReloadFlightEvent flight = FlightEvents.beginReload();

    long admitted = NOT_YET;
    long loaded = NOT_YET;
    long gateClosed = NOT_YET;
    long drained = NOT_YET;
    long restored = NOT_YET;
    long gateOpened = NOT_YET;
    /** Admission names its own steps; this one is where the pipeline is after it. */
    ReloadStep step = ReloadStep.LOAD;

    Admission.Admitted copy;
    LoadedVersion candidate;

    Attempt(ManagedPlugin plugin, ReloadKind kind, long start) {
      this.plugin = plugin;
      this.kind = kind;
      this.start = start;
      this.fromGeneration = plugin.currentVersion().generation();
    }

    /** Whether the run closed the plugin's gate; it opens again by the end of the run. */
    boolean gated() {
      return gateClosed != NOT_YET;
    }

    /**
     * Commits the run's {@code dev.reload.Reload} JFR event, if a recording takes it, with the
     * times the log line gives too.
     */
    void record(ReloadOutcome outcome, long stepsEnded) {
      if (flight == null || !flight.endWanted()) {
        return;
      }
      flight.stageTime = stageNanos(stepsEnded);
      flight.loadTime = loadNanos(stepsEnded);
      flight.drainTime = drainNanos(stepsEnded);
      flight.stateTime = stateNanos(stepsEnded);
      flight.gatedTime = gatedNanos(stepsEnded);
      flight.commit(outcome, fromGeneration);
    }

    // The times of the steps. One that began and never ended (the one that failed) counts until
    // stepsEnded; one that never began counts 0.

    /** Admission. */
    long stageNanos(long stepsEnded) {
      return span(start, admitted, stepsEnded);
    }

    /** Mapping the copy and its init. */
    long loadNanos(long stepsEnded) {
      return span(admitted, loaded, stepsEnded);
    }

    /** Waiting for the outgoing version's leases, gate closed. */
    long drainNanos(long stepsEnded) {
      return span(gateClosed, drained, stepsEnded);
    }

    /** Capture and restore. */
    long stateNanos(long stepsEnded) {
      return span(drained, restored, stepsEnded);
    }

    /** From the gate's closing to its opening: how long new callers were held. */
    long gatedNanos(long stepsEnded) {
      return span(gateClosed, gateOpened, stepsEnded);
    }

    /**
     * From {@code began} to {@code ended}, or to {@code otherwise} if it never ended; 0 if never
     * begun.
     */
    private static long span(long began, long ended, long otherwise) {
      if (began == NOT_YET) {
        return 0;
      }
      return (ended == NOT_YET ? otherwise : ended) - began;
    }
  }
}
