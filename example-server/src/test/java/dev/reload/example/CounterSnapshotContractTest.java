package dev.reload.example;

import dev.reload.fixtures.CounterContract;
import dev.reload.fixtures.ExamplePlugins;
import dev.reload.spi.StateSnapshot;
import dev.reload.testkit.NativeBuild;
import java.nio.file.Path;

/**
 * The example's {@link CounterSnapshot} keeps the snapshot contract, with the real {@code
 * counter.c} built by gcc. It knows one layout, so no older one is checked.
 */
class CounterSnapshotContractTest extends CounterContract {

  @Override
  protected StateSnapshot snapshot() {
    return new CounterSnapshot();
  }

  @Override
  protected Path build(NativeBuild build, int release) {
    return build.compile(
        ExamplePlugins.sources().resolve("c/counter.c"), "-Wl,--build-id=0x0" + release);
  }
}
