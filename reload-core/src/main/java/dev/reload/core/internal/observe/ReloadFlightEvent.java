package dev.reload.core.internal.observe;

import dev.reload.PluginVersion;
import dev.reload.ReloadOutcome;
import java.util.Locale;
import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * The JDK Flight Recorder event {@code dev.reload.Reload}: one per reload or rollback attempt,
 * whatever its end, begun when the attempt starts and committed when it ends, so that its start
 * time and duration are the attempt's. Enabled by default: custom events are, and the JDK's
 * {@code default} and {@code profile} settings do not name it. At most one object per attempt, on
 * the reload thread only, and none until Flight Recorder is initialized ({@link FlightEvents}).
 *
 * <p>Not thread-safe, as no JFR event is: confined to the thread that runs the attempt.
 */
@Name("dev.reload.Reload")
@Label("Reload")
@Category("Reload")
@Description("A reload or rollback of a native plugin, from admission to its end, with the time"
    + " each step took and how long callers waited at its gate")
// Always the reload thread inside the pipeline: the same stack every time, so not worth taking.
@StackTrace(false)
public final class ReloadFlightEvent extends Event {

  @Label("Plugin")
  String plugin;

  @Label("Kind")
  @Description("reload (a changed file, or PluginRegistry.reload) or rollback")
  String kind;

  @Label("From Generation")
  @Description("The generation serving when the attempt began")
  long fromGeneration;

  @Label("To Generation")
  @Description("The generation serving when the attempt ended: the new one after a swap or a"
      + " rollback, the same as From Generation after a failure or when the file was unchanged")
  long toGeneration;

  @Label("Outcome")
  @Description("swapped, rolled_back, unchanged or failed, as the outcome tag of reload.duration")
  String outcome;

  @Label("Failing Step")
  @Description("The step that failed (trust, copy, verify, preflight, load, drain, snapshot,"
      + " restore, swap); null when none did")
  String failingStep;

  @Label("Failure")
  @Description("Why it failed, as ReloadOutcome.Failed.reason(); null when it did not")
  String failure;

  @Label("Stage Time")
  @Description("Admission: trust, copy into the shadow directory, ELF checks, preflight")
  @Timespan(Timespan.NANOSECONDS)
  public long stageTime;

  @Label("Load Time")
  @Description("Mapping the copy in this process and running its init export")
  @Timespan(Timespan.NANOSECONDS)
  public long loadTime;

  @Label("Drain Time")
  @Description("Waiting for the calls in flight on the outgoing version; stateful plugins only")
  @Timespan(Timespan.NANOSECONDS)
  public long drainTime;

  @Label("State Time")
  @Description("StateSnapshot capture and restore; stateful plugins only")
  @Timespan(Timespan.NANOSECONDS)
  public long stateTime;

  @Label("Gated Time")
  @Description("How long new callers were held at the closed gate, from its closing to its"
      + " opening; zero for a stateless plugin, whose callers are never held")
  @Timespan(Timespan.NANOSECONDS)
  public long gatedTime;

  /**
   * Ends the attempt. True if a recording takes the event: the caller then sets the times and
   * {@link #commit(ReloadOutcome, long) commits}; false, and there is nothing more to do.
   */
  public boolean endWanted() {
    // end() first: without it shouldCommit() sees no duration and refuses under any threshold.
    end();
    return shouldCommit();
  }

  /** Fills in what {@code outcome} says and commits; call only after {@link #endWanted()}. */
  public void commit(ReloadOutcome outcome, long fromGeneration) {
    plugin = outcome.plugin();
    kind = outcome.kind().name().toLowerCase(Locale.ROOT);
    this.fromGeneration = fromGeneration;
    toGeneration = serving(outcome).generation();
    this.outcome = OutcomeNames.outcome(outcome);
    failingStep = OutcomeNames.failingStep(outcome);
    failure = outcome instanceof ReloadOutcome.Failed failed ? failed.reason() : null;
    commit();
  }

  /** The version that serves once the attempt has ended. */
  private static PluginVersion serving(ReloadOutcome outcome) {
    if (outcome instanceof ReloadOutcome.Swapped swapped) {
      return swapped.to();
    }
    if (outcome instanceof ReloadOutcome.RolledBack rolledBack) {
      return rolledBack.to();
    }
    if (outcome instanceof ReloadOutcome.Failed failed) {
      return failed.current();
    }
    return ((ReloadOutcome.Unchanged) outcome).current();
  }
}
