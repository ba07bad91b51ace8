package dev.reload.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.core.RegistryBuilder;
import dev.reload.fixtures.Sources;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * {@link ReloadExtension} fails a test that leaves a registry running, naming its threads and the
 * copy it still maps, and passes one whose registries are closed.
 */
class ReloadExtensionTest {

  /** Set below: the sample tests run only through the engine here, not as tests of their own. */
  private static final String RUN_SAMPLES = "reload.testkit.run-samples";

  /** Registries the leaking sample left open, closed once its verdict is read. */
  private static final List<PluginRegistry> LEAKED = new CopyOnWriteArrayList<>();

  @EnabledIf("runByTheTestsBelow")
  @ExtendWith(ReloadExtension.class)
  static class Samples {

    static boolean runByTheTestsBelow(ExtensionContext context) {
      return context.getConfigurationParameter(RUN_SAMPLES).isPresent();
    }

    @Test
    void leavesARegistryRunning(PluginDir dir) {
      dir.publish("counter", Sources.counter(1));
      LEAKED.add(RegistryBuilder.of(dir.settings()
          .plugin(PluginSettings.builder("counter").build()).build()).build());
    }

    @Test
    void startsThroughTheDirAndLeavesNothing(PluginDir dir) {
      dir.publish("counter", Sources.counter(1));
      dir.start(dir.settings().plugin(PluginSettings.builder("counter").build()).build());
    }
  }

  @AfterEach
  void closeLeaked() {
    LEAKED.forEach(PluginRegistry::close);
    LEAKED.clear();
  }

  @Test
  void aRegistryLeftRunningFailsTheTestAndOneStartedThroughTheDirDoesNot() {
    Events tests = EngineTestKit.engine("junit-jupiter")
        .selectors(selectClass(Samples.class))
        .configurationParameter(RUN_SAMPLES, "true")
        .execute()
        .testEvents();

    assertThat(tests.succeeded().list()).singleElement().satisfies(passed ->
        assertThat(passed.getTestDescriptor().getDisplayName())
            .startsWith("startsThroughTheDirAndLeavesNothing"));
    assertThat(tests.failed().list()).singleElement().satisfies(failed -> {
      assertThat(failed.getTestDescriptor().getDisplayName()).startsWith("leavesARegistryRunning");
      assertThat(failed.getPayload(TestExecutionResult.class)
          .flatMap(TestExecutionResult::getThrowable)).get()
          .isInstanceOf(AssertionError.class)
          .extracting(Throwable::getMessage).asString()
          .contains("the test left things behind", "engine threads still running: reload-",
              "libraries still mapped", "libcounter");
    });
  }
}
