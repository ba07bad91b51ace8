package dev.reload.testing;

import java.util.Arrays;

/**
 * Counts the threads parked at a stateful plugin's closed gate, from their stacks: tests wait for
 * callers to be there before they open it. Thread-safe.
 */
public final class GateWaiters {

  private GateWaiters() {}

  /** How many threads of this JVM are waiting at a closed gate, whatever the plugin. */
  public static long count() {
    return Thread.getAllStackTraces().entrySet().stream().filter(entry ->
        entry.getKey().getState() == Thread.State.WAITING
            && Arrays.stream(entry.getValue())
                .anyMatch(frame -> frame.getMethodName().equals("pinAfterGate")))
        .count();
  }
}
