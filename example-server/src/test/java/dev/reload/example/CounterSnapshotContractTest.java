package dev.reload.example;

import dev.reload.PluginLease;
import dev.reload.PluginSettings;
import dev.reload.spi.StateSnapshot;
import dev.reload.testing.ExamplePlugins;
import dev.reload.testkit.NativeBuild;
import dev.reload.testkit.StateSnapshotContract;
import java.nio.file.Path;

/**
 * The example's {@link CounterSnapshot} keeps the snapshot contract, with the real {@code
 * counter.c} built by gcc. It knows one layout, so no older one is checked.
 */
class CounterSnapshotContractTest extends StateSnapshotContract {

  @Override
  protected StateSnapshot snapshot() {
    return new CounterSnapshot();
  }

  @Override
  protected Path build(NativeBuild build, int release) {
    return build.compile(ExamplePlugins.sources().resolve("c/counter.c"),
        "-Wl,--build-id=0x0" + release);
  }

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
