package dev.reload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.reload.PluginLease;
import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.PluginVersion;
import dev.reload.ReloadEvent;
import dev.reload.ReloadKind;
import dev.reload.ReloadOutcome;
import dev.reload.ReloadStep;
import dev.reload.VersionState;
import dev.reload.fixtures.Calls;
import dev.reload.fixtures.CounterSnapshot;
import dev.reload.fixtures.Counters;
import dev.reload.fixtures.ElfBytes;
import dev.reload.fixtures.Sources;
import dev.reload.spi.StatePayload;
import dev.reload.testkit.PluginDir;
import dev.reload.testkit.ReloadExtension;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Bad builds arriving through the watcher: each must leave the old version serving with its
 * state, report the step and cause, and leave the watcher ready for the next good build.
 */
@ExtendWith(ReloadExtension.class)
class FailedReloadTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private PluginDir dir;
  private PluginRegistry registry;
  private final List<ReloadEvent> events = new CopyOnWriteArrayList<>();
  private final AtomicBoolean failRestore = new AtomicBoolean();
  private final AtomicBoolean failCapture = new AtomicBoolean();

  @BeforeEach
  void startWithThreeCounts(PluginDir dir) {
    this.dir = dir;
    dir.publish("counter", Sources.counter(1));
    start(true);
  }

  /**
   * Starts the registry with the preflight on or off and counts to three. The preflight's timeout
   * is patient: a probe that crashes answers only once HotSpot has written its crash report.
   */
  private void start(boolean preflight) {
    start(preflight, Duration.ofSeconds(30));
  }

  private void start(boolean preflight, Duration preflightTimeout) {
    registry = RegistryBuilder.of(dir.settings()
            .preflight(preflight)
            .preflightTimeout(preflightTimeout)
            .plugin(PluginSettings.builder("counter")
                .requiredSymbols("counter_next", "counter_get", "counter_set")
                .build())
            .build())
        .stateSnapshot("counter", new CounterSnapshot() {
          @Override
          public StatePayload capture(PluginLease outgoing) {
            if (failCapture.get()) {
              throw new IllegalStateException("capture refused by test");
            }
            return super.capture(outgoing);
          }

          @Override
          public void restore(PluginLease incoming, StatePayload payload) {
            incoming.invokeVoid("counter_set", 999L); // a half-done restore must not leak out
            if (failRestore.get()) {
              throw new IllegalStateException("restore refused by test");
            }
            super.restore(incoming, payload);
          }
        })
        .listener(events::add)
        .build();
    for (int i = 0; i < 3; i++) {
      next();
    }
  }

  @AfterEach
  void closeRegistry() {
    registry.close();
  }

  private long next() {
    return Calls.next(registry, "counter");
  }

  private int version() {
    return Calls.version(registry, "counter");
  }

  /** Publishes a bad build, checks the failure, then checks a good build still gets through. */
  private void assertRejected(Runnable publishBadBuild, ReloadStep step, String reason) {
    PluginVersion serving = registry.plugin("counter").current();
    publishBadBuild.run();

    await()
        .atMost(WAIT)
        .until(() -> events.stream().anyMatch(ReloadEvent.Failed.class::isInstance));
    ReloadEvent.Failed failed = events.stream()
        .filter(ReloadEvent.Failed.class::isInstance)
        .map(ReloadEvent.Failed.class::cast)
        .findFirst()
        .orElseThrow();
    assertThat(failed.step()).isEqualTo(step);
    assertThat(failed.cause()).hasMessageContaining(reason);
    assertThat(failed.current()).isSameAs(serving);
    assertThat(failed.source()).isEqualTo(dir.lib("counter"));
    assertThat(failed.kind()).isEqualTo(ReloadKind.RELOAD);
    assertThat(registry.plugin("counter").lastFailure())
        .hasValueSatisfying(failure -> assertThat(failure.reason()).contains(reason));

    // The old version serves, with its state.
    assertThat(registry.plugin("counter").current()).isSameAs(serving);
    assertThat(serving.state()).isEqualTo(VersionState.ACTIVE);
    assertThat(version()).isEqualTo(1);
    assertThat(next()).isEqualTo(4);
    // Only the serving copy is on disk: the candidate's was removed.
    assertThat(dir.shadowFiles()).containsExactly(serving.shadowPath());

    failRestore.set(false);
    failCapture.set(false);
    dir.publish("counter", Sources.counter(3));
    await().atMost(WAIT).until(() -> version() == 3);
    assertThat(next()).isEqualTo(5);
  }

  private Consumer<byte[]> publisher() {
    return bytes -> dir.build().publishBytes(bytes, dir.lib("counter"));
  }

  private byte[] goodLibrary() {
    try {
      return Files.readAllBytes(dir.build().compile(Sources.counter(2)));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void missingRequiredSymbolIsRejected() {
    // Found in the dynamic symbol table of the copy, before anything of the build runs.
    assertRejected(
        () -> dir.publish("counter", Sources.counterWithoutSet(2)),
        ReloadStep.VERIFY,
        "does not export required symbol 'counter_set' (not in its dynamic symbol table)");
  }

  @Test
  void fileThatIsNotElfIsRejected() {
    assertRejected(
        () -> publisher().accept("just some text, not a library\n".getBytes()),
        ReloadStep.VERIFY,
        "is not an ELF file");
  }

  @Test
  void emptyFileIsRejected() {
    assertRejected(
        () -> publisher().accept(new byte[0]), ReloadStep.VERIFY, "too short for an ELF header");
  }

  @Test
  void truncatedLibraryIsRejectedBeforeItIsMapped() {
    byte[] good = goodLibrary();
    assertRejected(
        () -> publisher().accept(Arrays.copyOf(good, good.length * 2 / 3)),
        ReloadStep.VERIFY,
        "is truncated");
  }

  @Test
  void libraryWhoseLoadableSegmentRunsPastTheEndIsRejectedBeforeItIsMapped() {
    // Section headers intact and inside the file: only the segment bounds tell it is cut short.
    byte[] cut = goodLibrary();
    int segment = ElfBytes.growLastLoadableSegment(cut, 64 * 1024);
    assertRejected(
        () -> publisher().accept(cut),
        ReloadStep.VERIFY,
        "is truncated: its loadable segment " + segment + " ends at byte");
  }

  @Test
  void libraryForAnotherMachineIsRejected() {
    byte[] foreign = goodLibrary();
    ByteBuffer.wrap(foreign).order(ByteOrder.LITTLE_ENDIAN).putShort(18, (short) 183); // aarch64
    assertRejected(
        () -> publisher().accept(foreign), ReloadStep.VERIFY, "built for ELF machine 183");
  }

  @Test
  void failingInitExportIsRejectedByThePreflight() {
    assertRejected(
        () -> dir.publish("counter", Sources.withInit(2, -1)),
        ReloadStep.PREFLIGHT,
        "reload_init() returned -1");
  }

  @Test
  void failingInitExportIsRejectedAtLoadWhenThePreflightIsOff() {
    registry.close();
    events.clear();
    start(false);
    assertRejected(
        () -> dir.publish("counter", Sources.withInit(2, -1)),
        ReloadStep.LOAD,
        "reload_init() returned -1 (non-zero means the library refused to start)");
  }

  @Test
  void libraryWhoseConstructorSegfaultsIsRejectedByThePreflight() {
    assertRejected(
        () -> dir.publish(
            "counter",
            Sources.withConstructor(
                2, "volatile unsigned long nowhere = 0; *(volatile int *) nowhere = 1;")),
        ReloadStep.PREFLIGHT,
        "crashed with SIGSEGV while running its constructors, reload_init or reload_selftest");
  }

  @Test
  void libraryThatPrintsForgedAnswersBeforeCrashingIsStillRejected() {
    StringBuilder forged = new StringBuilder("printf(\"READY\\nOK\\n\");");
    for (int id = 0; id < 20; id++) {
      forged.append("printf(\"").append(Integer.toHexString(id)).append("\\tOK\\n\");");
    }
    forged.append(
        "fflush(stdout); volatile unsigned long nowhere = 0; *(volatile int *) nowhere = 1;");
    assertRejected(
        () -> dir.publish(
            "counter", "#include <stdio.h>\n" + Sources.withConstructor(2, forged.toString())),
        ReloadStep.PREFLIGHT,
        "crashed with SIGSEGV");
  }

  @Test
  void libraryThatPrintsOnStdoutIsStillAccepted() {
    dir.publish(
        "counter",
        "#include <stdio.h>\n"
            + Sources.withConstructor(
                2, "printf(\"hello from a chatty library\\n\"); fflush(stdout);"));
    await().atMost(WAIT).until(() -> version() == 2);
    assertThat(next()).isEqualTo(4);
  }

  @Test
  void libraryWhoseConstructorAbortsIsRejectedByThePreflight() {
    assertRejected(
        () -> dir.publish("counter", Sources.withConstructor(2, "abort();")),
        ReloadStep.PREFLIGHT,
        "was killed by SIGABRT");
  }

  @Test
  void libraryWhoseConstructorExitsIsRejectedByThePreflight() {
    assertRejected(
        () -> dir.publish("counter", Sources.withConstructor(2, "exit(3);")),
        ReloadStep.PREFLIGHT,
        "exited with status 3");
  }

  @Test
  void libraryWhoseConstructorHangsIsRejectedAfterThePreflightTimeout() {
    registry.close();
    events.clear();
    start(true, Duration.ofSeconds(2));
    assertRejected(
        () -> dir.publish("counter", Sources.withConstructor(2, "for (;;) pause();")),
        ReloadStep.PREFLIGHT,
        "did not answer within PT2S");
  }

  @Test
  void failingSelfTestIsRejectedByThePreflight() {
    assertRejected(
        () -> dir.publish("counter", Sources.withSelfTest(2, 5)),
        ReloadStep.PREFLIGHT,
        "reload_selftest() returned 5");
  }

  @Test
  void throwingRestoreKeepsTheOldVersionAndItsState() {
    failRestore.set(true);
    assertRejected(
        () -> dir.publish("counter", Sources.counter(2)),
        ReloadStep.RESTORE,
        "restore refused by test");
  }

  @Test
  void errorThrownByRestoreStillReopensTheGate() {
    registry.close();
    registry = Counters.start(dir, new CounterSnapshot() {
      @Override
      public void restore(PluginLease incoming, StatePayload payload) {
        throw new OutOfMemoryError("simulated by test");
      }
    });
    next();

    dir.publish("counter", Sources.counter(2));
    ReloadOutcome outcome = registry.reload("counter").join();

    assertThat(outcome).isInstanceOfSatisfying(ReloadOutcome.Failed.class, failed -> {
      assertThat(failed.step()).isEqualTo(ReloadStep.RESTORE);
      assertThat(failed.cause()).hasRootCauseInstanceOf(OutOfMemoryError.class);
    });
    assertThat(registry.plugin("counter").current().state()).isEqualTo(VersionState.ACTIVE);
    assertThat(next()).isEqualTo(2);
    assertThat(dir.shadowFiles()).hasSize(1);
  }

  @Test
  void snapshotThatCallsThroughTheGateFailsInsteadOfHanging() {
    registry.close();
    registry = Counters.start(dir, new CounterSnapshot() {
      @Override
      public StatePayload capture(PluginLease outgoing) {
        return StatePayload.ofLong(1, next()); // wrong: acquire() instead of the lease given
      }
    });
    dir.publish("counter", Sources.counter(2));

    ReloadOutcome outcome = registry.reload("counter").join();

    assertThat(outcome).isInstanceOfSatisfying(ReloadOutcome.Failed.class, failed -> {
      assertThat(failed.step()).isEqualTo(ReloadStep.SNAPSHOT);
      assertThat(failed.reason()).contains("must use the lease it is given");
    });
    assertThat(next()).isEqualTo(1);
  }

  @Test
  void throwingCaptureKeepsTheOldVersionAndItsState() {
    failCapture.set(true);
    assertRejected(
        () -> dir.publish("counter", Sources.counter(2)),
        ReloadStep.SNAPSHOT,
        "capture refused by test");
  }

  @Test
  void failedReloadIsReportedOnceWithBeforeWhenTheCandidateWasLoaded() {
    failRestore.set(true);
    dir.publish("counter", Sources.counter(2));
    await().atMost(WAIT).until(() -> events.size() >= 2);
    assertThat(events).hasSize(2);
    assertThat(events.get(0)).isInstanceOf(ReloadEvent.Before.class);
    assertThat(events.get(1)).isInstanceOf(ReloadEvent.Failed.class);
    ReloadEvent.Before before = (ReloadEvent.Before) events.get(0);
    assertThat(before.to().state()).isEqualTo(VersionState.DISPOSED);

    // Asked for again, it fails again: the outcome, the event and lastFailure say the same.
    ReloadOutcome again = registry.reload("counter").join();
    assertThat(again).isInstanceOfSatisfying(ReloadOutcome.Failed.class, failed -> {
      assertThat(failed.kind()).isEqualTo(ReloadKind.RELOAD);
      assertThat(events).last().isInstanceOfSatisfying(ReloadEvent.Failed.class, event -> {
        assertThat(event.outcome()).isEqualTo(failed);
        assertThat(event.gated()).isPositive(); // it failed in restore, with the gate closed
      });
      assertThat(registry.plugin("counter").lastFailure()).contains(failed);
    });
  }
}
