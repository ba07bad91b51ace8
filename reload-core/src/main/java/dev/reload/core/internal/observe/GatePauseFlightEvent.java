package dev.reload.core.internal.observe;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Threshold;

/**
 * The JDK Flight Recorder event {@code dev.reload.GatePause}: a caller of a stateful plugin held at
 * its closed gate for longer than the event's threshold (100 µs unless a recording's settings say
 * otherwise). Its start and duration are the caller's pause. Its stack trace, taken as JFR's
 * default is, names the call that waited.
 *
 * <p>Only a caller that finds the gate closed ever reaches this class, through {@link
 * FlightEvents#beginGatePause}; the call path through an open gate does not touch JFR. Even there,
 * nothing is allocated until Flight Recorder has been initialized in this JVM.
 *
 * <p>Not thread-safe, as no JFR event is: each pause is confined to the caller it measures.
 */
@Name("dev.reload.GatePause")
@Label("Gate Pause")
@Category("Reload")
@Description("A call to a stateful native plugin held at its closed gate while a reload drained"
    + " the outgoing version and moved its state")
@Threshold("100 us")
public final class GatePauseFlightEvent extends Event {

  @Label("Plugin")
  String plugin;

  @Label("Held On Generation")
  @Description("The generation whose gate was closed when the caller arrived")
  long heldOnGeneration;

  @Label("Served By Generation")
  @Description("The generation the call ran on once the gate opened: the next one after a"
      + " swap, the same as Held On Generation after a failed reload")
  long servedByGeneration;

  /** Ends the pause and commits it if a recording takes it and it passed the threshold. */
  public void end(String plugin, long heldOnGeneration, long servedByGeneration) {
    // end() first: without it shouldCommit() sees no duration and refuses every event.
    end();
    if (shouldCommit()) {
      this.plugin = plugin;
      this.heldOnGeneration = heldOnGeneration;
      this.servedByGeneration = servedByGeneration;
      commit();
    }
  }
}
