package dev.reload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.reload.Plugin;
import dev.reload.PluginException;
import dev.reload.PluginLease;
import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.ReloadEvent;
import dev.reload.ReloadOutcome;
import dev.reload.UnknownPluginException;
import dev.reload.fixtures.Async;
import dev.reload.fixtures.Callers;
import dev.reload.fixtures.Calls;
import dev.reload.fixtures.CounterSnapshot;
import dev.reload.fixtures.InEveryWatchMode;
import dev.reload.fixtures.Sources;
import dev.reload.testkit.PluginDir;
import dev.reload.testkit.RegistryUnderTest;
import dev.reload.testkit.ReloadExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The live plugin set: {@link PluginRegistry#add} and {@link PluginRegistry#remove} while the
 * registry serves, as {@code dynamic_reload}'s {@code add_library}.
 */
@EnabledOnOs(OS.LINUX)
@ExtendWith(ReloadExtension.class)
class RuntimePluginSetTest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private PluginDir dir;
  private RegistryUnderTest underTest;
  private PluginRegistry registry;
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  @BeforeEach
  void startWithOnePlugin(PluginDir dir, RegistryUnderTest underTest) {
    this.dir = dir;
    this.underTest = underTest;
    dir.publish("stays", Sources.counter(1));
  }

  private PluginRegistry start(ReloadSettings.Builder settings) {
    registry = underTest.start(RegistryBuilder.of(
            settings.plugin(PluginSettings.builder("stays").build()).build())
        .stateSnapshot("counter", new CounterSnapshot())
        .meterRegistry(meters));
    return registry;
  }

  private static PluginSettings counter() {
    return PluginSettings.builder("counter").requiredSymbols("counter_set").build();
  }

  /** Shadow copies of the plugin {@code name}, by their file names. */
  private List<Path> copiesOf(String name) {
    return dir.shadowFiles().stream()
        .filter(file -> file.getFileName().toString().startsWith(name + "-"))
        .toList();
  }

  @InEveryWatchMode
  void addedPluginServesAndIsWatched(ReloadSettings.WatchMode mode) {
    start(dir.settings().watchMode(mode).pollInterval(Duration.ofMillis(50)));
    dir.publish("counter", Sources.counter(1));

    Plugin added = registry.add(counter());

    assertThat(added.stateful()).isTrue(); // the snapshot given at build time applies
    assertThat(registry.plugins()).extracting(Plugin::name).containsExactly("stays", "counter");
    assertThat(Calls.next(registry, "counter")).isEqualTo(1);
    assertThat(underTest.events())
        .singleElement()
        .isInstanceOfSatisfying(
            ReloadEvent.Added.class,
            event -> assertThat(event.current().generation()).isEqualTo(1));
    assertThat(meters.find("reload.generation").tag("plugin", "counter").gauge())
        .isNotNull();

    dir.publish("counter", Sources.counter(2));
    await().atMost(WAIT).until(() -> Calls.version(registry, "counter") == 2);
    assertThat(Calls.next(registry, "counter")).isEqualTo(2);
  }

  @Test
  void addOfATakenNameIsRefusedAndChangesNothing() {
    start(dir.settings());
    dir.publish("counter", Sources.counter(1));
    registry.add(counter());

    assertThatThrownBy(() -> registry.add(PluginSettings.builder("stays").build()))
        .isInstanceOf(PluginException.class)
        .hasMessageContaining("'stays' is already");
    assertThat(Calls.version(registry, "stays")).isEqualTo(1);
  }

  @Test
  void addOfEveryKindOfBadLibraryLeavesNothingBehind() throws Exception {
    start(dir.settings().preflight(true));
    List<Path> copiesBefore = dir.shadowFiles();
    dir.build().publishBytes(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1}, dir.lib("truncated"));
    dir.build().publishBytes("#!/bin/sh\necho hi\n".getBytes(), dir.lib("script"));
    dir.publish("nosymbol", Sources.counterWithoutSet(1));
    dir.publish("crashes", Sources.withConstructor(1, "raise(SIGSEGV);"));
    dir.publish("refuses", Sources.withInit(1, 3));

    for (String name :
        List.of("missing", "truncated", "script", "nosymbol", "crashes", "refuses")) {
      assertThatThrownBy(() -> registry.add(
              PluginSettings.builder(name).requiredSymbols("counter_set").build()))
          .as(name)
          .isInstanceOf(PluginException.class)
          .hasMessageContaining(name);
      assertThat(registry.find(name)).as(name).isEmpty();
      assertThat(dir.shadowFiles()).as(name).containsExactlyInAnyOrderElementsOf(copiesBefore);
      assertThat(PluginDir.mappedUnder(dir.shadow()))
          .as(name)
          .allMatch(line -> line.contains("stays-"));
    }
    assertThat(underTest.events()).isEmpty();
    // Each name is still free.
    dir.publish("crashes", Sources.counter(7));
    registry.add(PluginSettings.builder("crashes").build());
    assertThat(Calls.version(registry, "crashes")).isEqualTo(7);
  }

  @Test
  void removedPluginRefusesCallsNamingItAndLeavesNothingMappedOrOnDisk() throws Exception {
    start(dir.settings());
    dir.publish("counter", Sources.counter(1));
    Plugin plugin = registry.add(counter());
    Calls.next(registry, "counter");
    registry.reload("counter").join(); // unchanged: still one copy
    dir.publish("counter", Sources.counter(2));
    assertThat(registry.reload("counter").join()).isInstanceOf(ReloadOutcome.Swapped.class);
    assertThat(copiesOf("counter")).hasSize(2); // current and the rollback copy
    CounterApi api = plugin.bind(CounterApi.class);

    registry.remove("counter");

    assertThat(registry.find("counter")).isEmpty();
    assertThatThrownBy(() -> registry.plugin("counter")).isInstanceOf(UnknownPluginException.class);
    assertThatThrownBy(plugin::acquire)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("plugin 'counter' was removed");
    assertThatThrownBy(api::counter_next)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("plugin 'counter' was removed");
    assertThat(copiesOf("counter")).isEmpty();
    assertThat(PluginDir.mappedUnder(dir.shadow())).noneMatch(line -> line.contains("counter-"));
    assertThat(underTest.events())
        .last()
        .isInstanceOfSatisfying(
            ReloadEvent.Removed.class,
            event -> assertThat(event.last().generation()).isEqualTo(2));
    assertThat(meters.getMeters())
        .noneMatch(meter -> "counter".equals(meter.getId().getTag("plugin")));
    assertThat(Calls.next(registry, "stays")).isEqualTo(1);
  }

  /**
   * A removal of the counter waiting for a lease held on another thread: counting {@code release}
   * down lets the lease make its last call ({@code held}, which must reach a mapped library) and
   * close, and the removal end ({@code done}).
   */
  private record Removal(
      CountDownLatch release, CompletableFuture<Long> held, CompletableFuture<Void> done) {}

  /** Adds the counter, opens a lease on it, and starts removing it; returns once it is gone. */
  private Removal removeWhileALeaseIsOpen() throws InterruptedException {
    // A drain timeout no stall of the machine reaches: the removal must wait for the lease itself.
    start(dir.settings().drainTimeout(Duration.ofMinutes(1)));
    dir.publish("counter", Sources.counter(1));
    registry.add(counter());
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<Long> held = holdALease(release);
    CompletableFuture<Void> done = Async.run(() -> registry.remove("counter"));
    await().atMost(WAIT).until(() -> registry.find("counter").isEmpty());
    return new Removal(release, held, done);
  }

  /**
   * Takes a lease on the counter on another thread and keeps it until {@code release}; returns
   * once the lease is open. The future completes with the call made through it at the end, which
   * must still reach a mapped library.
   */
  private CompletableFuture<Long> holdALease(CountDownLatch release) throws InterruptedException {
    CountDownLatch leased = new CountDownLatch(1);
    CompletableFuture<Long> held = Async.supply(() -> {
      try (PluginLease lease = registry.plugin("counter").acquire()) {
        leased.countDown();
        release.await();
        return lease.invokeLong("counter_next");
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(leased.await(10, TimeUnit.SECONDS)).isTrue();
    return held;
  }

  /** The test plugins' counter, bound as an interface. */
  public interface CounterApi {
    long counter_next();
  }

  @Test
  void removeWaitsForOpenLeasesAndTheNameCanBeAddedAgain() throws Exception {
    Removal removal = removeWhileALeaseIsOpen();
    assertThat(removal.done()).isNotDone();
    // The name is not free until the removal ends: a re-add now would race its end.
    assertThatThrownBy(() -> registry.add(counter()))
        .isInstanceOf(PluginException.class)
        .hasMessageContaining("plugin 'counter' is being added or removed");

    removal.release().countDown();
    assertThat(removal.held().get(10, TimeUnit.SECONDS)).isEqualTo(1);
    removal.done().get(10, TimeUnit.SECONDS);

    dir.publish("counter", Sources.counter(5));
    registry.add(counter());
    assertThat(Calls.version(registry, "counter")).isEqualTo(5);
    assertThat(Calls.next(registry, "counter")).isEqualTo(1); // a new plugin: new state
    assertThat(meters.find("reload.generation").tag("plugin", "counter").gauge())
        .isNotNull();
    assertThat(underTest.events())
        .filteredOn(event -> event.plugin().equals("counter"))
        .extracting(event -> event.getClass().getSimpleName())
        .containsExactly("Added", "Removed", "Added");
  }

  @Test
  void closeWaitsForARemovalInProgressAndLeavesNothingMapped() throws Exception {
    Removal removal = removeWhileALeaseIsOpen();
    CompletableFuture<Void> closing = Async.run(registry::close);

    removal.release().countDown();
    assertThat(removal.held().get(10, TimeUnit.SECONDS)).isEqualTo(1);
    removal.done().get(10, TimeUnit.SECONDS);
    closing.get(10, TimeUnit.SECONDS);
    assertThat(PluginDir.mappedUnder(dir.shadow())).isEmpty();
    assertThat(dir.shadowFiles()).isEmpty();
  }

  @Test
  void removeFailsQueuedReloadsOfThePlugin() {
    start(dir.settings().schedulerMode(ReloadSettings.SchedulerMode.POLL));
    dir.publish("counter", Sources.counter(1));
    registry.add(counter());
    CompletableFuture<ReloadOutcome> queued = registry.reload("counter");

    registry.remove("counter");

    assertThatThrownBy(() -> queued.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("plugin 'counter' was removed");
    assertThat(registry.update()).isZero();
  }

  @Test
  void addAndRemoveUnderLoadNeverFailACallOfAnotherPlugin() throws Exception {
    start(dir.settings());
    dir.publish("counter", Sources.counter(1));
    Callers stays = Callers.start(registry, "stays", 2);
    try {
      for (int round = 0; round < 20; round++) {
        registry.add(counter());
        Calls.next(registry, "counter");
        registry.remove("counter");
      }
    } finally {
      stays.stop();
    }
    assertThat(stays.failures()).isEmpty();
    assertThat(stays.increments()).isPositive();
    assertThat(PluginDir.mappedUnder(dir.shadow())).noneMatch(line -> line.contains("counter-"));
    assertThat(underTest.events())
        .filteredOn(ReloadEvent.Added.class::isInstance)
        .hasSize(20);
    assertThat(underTest.events())
        .filteredOn(ReloadEvent.Removed.class::isInstance)
        .hasSize(20);
  }

  @Test
  void callersOfAPluginBeingRemovedGetTheClearExceptionAndNeverAnUnmappedLibrary()
      throws Exception {
    start(dir.settings());
    dir.publish("counter", Sources.counter(1));
    registry.add(counter());
    Callers churned = Callers.start(registry, "counter", 2);
    registry.remove("counter");
    // A removal with no lease open ends at once: wait for a call after it before stopping.
    await().until(() -> !churned.failures().isEmpty());
    churned.stop();

    assertThat(churned.failures())
        .isNotEmpty()
        .allSatisfy(failure -> assertThat(failure)
            .isInstanceOfAny(IllegalStateException.class, UnknownPluginException.class)
            .hasMessageContaining("'counter'"));
  }

  @Test
  void addAndRemoveAfterCloseAreRefused() throws Exception {
    start(dir.settings());
    dir.publish("counter", Sources.counter(1));
    registry.close();

    assertThatThrownBy(() -> registry.add(counter()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> registry.remove("stays"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThat(Files.exists(dir.shadow())).isTrue();
    assertThat(dir.shadowFiles()).isEmpty();
  }
}
