package dev.reload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.PluginVersion;
import dev.reload.ReloadEvent;
import dev.reload.ReloadOutcome;
import dev.reload.ReloadStep;
import dev.reload.VersionState;
import dev.reload.fixtures.Async;
import dev.reload.fixtures.Calls;
import dev.reload.fixtures.CounterSnapshot;
import dev.reload.fixtures.Sources;
import dev.reload.testkit.PluginDir;
import dev.reload.testkit.RegistryUnderTest;
import dev.reload.testkit.ReloadExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Faults around a reload: each leaves a consistent, serving registry and nothing leaked. */
@ExtendWith(ReloadExtension.class)
class FaultTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private Path root;
  private PluginDir dir;
  private RegistryUnderTest underTest;
  private PluginRegistry registry;

  @BeforeEach
  void start(PluginDir dir, RegistryUnderTest underTest) {
    this.dir = dir;
    this.underTest = underTest;
    this.root = dir.root();
    dir.publish("counter", Sources.counter(1));
    registry = underTest.start(RegistryBuilder.of(
            dir.settings().plugin(PluginSettings.builder("counter").build()).build())
        .stateSnapshot("counter", new CounterSnapshot()));
    Calls.next(registry, "counter");
  }

  @Test
  void shadowDirectoryThatCannotBeWrittenFailsTheCopyAndNothingElse() throws Exception {
    Path kept = registry.plugin("counter").current().shadowPath();
    Path shadow = kept.getParent(); // the registry's own directory of shadow copies
    Path moved = Files.move(shadow, root.resolve("shadow-aside"));
    Files.writeString(shadow, "not a directory");
    dir.publish("counter", Sources.counter(2));

    await().atMost(WAIT).until(() -> registry.plugin("counter").lastFailure().isPresent());
    assertThat(registry.plugin("counter").lastFailure().orElseThrow()).satisfies(failure -> {
      assertThat(failure.step()).isEqualTo(ReloadStep.COPY);
      assertThat(failure.reason()).contains("cannot copy library").contains("shadow directory");
    });
    assertThat(Calls.next(registry, "counter")).isEqualTo(2);

    Files.delete(shadow);
    Files.move(moved, shadow);
    assertThat(kept).exists();
    dir.publish("counter", Sources.counter(3));
    await().atMost(WAIT).until(() -> Calls.version(registry, "counter") == 3);
    assertThat(Calls.next(registry, "counter")).isEqualTo(3);
  }

  @Test
  void sourceDeletedBeforeStagingFailsCleanly() throws Exception {
    Files.delete(dir.lib("counter"));

    ReloadOutcome outcome = registry.reload("counter").join();

    assertThat(outcome).isInstanceOfSatisfying(ReloadOutcome.Failed.class, failed -> {
      assertThat(failed.step()).isEqualTo(ReloadStep.COPY);
      assertThat(failed.reason()).contains("does not exist");
    });
    assertThat(Calls.next(registry, "counter")).isEqualTo(2);
    assertThat(dir.shadowFiles()).hasSize(1);
  }

  @Test
  void changeArrivingDuringAReloadEndsOnTheNewestBuild() {
    AtomicBoolean publishedDuringReload = new AtomicBoolean();
    registry.addListener(event -> {
      if (event instanceof ReloadEvent.Before && publishedDuringReload.compareAndSet(false, true)) {
        dir.publish("counter", Sources.counter(3)); // lands while build 2 is being swapped in
      }
    });
    dir.publish("counter", Sources.counter(2));

    // After fires once the new build serves: awaited, not read as soon as build 3 answers.
    await().atMost(WAIT).until(() -> underTest.events(ReloadEvent.After.class).size() == 2);
    assertThat(Calls.version(registry, "counter")).isEqualTo(3);
    assertThat(registry.plugin("counter").current().generation()).isEqualTo(3);
    assertThat(Calls.next(registry, "counter")).isEqualTo(2);
  }

  @Test
  void closeDuringAReloadWaitsForItThenLeavesNothing() throws Exception {
    CountDownLatch inReload = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    registry.addListener(event -> {
      if (event instanceof ReloadEvent.Before) {
        inReload.countDown();
        try {
          finish.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
    PluginVersion first = registry.plugin("counter").current();
    dir.publish("counter", Sources.counter(2));
    CompletableFuture<ReloadOutcome> reload = registry.reload("counter");
    assertThat(inReload.await(5, TimeUnit.SECONDS)).isTrue();
    Set<String> threads = reloadThreads();

    CompletableFuture<Void> closing = Async.run(registry::close);
    await().during(Duration.ofMillis(100)).atMost(WAIT).until(() -> !closing.isDone());
    finish.countDown();
    closing.get(10, TimeUnit.SECONDS);

    assertThat(reload).isCompleted();
    assertThat(first.state()).isEqualTo(VersionState.DISPOSED);
    assertThat(registry.plugin("counter").current().state()).isEqualTo(VersionState.DISPOSED);
    assertThat(dir.shadowFiles()).isEmpty();
    assertThat(PluginDir.mappedUnder(dir.shadow())).isEmpty();
    assertThat(reloadThreads()).doesNotContainAnyElementsOf(threads);
  }

  private static Set<String> reloadThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(name -> name.startsWith("reload-"))
        .collect(Collectors.toSet());
  }
}
