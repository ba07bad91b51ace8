package dev.reload.example;

import dev.reload.PluginLease;
import dev.reload.spi.StatePayload;
import dev.reload.spi.StateSnapshot;

/**
 * Moves the counter across reloads: {@code counter_get} on the outgoing version, {@code
 * counter_set} on the incoming one. Stateless and thread-safe.
 */
final class CounterSnapshot implements StateSnapshot {

  /** Layout 1: the counter as one 64-bit value. */
  private static final int LAYOUT = 1;

  @Override
  public StatePayload capture(PluginLease outgoing) {
    return StatePayload.ofLong(LAYOUT, outgoing.invokeLong("counter_get"));
  }

  @Override
  public void restore(PluginLease incoming, StatePayload payload) {
    if (payload.layout() != LAYOUT) {
      throw new IllegalArgumentException("counter state layout " + payload.layout()
          + " is unknown to this server (it knows layout " + LAYOUT + ")");
    }
    incoming.invokeVoid("counter_set", payload.asLong());
  }
}
