package dev.reload.bench;

import dev.reload.PluginLease;
import dev.reload.spi.StatePayload;
import dev.reload.spi.StateSnapshot;

/** Moves the benchmark plugin's whole 1 KiB state with {@code state_get} / {@code state_set}. */
final class KibSnapshot implements StateSnapshot {

  static final int STATE_BYTES = 1024;

  @Override
  public StatePayload capture(PluginLease outgoing) {
    byte[] state = new byte[STATE_BYTES];
    outgoing.invokeVoid("state_get", (Object) state);
    return StatePayload.of(1, state);
  }

  @Override
  public void restore(PluginLease incoming, StatePayload payload) {
    incoming.invokeVoid("state_set", (Object) payload.data());
  }
}
