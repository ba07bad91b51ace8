package dev.reload.testkit;

import dev.reload.PluginLease;
import dev.reload.fixtures.CounterContract;
import dev.reload.fixtures.Sources;
import dev.reload.spi.StatePayload;
import dev.reload.spi.StateSnapshot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The contract kit against a snapshot with two layouts, so that its older-layout test runs: the
 * counter was once captured as a 64-bit value (layout 1) and is now captured as decimal text
 * (layout 2).
 */
class MigratingSnapshotContractTest extends CounterContract {

  /** Captures layout 2; restores layouts 1 and 2; refuses any other. */
  static final class TextCounterSnapshot implements StateSnapshot {
    @Override
    public StatePayload capture(PluginLease outgoing) {
      byte[] text =
          Long.toString(outgoing.invokeLong("counter_get")).getBytes(StandardCharsets.US_ASCII);
      return StatePayload.of(2, text);
    }

    @Override
    public void restore(PluginLease incoming, StatePayload payload) {
      long value = switch (payload.layout()) {
        case 1 -> payload.asLong();
        case 2 -> Long.parseLong(new String(payload.data(), StandardCharsets.US_ASCII));
        default -> throw new IllegalArgumentException("unknown layout " + payload.layout());
      };
      incoming.invokeVoid("counter_set", value);
    }
  }

  @Override
  protected StateSnapshot snapshot() {
    return new TextCounterSnapshot();
  }

  @Override
  protected Path build(NativeBuild build, int release) {
    return build.compile(Sources.counter(release));
  }

  @Override
  protected List<OlderLayout> olderLayouts() {
    return List.of(
        new OlderLayout(StatePayload.ofLong(1, 41), 41L),
        new OlderLayout(StatePayload.ofLong(1, 7), 7L));
  }
}
