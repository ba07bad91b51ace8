package dev.reload.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reload.PluginLease;
import dev.reload.fixtures.Samples;
import dev.reload.spi.StatePayload;
import dev.reload.spi.StateSnapshot;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.Events;

/**
 * The snapshot contract catches a broken snapshot: one that captures the counter but restores
 * nothing and takes any layout. The kit runs here as a user's build runs it, through the JUnit
 * engine, and its verdict is read back.
 */
class BrokenSnapshotContractTest {

  /**
   * The counter's contract, with a snapshot that forgets the state it captured; run only by the
   * test below, not as a test of its own.
   */
  @EnabledIf(Samples.RUN_BY_A_TEST)
  static class ForgetfulSnapshotContract extends CounterSnapshotContractTest {

    @Override
    protected StateSnapshot snapshot() {
      return new StateSnapshot() {
        @Override
        public StatePayload capture(PluginLease outgoing) {
          return StatePayload.ofLong(1, outgoing.invokeLong("counter_get"));
        }

        @Override
        public void restore(PluginLease incoming, StatePayload payload) {
          // Forgets to call counter_set, and never looks at the layout.
        }
      };
    }
  }

  @Test
  void theContractFailsASnapshotThatForgetsTheState() {
    Events tests = Samples.run(ForgetfulSnapshotContract.class);

    assertThat(names(tests.failed().list()))
        .containsExactlyInAnyOrder(
            "captureThenRestoreKeepsTheStateAcrossAReload(PluginDir)",
            "aRollbackBringsTheStateBack(PluginDir)",
            "aPayloadOfAnUnknownNewerLayoutFailsTheReloadAndKeepsTheState(PluginDir)");
    assertThat(names(tests.succeeded().list()))
        .containsExactly("aThrowingRestoreLeavesTheOldVersionServingWithItsState(PluginDir)");
    assertThat(tests.failed().list())
        .allSatisfy(failed -> assertThat(failed
                .getPayload(TestExecutionResult.class)
                .flatMap(TestExecutionResult::getThrowable))
            .get()
            .isInstanceOf(AssertionError.class));
  }

  private static List<String> names(List<Event> events) {
    return events.stream()
        .map(event -> event.getTestDescriptor().getDisplayName())
        .toList();
  }
}
