package dev.reload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.reload.PluginLease;
import dev.reload.PluginRegistry;
import dev.reload.ReloadOutcome;
import dev.reload.fixtures.Async;
import dev.reload.fixtures.Calls;
import dev.reload.fixtures.CounterSnapshot;
import dev.reload.fixtures.Counters;
import dev.reload.fixtures.GateWaiters;
import dev.reload.fixtures.HeldRestore;
import dev.reload.fixtures.Sources;
import dev.reload.spi.StatePayload;
import dev.reload.spi.StateSnapshot;
import dev.reload.testkit.PluginDir;
import dev.reload.testkit.ReloadExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The JDK Flight Recorder events {@code dev.reload.Reload} and {@code dev.reload.GatePause}, read
 * back from a recording file. Every recording here runs JFR's own {@code default} settings, which
 * name neither event, as {@code -XX:StartFlightRecording} runs them: the events are on there.
 */
@ExtendWith(ReloadExtension.class)
class FlightRecorderEventsTest {

  private static final String PLUGIN = "counter";
  private static final String RELOAD = "dev.reload.Reload";
  private static final String GATE_PAUSE = "dev.reload.GatePause";
  private static final List<String> STEP_TIMES =
      List.of("stageTime", "loadTime", "drainTime", "stateTime", "gatedTime");

  private PluginDir dir;

  @BeforeEach
  void setUp(PluginDir dir) {
    this.dir = dir;
  }

  @Test
  void aStatefulReloadRecordsOneEventWithItsGenerationsAndStepTimes() throws Exception {
    List<RecordedEvent> events;
    try (PluginRegistry registry = start(new CounterSnapshot())) {
      dir.publish(PLUGIN, Sources.counter(2));
      events = record(() ->
          assertThat(registry.reload(PLUGIN).join()).isInstanceOf(ReloadOutcome.Swapped.class));
    }

    assertThat(named(events, RELOAD)).singleElement().satisfies(event -> {
      assertAttempt(event, "reload", 1, 2, "swapped");
      assertThat(event.getString("failingStep")).isNull();
      assertThat(event.getString("failure")).isNull();
      for (String time : STEP_TIMES) {
        assertThat(event.getDuration(time)).as(time).isPositive();
      }
      // The event spans the attempt, whose other steps took time outside the gate.
      assertThat(event.getDuration()).isGreaterThan(event.getDuration("gatedTime"));
    });
  }

  @Test
  void aThrowingRestoreRecordsTheFailedStepAndKeepsTheGeneration() throws Exception {
    List<RecordedEvent> events;
    try (PluginRegistry registry = start(new CounterSnapshot() {
      @Override
      public void restore(PluginLease incoming, StatePayload payload) {
        throw new IllegalStateException("restore bug");
      }
    })) {
      dir.publish(PLUGIN, Sources.counter(2));
      events = record(() ->
          assertThat(registry.reload(PLUGIN).join()).isInstanceOf(ReloadOutcome.Failed.class));
    }

    assertThat(named(events, RELOAD)).singleElement().satisfies(event -> {
      assertAttempt(event, "reload", 1, 1, "failed");
      assertThat(event.getString("failingStep")).isEqualTo("restore");
      assertThat(event.getString("failure")).startsWith("restore: ").contains("restore bug");
      for (String time : STEP_TIMES) {
        assertThat(event.getDuration(time)).as(time).isPositive();
      }
    });
  }

  @Test
  void aBrokenLibraryRecordsTheStepThatRefusedItAndNoTimeAfterIt() throws Exception {
    List<RecordedEvent> events;
    try (PluginRegistry registry = start(new CounterSnapshot())) {
      Files.writeString(dir.lib(PLUGIN), "not a shared library");
      events = record(() ->
          assertThat(registry.reload(PLUGIN).join()).isInstanceOf(ReloadOutcome.Failed.class));
    }

    assertThat(named(events, RELOAD)).singleElement().satisfies(event -> {
      assertAttempt(event, "reload", 1, 1, "failed");
      assertThat(event.getString("failingStep")).isEqualTo("verify");
      assertThat(event.getDuration("stageTime")).isPositive();
      for (String time : STEP_TIMES.subList(1, STEP_TIMES.size())) {
        assertThat(event.getDuration(time)).as(time).isZero();
      }
    });
  }

  @Test
  void aRollbackRecordsItsKindAndTheGenerationItMade() throws Exception {
    List<RecordedEvent> events;
    try (PluginRegistry registry = start(new CounterSnapshot())) {
      Counters.reloadThrough(dir, registry, 2, PLUGIN);
      events = record(() -> assertThat(registry.rollback(PLUGIN).join())
          .isInstanceOf(ReloadOutcome.RolledBack.class));
    }

    assertThat(named(events, RELOAD))
        .singleElement()
        .satisfies(event -> assertAttempt(event, "rollback", 2, 3, "rolled_back"));
  }

  @Test
  void everyAttemptRecordsOneEventEvenWhenNothingLoads() throws Exception {
    List<RecordedEvent> events;
    try (PluginRegistry registry = start(new CounterSnapshot())) {
      events = record(() -> {
        assertThat(registry.reload(PLUGIN).join()).isInstanceOf(ReloadOutcome.Unchanged.class);
        assertThat(registry.rollback(PLUGIN).join()).isInstanceOf(ReloadOutcome.Failed.class);
      });
    }

    assertThat(named(events, RELOAD))
        .satisfiesExactly(
            unchanged -> {
              assertAttempt(unchanged, "reload", 1, 1, "unchanged");
              assertThat(unchanged.getString("failingStep")).isNull();
            },
            noPrevious -> {
              assertAttempt(noPrevious, "rollback", 1, 1, "failed");
              assertThat(noPrevious.getString("failingStep")).isEqualTo("copy");
            });
  }

  @Test
  void aCallerHeldAtTheGateRecordsItsPause() throws Exception {
    List<RecordedEvent> events = holdACallerAtTheGate(recording -> {});

    assertThat(named(events, GATE_PAUSE)).singleElement().satisfies(event -> {
      assertThat(event.getString("plugin")).isEqualTo(PLUGIN);
      assertThat(event.getLong("heldOnGeneration")).isEqualTo(1);
      assertThat(event.getLong("servedByGeneration")).isEqualTo(2);
      assertThat(event.getDuration()).isGreaterThanOrEqualTo(Duration.ofNanos(100_000));
      assertThat(event.getStackTrace().getFrames())
          .anySatisfy(frame -> assertThat(frame.getMethod().getName()).isEqualTo("next"));
    });
  }

  @Test
  void aPauseUnderTheRecordingsThresholdIsNotRecorded() throws Exception {
    List<RecordedEvent> events = holdACallerAtTheGate(
        recording -> recording.enable(GATE_PAUSE).withThreshold(Duration.ofHours(1)));

    assertThat(named(events, GATE_PAUSE)).isEmpty();
    assertThat(named(events, RELOAD))
        .singleElement()
        .satisfies(event -> assertThat(event.getDuration("gatedTime")).isPositive());
  }

  /**
   * Records a stateful reload whose restore holds the gate closed until a caller waits there, then
   * lets both finish; {@code configure} changes the recording's settings first.
   */
  private List<RecordedEvent> holdACallerAtTheGate(Consumer<Recording> configure) throws Exception {
    HeldRestore held = new HeldRestore();
    try (PluginRegistry registry = start(held)) {
      dir.publish(PLUGIN, Sources.counter(2));
      return record(configure, () -> {
        CompletableFuture<ReloadOutcome> reload = registry.reload(PLUGIN);
        assertThat(held.awaitEntered()).isTrue();
        CompletableFuture<Long> caller = Async.supply(() -> Calls.next(registry, PLUGIN));
        await().until(() -> GateWaiters.count() == 1);
        held.release();
        assertThat(reload.join()).isInstanceOf(ReloadOutcome.Swapped.class);
        assertThat(caller.join()).isEqualTo(1);
      });
    }
  }

  /** Starts a registry of the one stateful plugin {@link #PLUGIN}, a counter, at build 1. */
  private PluginRegistry start(StateSnapshot snapshot) {
    dir.publish(PLUGIN, Sources.counter(1));
    return Counters.start(dir, snapshot);
  }

  private List<RecordedEvent> record(Action action) throws Exception {
    return record(recording -> {}, action);
  }

  /**
   * Runs {@code action} under a recording with JFR's {@code default} settings (changed by {@code
   * configure}) and returns every event it wrote, in file order. Stopping the recording writes
   * what every thread committed before it, so no event of {@code action} can arrive later.
   */
  private List<RecordedEvent> record(Consumer<Recording> configure, Action action)
      throws Exception {
    Path file = dir.root().resolve("test.jfr");
    try (Recording recording = new Recording(defaultSettings())) {
      recording.setDestination(file);
      configure.accept(recording);
      recording.start();
      action.run();
      recording.stop();
    }
    return RecordingFile.readAllEvents(file);
  }

  private static Configuration defaultSettings() throws IOException, ParseException {
    return Configuration.getConfiguration("default");
  }

  /** This test's plugin's events of type {@code name}. */
  private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
    return events.stream()
        .filter(event -> event.getEventType().getName().equals(name))
        .filter(event -> PLUGIN.equals(event.getString("plugin")))
        .toList();
  }

  private static void assertAttempt(
      RecordedEvent event, String kind, long from, long to, String outcome) {
    assertThat(event.getString("plugin")).isEqualTo(PLUGIN);
    assertThat(event.getString("kind")).isEqualTo(kind);
    assertThat(event.getLong("fromGeneration")).isEqualTo(from);
    assertThat(event.getLong("toGeneration")).isEqualTo(to);
    assertThat(event.getString("outcome")).isEqualTo(outcome);
  }

  /** What a test does while it records. */
  @FunctionalInterface
  private interface Action {
    void run() throws Exception;
  }
}
