package dev.reload.core.internal.observe;

import java.lang.invoke.MethodHandles;
import jdk.jfr.FlightRecorder;

/**
 * Where the engine begins its JDK Flight Recorder events, {@link ReloadFlightEvent} and {@link
 * GatePauseFlightEvent}, and the one place that decides whether to: only once Flight Recorder has
 * been initialized in this JVM (a recording was started, from the command line, {@code jcmd} or
 * the API). Until then no event class is even loaded, because the first load of one registers it
 * with JFR, which reads JFR's whole metadata: measured at 0.3 to 0.5 s of one core, on JDK 17 and
 * JDK 25 alike, with no recording running. Once initialized, each event decides for itself, by
 * its recording's settings, whether it is written.
 *
 * <p>Stateless and thread-safe.
 */
public final class FlightEvents {

  private FlightEvents() {}

  /**
   * Begins the event of a reload or rollback attempt; null while Flight Recorder has never been
   * initialized. Call on the reload thread before the gate closes: it loads the gate's event too,
   * so that the first caller held at a gate does not load it (milliseconds, JFR on) while it waits.
   */
  public static ReloadFlightEvent beginReload() {
    if (!FlightRecorder.isInitialized()) {
      return null;
    }
    try {
      MethodHandles.lookup().ensureInitialized(GatePauseFlightEvent.class);
    } catch (IllegalAccessException e) {
      throw new AssertionError("a class of this package is accessible to it", e);
    }
    ReloadFlightEvent reload = new ReloadFlightEvent();
    reload.begin();
    return reload;
  }

  /**
   * Begins timing a caller's pause at a closed gate; null while Flight Recorder has never been
   * initialized, which costs no allocation. Call only once the gate was found closed.
   */
  public static GatePauseFlightEvent beginGatePause() {
    if (!FlightRecorder.isInitialized()) {
      return null;
    }
    GatePauseFlightEvent pause = new GatePauseFlightEvent();
    pause.begin();
    return pause;
  }
}
