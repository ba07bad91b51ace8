package dev.reload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
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
import dev.reload.fixtures.Async;
import dev.reload.fixtures.Calls;
import dev.reload.fixtures.CounterSnapshot;
import dev.reload.fixtures.Counters;
import dev.reload.fixtures.HeldRestore;
import dev.reload.fixtures.Sources;
import dev.reload.spi.StatePayload;
import dev.reload.testkit.PluginDir;
import dev.reload.testkit.RegistryUnderTest;
import dev.reload.testkit.ReloadExtension;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.pause.PauseDetector;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Reloads requested by hand (the watcher is off), against real rebuilt libraries. */
@ExtendWith(ReloadExtension.class)
class ReloadTest {

  private PluginDir dir;
  private RegistryUnderTest underTest;
  private PluginRegistry registry;

  @BeforeEach
  void publishFirstBuilds(PluginDir dir, RegistryUnderTest underTest) {
    this.dir = dir;
    this.underTest = underTest;
    dir.publish("counter", Sources.counter(1));
    dir.publish("stateless", Sources.counter(1));
  }

  private PluginRegistry start(ReloadSettings.Builder settings) {
    registry = underTest.start(RegistryBuilder.of(settings
            .watchEnabled(false)
            .plugin(PluginSettings.builder("counter")
                .requiredSymbols("counter_next", "counter_get", "counter_set")
                .build())
            .plugin(PluginSettings.builder("stateless").build())
            .build())
        .stateSnapshot("counter", new CounterSnapshot()));
    return registry;
  }

  private PluginRegistry start() {
    return start(dir.settings());
  }

  private static int version(PluginRegistry registry, String plugin) {
    return Calls.version(registry, plugin);
  }

  private static long next(PluginRegistry registry) {
    return Calls.next(registry, "counter");
  }

  @Test
  void manualReloadSwapsToTheRebuiltLibrary() {
    start();
    PluginVersion first = registry.plugin("counter").current();
    dir.publish("counter", Sources.counter(2));

    ReloadOutcome outcome = registry.reload("counter").join();

    assertThat(outcome).isInstanceOfSatisfying(ReloadOutcome.Swapped.class, swapped -> {
      assertThat(swapped.from()).isSameAs(first);
      assertThat(swapped.to().generation()).isEqualTo(2);
      assertThat(swapped.kind()).isEqualTo(ReloadKind.RELOAD);
    });
    assertThat(version(registry, "counter")).isEqualTo(2);
    assertThat(registry.plugin("counter").current().generation()).isEqualTo(2);
    assertThat(first.state()).isEqualTo(VersionState.DISPOSED);
    assertThat(registry.plugin("counter").previous()).containsSame(first);
  }

  @Test
  void sameBytesAreUnchangedAndLoadNothing() {
    start();
    PluginVersion first = registry.plugin("counter").current();

    ReloadOutcome outcome = registry.reload("counter").join();

    assertThat(outcome)
        .isInstanceOfSatisfying(
            ReloadOutcome.Unchanged.class,
            unchanged -> assertThat(unchanged.current()).isSameAs(first));
    assertThat(registry.plugin("counter").current()).isSameAs(first);
    assertThat(underTest.events()).isEmpty();
    assertThat(dir.shadowFiles()).hasSize(2);
  }

  @Test
  void aListenerMayCallTheStatefulPluginItIsToldAbout() throws Exception {
    // The gate is closed only between Before and the swap, never while a listener runs: else a
    // listener calling the plugin would wait for the reload, which waits for the listener.
    start();
    Map<String, Integer> servingAt = new ConcurrentHashMap<>();
    registry.addListener(event -> {
      if (event.plugin().equals("counter")) {
        servingAt.put(event.getClass().getSimpleName(), version(registry, "counter"));
      }
    });
    dir.publish("counter", Sources.counter(2));

    assertThat(registry.reload("counter").get(10, TimeUnit.SECONDS))
        .isInstanceOf(ReloadOutcome.Swapped.class);
    assertThat(servingAt).containsOnly(entry("Before", 1), entry("After", 2));
  }

  @Test
  void eventsComeBeforeThenAfterInOrder() {
    start();
    List<VersionState> candidateAtBefore = new CopyOnWriteArrayList<>();
    registry.addListener(event -> {
      if (event instanceof ReloadEvent.Before before) {
        candidateAtBefore.add(before.to().state());
      }
    });
    dir.publish("counter", Sources.counter(2));
    registry.reload("counter").join();

    // Read when Before fired, not now that the candidate serves: an assertion inside the
    // listener could never fail the test.
    assertThat(candidateAtBefore).containsExactly(VersionState.LOADING);

    List<ReloadEvent> events = underTest.events();
    assertThat(events).hasSize(2);
    assertThat(events.get(0)).isInstanceOfSatisfying(ReloadEvent.Before.class, before -> {
      assertThat(before.plugin()).isEqualTo("counter");
      assertThat(before.from().generation()).isEqualTo(1);
      assertThat(before.to().generation()).isEqualTo(2);
    });
    assertThat(events.get(1)).isInstanceOfSatisfying(ReloadEvent.After.class, after -> {
      assertThat(after.from().generation()).isEqualTo(1);
      assertThat(after.to().generation()).isEqualTo(2);
      assertThat(after.to().state()).isEqualTo(VersionState.ACTIVE);
      assertThat(after.duration()).isPositive();
      // The counter is stateful: its callers were held while its state moved, within the reload.
      assertThat(after.gated()).isPositive().isLessThan(after.duration());
    });

    // A stateless plugin's callers are never held.
    dir.publish("stateless", Sources.counter(2));
    registry.reload("stateless").join();
    assertThat(underTest.events())
        .last()
        .isInstanceOfSatisfying(
            ReloadEvent.After.class, after -> assertThat(after.gated()).isZero());
  }

  @Test
  void beforeListenerSeesTheOldVersionStillServingAndTheCandidateLoading() {
    // A listener only records: the registry catches whatever a listener throws, an AssertionError
    // too, so an assertion made inside one could never fail the test.
    start();
    List<Integer> servingAtBefore = new CopyOnWriteArrayList<>();
    List<VersionState> candidateAtBefore = new CopyOnWriteArrayList<>();
    registry.addListener(event -> {
      if (event instanceof ReloadEvent.Before before && before.plugin().equals("stateless")) {
        candidateAtBefore.add(before.to().state());
        servingAtBefore.add(version(registry, "stateless"));
      }
    });
    dir.publish("stateless", Sources.counter(2));
    registry.reload("stateless").join();
    assertThat(candidateAtBefore).containsExactly(VersionState.LOADING);
    assertThat(servingAtBefore).containsExactly(1);
    assertThat(version(registry, "stateless")).isEqualTo(2);
  }

  @Test
  void failedStatefulReloadReopensTheGate() throws Exception {
    // A failed restore once left the gate closed: every later caller waited at it for good.
    registry = underTest.start(Counters.builder(dir, new CounterSnapshot() {
      @Override
      public void restore(PluginLease incoming, StatePayload payload) {
        throw new IllegalStateException("restore bug");
      }
    }));
    next(registry);
    dir.publish("counter", Sources.counter(2));

    ReloadOutcome outcome = registry.reload("counter").get(5, TimeUnit.SECONDS);

    assertThat(outcome)
        .isInstanceOfSatisfying(
            ReloadOutcome.Failed.class,
            failed -> assertThat(failed.step()).isEqualTo(ReloadStep.RESTORE));
    assertThat(registry.plugin("counter").current().state()).isEqualTo(VersionState.ACTIVE);
    assertThat(Async.supply(() -> next(registry)).get(5, TimeUnit.SECONDS)).isEqualTo(2);
  }

  @Test
  void leaseClosedTwiceReleasesItsPinOnce() throws Exception {
    start();
    PluginLease lease = registry.plugin("counter").acquire();
    lease.close();
    lease.close();
    // Closed again on another thread, after this one (ordered by the executor): still once.
    Async.run(lease::close).get(5, TimeUnit.SECONDS);

    // A count left above zero would wait out the drain timeout, one below it fail the drain.
    dir.publish("counter", Sources.counter(2));
    assertThat(registry.reload("counter").get(4, TimeUnit.SECONDS))
        .isInstanceOf(ReloadOutcome.Swapped.class);
  }

  @Test
  void callsGoOnWithoutWaitingWhileAReloadLoadsItsCandidate() throws Exception {
    start();
    CountDownLatch inBefore = new CountDownLatch(1);
    CountDownLatch releaseBefore = new CountDownLatch(1);
    registry.addListener(event -> {
      if (event instanceof ReloadEvent.Before) {
        inBefore.countDown();
        try {
          releaseBefore.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
    dir.publish("counter", Sources.counter(2));
    CompletableFuture<ReloadOutcome> reload = registry.reload("counter");
    assertThat(inBefore.await(5, TimeUnit.SECONDS)).isTrue();

    // The reload thread holds the plugin's reload lock and has the candidate mapped; callers of
    // both plugins take no lock of its, so they run to completion on the current versions.
    CompletableFuture<Long> calls = Async.supply(() -> {
      long last = 0;
      for (int i = 0; i < 1_000; i++) {
        last = next(registry);
        version(registry, "stateless");
      }
      return last;
    });
    assertThat(calls.get(10, TimeUnit.SECONDS)).isEqualTo(1_000);
    assertThat(version(registry, "counter")).isEqualTo(1);
    releaseBefore.countDown();
    assertThat(reload.get(5, TimeUnit.SECONDS)).isInstanceOf(ReloadOutcome.Swapped.class);
    assertThat(next(registry)).isEqualTo(1_001);
  }

  @Test
  void statefulCounterContinuesAcrossReloads() {
    start();
    for (int i = 0; i < 5; i++) {
      next(registry);
    }
    dir.publish("counter", Sources.counter(2));
    assertThat(registry.reload("counter").join()).isInstanceOf(ReloadOutcome.Swapped.class);
    assertThat(next(registry)).isEqualTo(6);
    dir.publish("counter", Sources.counter(3));
    registry.reload("counter").join();
    assertThat(next(registry)).isEqualTo(7);
    assertThat(version(registry, "counter")).isEqualTo(3);
  }

  @Test
  void statelessReloadStartsFromTheNewCopysOwnState() {
    start();
    try (PluginLease lease = registry.plugin("stateless").acquire()) {
      lease.invokeVoid("counter_set", 50L);
    }
    dir.publish("stateless", Sources.counter(2));
    registry.reload("stateless").join();
    // RTLD_LOCAL and a private copy: the new version has its own globals, bound to nothing old.
    try (PluginLease lease = registry.plugin("stateless").acquire()) {
      assertThat(lease.invokeLong("counter_get")).isZero();
    }
  }

  @Test
  void reloadWaitsForASlowInFlightCallOnTheOldVersion() throws Exception {
    start();
    next(registry);
    CountDownLatch inCall = new CountDownLatch(1);
    // Set before the lease closes: the drain waits for that close, not for the future below.
    AtomicInteger returned = new AtomicInteger();
    CompletableFuture<Void> slowCall = Async.run(() -> {
      try (PluginLease lease = registry.plugin("counter").acquire()) {
        inCall.countDown();
        returned.set(lease.invokeInt("slow", 300));
      }
    });
    assertThat(inCall.await(5, TimeUnit.SECONDS)).isTrue();
    dir.publish("counter", Sources.counter(2));

    ReloadOutcome outcome = registry.reload("counter").join();

    // The reload could only swap once the slow call had returned, from version 1.
    assertThat(returned).hasValue(1);
    slowCall.join();
    assertThat(outcome).isInstanceOf(ReloadOutcome.Swapped.class);
    assertThat(next(registry)).isEqualTo(2);
  }

  @Test
  void statelessPluginServesNewCallsFromTheNewVersionWhileAnOldCallRuns() throws Exception {
    start();
    CountDownLatch inCall = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    PluginLease old = registry.plugin("stateless").acquire();
    CompletableFuture<Integer> oldCall = Async.supply(() -> {
      inCall.countDown();
      try {
        release.await();
        return old.invokeInt("slow", 1);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      } finally {
        old.close();
      }
    });
    assertThat(inCall.await(5, TimeUnit.SECONDS)).isTrue();
    dir.publish("stateless", Sources.counter(2));

    ReloadOutcome outcome = registry.reload("stateless").get(5, TimeUnit.SECONDS);

    assertThat(outcome).isInstanceOf(ReloadOutcome.Swapped.class);
    assertThat(version(registry, "stateless")).isEqualTo(2);
    PluginVersion outgoing = ((ReloadOutcome.Swapped) outcome).from();
    assertThat(outgoing.state()).isEqualTo(VersionState.DRAINING);
    release.countDown();
    assertThat(oldCall.get(5, TimeUnit.SECONDS)).isEqualTo(1);
    await().atMost(Duration.ofSeconds(5)).until(() -> outgoing.state() == VersionState.DISPOSED);
  }

  @Test
  void drainTimeoutAbortsTheReloadAndKeepsTheOldVersionServing() throws Exception {
    start(dir.settings().drainTimeout(Duration.ofMillis(100)));
    next(registry);
    PluginLease held = registry.plugin("counter").acquire();
    dir.publish("counter", Sources.counter(2));

    ReloadOutcome outcome = registry.reload("counter").get(5, TimeUnit.SECONDS);

    assertThat(outcome).isInstanceOfSatisfying(ReloadOutcome.Failed.class, failed -> {
      assertThat(failed.step()).isEqualTo(ReloadStep.DRAIN);
      assertThat(failed.reason())
          .contains("1 call(s) on generation 1 still in flight after PT0.1S");
    });
    assertThat(held.invokeLong("counter_next")).isEqualTo(2);
    held.close();
    assertThat(next(registry)).isEqualTo(3);
    assertThat(version(registry, "counter")).isEqualTo(1);
    assertThat(underTest.events()).last().isInstanceOf(ReloadEvent.Failed.class);
  }

  @Test
  void callersWaitAtTheGateAndContinueOnTheNewVersion() throws Exception {
    HeldRestore held = new HeldRestore();
    registry = underTest.start(Counters.builder(dir, held));
    next(registry);
    dir.publish("counter", Sources.counter(2));
    CompletableFuture<ReloadOutcome> reload = registry.reload("counter");
    assertThat(held.awaitEntered()).isTrue();
    CompletableFuture<Integer> caller = Async.supply(() -> version(registry, "counter"));
    await()
        .during(Duration.ofMillis(50))
        .atMost(Duration.ofSeconds(1))
        .until(() -> !caller.isDone());
    held.release();

    assertThat(caller.get(5, TimeUnit.SECONDS)).isEqualTo(2);
    assertThat(reload.get(5, TimeUnit.SECONDS)).isInstanceOf(ReloadOutcome.Swapped.class);
    assertThat(next(registry)).isEqualTo(2);
  }

  /** Starts, counts to one and reloads to build 2: build 1's copy is kept for rollback. */
  private void reloadToTheSecondBuildAfterCountingToOne() {
    start();
    next(registry);
    dir.publish("counter", Sources.counter(2));
    registry.reload("counter").join();
  }

  @Test
  void manualRollbackReturnsToThePreviousVersionWithTheState() {
    reloadToTheSecondBuildAfterCountingToOne();
    next(registry);
    underTest.clearEvents();

    ReloadOutcome outcome = registry.rollback("counter").join();

    assertThat(outcome).isInstanceOfSatisfying(ReloadOutcome.RolledBack.class, rolledBack -> {
      assertThat(rolledBack.kind()).isEqualTo(ReloadKind.ROLLBACK);
      assertThat(rolledBack.to().generation()).isEqualTo(3);
    });
    assertThat(version(registry, "counter")).isEqualTo(1);
    assertThat(next(registry)).isEqualTo(3);
    PluginVersion rolledBack = registry.plugin("counter").current();
    assertThat(rolledBack.sourcePath()).isEqualTo(dir.lib("counter"));
    assertThat(rolledBack.shadowPath().getFileName().toString())
        .matches("counter-\\d+-libcounter.so");
    List<ReloadEvent> events = underTest.events();
    assertThat(events).hasSize(2);
    assertThat(events.get(0)).isInstanceOf(ReloadEvent.Before.class);
    assertThat(events.get(1)).isInstanceOf(ReloadEvent.RolledBack.class);
    // Rolling back again returns to the build we left.
    registry.rollback("counter").join();
    assertThat(version(registry, "counter")).isEqualTo(2);
    assertThat(dir.shadowFiles()).hasSize(2 + 1);
  }

  @Test
  void rollbackAdmitsTheKeptCopyAfterTheLibraryFileWasDeleted() throws Exception {
    reloadToTheSecondBuildAfterCountingToOne();
    next(registry);
    Files.delete(dir.lib("counter"));
    assertThat(registry.reload("counter").join())
        .isInstanceOfSatisfying(
            ReloadOutcome.Failed.class,
            failed -> assertThat(failed.step()).isEqualTo(ReloadStep.COPY));

    ReloadOutcome outcome = registry.rollback("counter").join();

    assertThat(outcome).isInstanceOf(ReloadOutcome.RolledBack.class);
    assertThat(version(registry, "counter")).isEqualTo(1);
    assertThat(next(registry)).isEqualTo(3);
  }

  @Test
  void keptCopyChangedInTheShadowDirectoryIsRefusedAtVerify() throws Exception {
    reloadToTheSecondBuildAfterCountingToOne();
    PluginVersion serving = registry.plugin("counter").current();
    PluginVersion kept = registry.plugin("counter").previous().orElseThrow();
    // Whoever can write the shadow directory swaps in another build behind the registry's back.
    Files.copy(
        dir.build().compile(Sources.counter(3)),
        kept.shadowPath(),
        StandardCopyOption.REPLACE_EXISTING);

    ReloadOutcome outcome = registry.rollback("counter").join();

    assertThat(outcome).isInstanceOfSatisfying(ReloadOutcome.Failed.class, failed -> {
      assertThat(failed.step()).isEqualTo(ReloadStep.VERIFY);
      assertThat(failed.reason())
          .contains("kept of generation 1 for rollback has SHA-256")
          .contains("not the " + kept.sha256() + " it was admitted with");
    });
    assertThat(registry.plugin("counter").current()).isSameAs(serving);
    assertThat(version(registry, "counter")).isEqualTo(2);
    assertThat(next(registry)).isEqualTo(2);
  }

  @Test
  void rollbackWithoutAPreviousVersionFailsAndChangesNothing() {
    start();
    PluginVersion first = registry.plugin("counter").current();

    ReloadOutcome outcome = registry.rollback("counter").join();

    assertThat(outcome).isInstanceOfSatisfying(ReloadOutcome.Failed.class, failed -> {
      assertThat(failed.kind()).isEqualTo(ReloadKind.ROLLBACK);
      assertThat(failed.step()).isEqualTo(ReloadStep.COPY);
      assertThat(failed.reason()).contains("no previous version to roll back to");
      assertThat(failed.current()).isSameAs(first);
      assertThat(failed.source()).isEqualTo(dir.lib("counter"));
      // The listeners were told the same facts.
      assertThat(underTest.events()).containsExactly(new ReloadEvent.Failed(failed, Duration.ZERO));
      assertThat(registry.plugin("counter").lastFailure()).contains(failed);
    });
    assertThat(registry.plugin("counter").current()).isSameAs(first);
  }

  @Test
  void withoutRetentionOnlyCurrentCopiesStayOnDisk() {
    start(dir.settings().retainPrevious(false));
    dir.publish("counter", Sources.counter(2));
    registry.reload("counter").join();
    dir.publish("counter", Sources.counter(3));
    registry.reload("counter").join();

    assertThat(registry.plugin("counter").previous()).isEmpty();
    assertThat(dir.shadowFiles())
        .containsExactlyInAnyOrder(
            registry.plugin("counter").current().shadowPath(),
            registry.plugin("stateless").current().shadowPath());
    assertThat(registry.rollback("counter").join()).isInstanceOf(ReloadOutcome.Failed.class);
  }

  @Test
  void retentionKeepsExactlyCurrentAndPreviousCopies() {
    start();
    for (int build = 2; build <= 4; build++) {
      dir.publish("counter", Sources.counter(build));
      registry.reload("counter").join();
    }
    assertThat(dir.shadowFiles())
        .containsExactlyInAnyOrder(
            registry.plugin("counter").current().shadowPath(),
            registry.plugin("counter").previous().orElseThrow().shadowPath(),
            registry.plugin("stateless").current().shadowPath());
  }

  @Test
  void throwingListenerDoesNotStopTheReload() {
    start();
    registry.addListener(event -> {
      throw new IllegalStateException("listener bug");
    });
    dir.publish("counter", Sources.counter(2));

    assertThat(registry.reload("counter").join()).isInstanceOf(ReloadOutcome.Swapped.class);
    assertThat(version(registry, "counter")).isEqualTo(2);
    assertThat(underTest.events()).hasSize(2);
  }

  @Test
  void listenersAndObserversThatThrowErrorsAreContainedAlike() {
    // The two fan-outs caught different things: an Error from a metrics observer escaped into the
    // reload, which had swapped already, and failed its future.
    start();
    ((ReloadRegistry) registry).metrics().bindTo(new SimpleMeterRegistry() {
      @Override
      protected Timer newTimer(
          Meter.Id id, DistributionStatisticConfig config, PauseDetector pauseDetector) {
        // The gate's timers are registered when bound; this one is first made by the reload.
        if (id.getName().equals("reload.duration")) {
          throw new NoClassDefFoundError("a meter class missing at run time");
        }
        return super.newTimer(id, config, pauseDetector);
      }
    });
    registry.addListener(event -> {
      throw new AssertionError("listener bug");
    });
    dir.publish("counter", Sources.counter(2));

    assertThat(registry.reload("counter").join()).isInstanceOf(ReloadOutcome.Swapped.class);
    assertThat(version(registry, "counter")).isEqualTo(2);
  }

  @Test
  void listenerCallingUpdateNeverNestsAReloadInsideAnother() {
    start(dir.settings().schedulerMode(ReloadSettings.SchedulerMode.POLL));
    List<Integer> nested = new CopyOnWriteArrayList<>();
    registry.addListener(event -> {
      if (event instanceof ReloadEvent.Before) {
        registry.reload("counter");
        nested.add(registry.update());
      }
    });
    dir.publish("counter", Sources.counter(2));
    registry.reload("counter");

    assertThat(registry.update()).isEqualTo(2);
    // The request made inside the first reload ran after it, on the same thread, and found
    // nothing new.
    assertThat(nested).containsExactly(0);
    assertThat(underTest.events())
        .extracting(event -> event.getClass().getSimpleName())
        .containsExactly("Before", "After");
    assertThat(version(registry, "counter")).isEqualTo(2);
  }

  @Test
  void updateRunsRequestsInPollMode() {
    start(dir.settings().schedulerMode(ReloadSettings.SchedulerMode.POLL));
    dir.publish("counter", Sources.counter(2));
    CompletableFuture<ReloadOutcome> outcome = registry.reload("counter");
    assertThat(outcome).isNotDone();
    assertThat(version(registry, "counter")).isEqualTo(1);

    assertThat(registry.update()).isEqualTo(1);

    assertThat(outcome).isCompletedWithValueMatching(ReloadOutcome.Swapped.class::isInstance);
    assertThat(version(registry, "counter")).isEqualTo(2);
    assertThat(Thread.getAllStackTraces().keySet())
        .extracting(Thread::getName)
        .noneMatch(name -> name.startsWith("reload-scheduler"));
  }

  @Test
  void requestsForOnePluginCoalesce() {
    start(dir.settings().schedulerMode(ReloadSettings.SchedulerMode.POLL));
    dir.publish("counter", Sources.counter(2));
    CompletableFuture<ReloadOutcome> first = registry.reload("counter");
    CompletableFuture<ReloadOutcome> second = registry.reload("counter");

    assertThat(registry.update()).isEqualTo(1);
    assertThat(first.join()).isSameAs(second.join());
  }
}
