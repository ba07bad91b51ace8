package dev.reload.testing;

import dev.reload.PluginLease;
import dev.reload.PluginSettings;
import dev.reload.testkit.StateSnapshotContract;

/**
 * The snapshot contract for plugins with the counter ABI ({@code counter_next}, {@code
 * counter_get}, {@code counter_set}), named {@code counter}: the state is the count, and a call
 * of {@code counter_next} moves it on. Subclasses give the snapshot and the builds.
 */
public abstract class CounterContract extends StateSnapshotContract {

  @Override
  protected PluginSettings settings() {
    return PluginSettings.builder("counter").build();
  }

  @Override
  protected void changeState(PluginLease lease) {
    lease.invokeLong("counter_next");
  }

  @Override
  protected Object readState(PluginLease lease) {
    return lease.invokeLong("counter_get");
  }
}
