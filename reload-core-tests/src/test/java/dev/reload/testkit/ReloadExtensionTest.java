package dev.reload.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.core.RegistryBuilder;
import dev.reload.fixtures.Samples;
import dev.reload.fixtures.Sources;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.Events;

/**
 * {@link ReloadExtension} fails a test that leaves a registry running, naming its threads and the
 * copy it still maps, and passes one whose registries are closed.
 */
class ReloadExtensionTest {

  /** Registries the leaking sample left open, closed once its verdict is read. */
  private static final List<PluginRegistry> LEAKED = new CopyOnWriteArrayList<>();

  /** Run by the test below only. */
  @EnabledIf(Samples.RUN_BY_A_TEST)
  @ExtendWith(ReloadExtension.class)
  static class SampleTests {

    @Test
    void leavesARegistryRunning(PluginDir dir) {
      dir.publish("counter", Sources.counter(1));
      LEAKED.add(RegistryBuilder.of(
              dir.settings().plugin(PluginSettings.builder("counter").build()).build())
          .build());
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
    Events tests = Samples.run(SampleTests.class);

    assertThat(tests.succeeded().list())
        .singleElement()
        .satisfies(passed -> assertThat(passed.getTestDescriptor().getDisplayName())
            .startsWith("startsThroughTheDirAndLeavesNothing"));
    assertThat(tests.failed().list()).singleElement().satisfies(failed -> {
      assertThat(failed.getTestDescriptor().getDisplayName()).startsWith("leavesARegistryRunning");
      assertThat(failed
              .getPayload(TestExecutionResult.class)
              .flatMap(TestExecutionResult::getThrowable))
          .get()
          .isInstanceOf(AssertionError.class)
          .extracting(Throwable::getMessage)
          .asString()
          .contains(
              "the test left things behind",
              "engine threads still running: reload-",
              "libraries still mapped",
              "libcounter");
    });
  }
}
