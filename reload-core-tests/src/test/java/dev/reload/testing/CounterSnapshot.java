package dev.reload.testing;

import dev.reload.PluginLease;
import dev.reload.spi.StatePayload;
import dev.reload.spi.StateSnapshot;

/** Moves the counter plugin's value across reloads with {@code counter_get} and {@code counter_set}. */
public class CounterSnapshot implements StateSnapshot {

  @Override
  public StatePayload capture(PluginLease outgoing) {
    return StatePayload.ofLong(1, outgoing.invokeLong("counter_get"));
  }

  @Override
  public void restore(PluginLease incoming, StatePayload payload) {
    incoming.invokeVoid("counter_set", payload.asLong());
  }
}
