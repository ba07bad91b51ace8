package dev.reload.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.reload.PluginLease;
import dev.reload.spi.StatePayload;
import dev.reload.spi.StateSnapshot;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.Events;

/**
 * The snapshot contract catches a broken snapshot: one that captures the counter but restores
 * nothing and takes any layout. The kit runs here as a user's build runs it, through the JUnit
 * engine, and its verdict is read back.
 */
class BrokenSnapshotContractTest {

  /** Set by the test below: the broken contract runs only there, not as a test of its own. */
  private static final String RUN_BROKEN = "reload.example.run-broken-contract";

  /** The counter's contract, with a snapshot that forgets the state it captured. */
  @EnabledIf("runByTheTestBelow")
  static class ForgetfulSnapshotContract extends CounterSnapshotContractTest {

    static boolean runByTheTestBelow(ExtensionContext context) {
      return context.getConfigurationParameter(RUN_BROKEN).isPresent();
    }

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
    Events tests = EngineTestKit.engine("junit-jupiter")
        .selectors(selectClass(ForgetfulSnapshotContract.class))
        .configurationParameter(RUN_BROKEN, "true")
        .execute()
        .testEvents();

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
