package dev.reload.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.reload.PluginLease;
import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.ReloadEvent;
import dev.reload.ReloadOutcome;
import dev.reload.ReloadStep;
import dev.reload.core.RegistryBuilder;
import dev.reload.core.ReloadSettings;
import dev.reload.fixtures.Async;
import dev.reload.fixtures.Callers;
import dev.reload.fixtures.CounterApi;
import dev.reload.fixtures.CounterSnapshot;
import dev.reload.fixtures.Counters;
import dev.reload.fixtures.FencedPins;
import dev.reload.fixtures.Sources;
import dev.reload.fixtures.TypesApi;
import dev.reload.fixtures.UnmappableApi;
import dev.reload.spi.StatePayload;
import dev.reload.testkit.PluginDir;
import dev.reload.testkit.Publish;
import dev.reload.testkit.ReloadExtension;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * bind() of a public interface, on each call path this JVM has (JNA direct mapping; {@code
 * java.lang.foreign} on JDK 22+): a generated bound class, and one implementation per loaded
 * version.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("dev.reload.fixtures.Bindings#all")
@ExtendWith(ReloadExtension.class)
class BindingTest {

  @Parameter
  ReloadSettings.Binding binding;

  private PluginDir dir;
  private PluginRegistry registry;
  /** Run inside each restore of the counter's state, when set. */
  private volatile Runnable duringRestore;

  @BeforeEach
  void start(PluginDir dir) {
    this.dir = dir;
    dir.publish("counter", Sources.counter(1));
    dir.publish("stateless", Sources.counter(1));
    dir.publish("types", Sources.types());
    registry = RegistryBuilder.of(dir.settings()
            .watchEnabled(false)
            .binding(binding)
            .plugin(PluginSettings.builder("counter").build())
            .plugin(PluginSettings.builder("stateless").build())
            .plugin(PluginSettings.builder("types").build())
            .build())
        .stateSnapshot("counter", new CounterSnapshot() {
          @Override
          public void restore(PluginLease incoming, StatePayload payload) {
            super.restore(incoming, payload);
            Runnable hook = duringRestore;
            if (hook != null) {
              hook.run();
            }
          }
        })
        .build();
  }

  @AfterEach
  void close() {
    registry.close();
  }

  @Test
  void publicInterfacesAreBoundByGeneratedClasses() {
    CounterApi counter = registry.plugin("counter").bind(CounterApi.class);

    assertThat(counter.getClass().getName()).contains("$$ReloadBound");
    Class<?> implementation = implementation("counter").getClass();
    if (binding == ReloadSettings.Binding.FFM) {
      assertThat(implementation.getName()).contains("$$ReloadForeign");
      assertThat(implementation.isHidden()).isTrue();
    } else {
      assertThat(implementation.getName()).contains("$$ReloadDirect");
    }
    assertThat(counter.add(40, 2)).isEqualTo(42);
    counter.counter_set(9);
    assertThat(counter.next()).isEqualTo(10);
    assertThat(counter.get()).isEqualTo(10);
    assertThat(counter).hasToString("CounterApi bound to plugin 'counter'");
    assertThat(((DefaultPluginRegistry) registry).inFlight("counter")).isZero();
  }

  @Test
  void boundInterfaceFollowsReloadsAndKeepsTheState() {
    CounterApi counter = registry.plugin("counter").bind(CounterApi.class);
    counter.next();
    for (int build = 2; build <= 4; build++) {
      dir.publish("counter", Sources.counter(build));
      assertThat(registry.reload("counter").join()).isInstanceOf(ReloadOutcome.Swapped.class);
      assertThat(counter.version()).isEqualTo(build);
    }
    assertThat(counter.next()).isEqualTo(2);
    assertThat(registry.plugin("counter").bind(CounterApi.class).get()).isEqualTo(2);
  }

  @Test
  void implementationClassesDoNotAccumulateOverReloads() {
    CounterApi counter = registry.plugin("counter").bind(CounterApi.class);
    int definedBefore = DirectApi.of(CounterApi.class).defined();
    List<WeakReference<Class<?>>> classes = new ArrayList<>();
    for (int build = 2; build <= 21; build++) {
      dir.publish("counter", Sources.counter(build));
      registry.reload("counter").join();
      assertThat(counter.version()).isEqualTo(build);
      classes.add(new WeakReference<>(implementation("counter").getClass()));
    }
    // JNA: at most two versions are mapped at once (current and outgoing), so two pooled classes
    // serve them all. java.lang.foreign: one hidden class serves every version.
    assertThat(DirectApi.of(CounterApi.class).defined()).isLessThanOrEqualTo(definedBefore + 2);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      System.gc();
      assertThat(
              classes.stream().map(WeakReference::get).filter(Objects::nonNull).distinct())
          .hasSizeLessThanOrEqualTo(2);
    });
  }

  @Test
  void everyTypeAnInterfaceCanTakePassesBothWays() {
    TypesApi types = registry.plugin("types").bind(TypesApi.class);

    assertThat(types.negateByte((byte) 7)).isEqualTo((byte) -7);
    assertThat(types.negateShort((short) -300)).isEqualTo((short) 300);
    assertThat(types.addLongs(1L << 40, 2)).isEqualTo((1L << 40) + 2);
    assertThat(types.halveFloat(3f)).isEqualTo(1.5f);
    assertThat(types.halveDouble(5d)).isEqualTo(2.5d);
    assertThat(types.not(false)).isTrue();
    assertThat(types.not(true)).isFalse();
    assertThat(types.length("hello")).isEqualTo(5);
    assertThat(types.length(null)).isEqualTo(-1);
    assertThat(types.nameOf(1)).isEqualTo("one");
    assertThat(types.nameOf(2)).isNull();
    byte[] out = new byte[4];
    assertThat(types.fill(out, 3, (byte) 'x')).isEqualTo(3);
    assertThat(out).containsExactly('x', 'x', 'x', 0);
    assertThat(types.sumInts(new int[] {1, 2, 3, Integer.MAX_VALUE}, 4))
        .isEqualTo(6L + Integer.MAX_VALUE);
    double[] values = {1.5, -2};
    types.doubleAll(values, 2);
    assertThat(values).containsExactly(3, -4);
    assertThat(types.sumInts(new int[0], 0)).isZero();
    assertThat(((DefaultPluginRegistry) registry).inFlight("types")).isZero();
  }

  @Test
  void boundCallsNeverRunOnAnUnmappedVersionAndEveryIncrementCountsOnce() throws Exception {
    Callers stateful = Callers.startBound(registry, "counter", 2);
    Callers stateless = Callers.startBound(registry, "stateless", 2);
    Counters.reloadThrough(dir, registry, 7, "counter", "stateless");
    stateful.stop();
    stateless.stop();

    assertThat(stateful.failures()).isEmpty();
    assertThat(stateless.failures()).isEmpty();
    assertThat(stateless.increments()).isPositive();
    CounterApi counter = registry.plugin("counter").bind(CounterApi.class);
    assertThat(counter.version()).isEqualTo(7);
    // Moved by the snapshot at each reload: none lost, repeated or reset.
    assertThat(counter.get()).isEqualTo(stateful.increments()).isPositive();
  }

  @Test
  @FencedPins
  void drainsSeeEveryBoundCallOfManyThreadsThroughBackToBackReloads() throws Exception {
    // A bound call pins with no atomic instruction (CallPins); every drain must still see it. A
    // call the stateful drain missed would add its increment after the capture (lost, so the
    // count below would be short); one the stateless drain missed would run on an unmapped
    // library (a crash).
    Path[] builds = {
      dir.build().compile(Sources.counter(2)), dir.build().compile(Sources.counter(3))
    };
    Callers stateful = Callers.startBound(registry, "counter", 3);
    Callers stateless = Callers.startBound(registry, "stateless", 3);
    for (int reload = 0; reload < 30; reload++) {
      for (String plugin : List.of("counter", "stateless")) {
        dir.publish(plugin, builds[reload % 2], Publish.RENAME);
        assertThat(registry.reload(plugin).join()).isInstanceOf(ReloadOutcome.Swapped.class);
      }
    }
    stateful.stop();
    stateless.stop();

    assertThat(stateful.failures()).isEmpty();
    assertThat(stateless.failures()).isEmpty();
    assertThat(stateless.increments()).isPositive();
    assertThat(registry.plugin("counter").bind(CounterApi.class).get())
        .isEqualTo(stateful.increments())
        .isPositive();
    // Every outgoing version drained and was unmapped: the three current ones are left.
    await()
        .until(() -> PluginDir.mappedUnder(dir.shadow()).stream()
                .map(line -> line.substring(line.lastIndexOf(' ') + 1))
                .distinct()
                .count()
            == 3);
    assertThat(((DefaultPluginRegistry) registry).inFlight("counter")).isZero();
  }

  @Test
  @FencedPins
  void removeWaitsForABoundCallInFlightOnAnotherThread() throws Exception {
    CounterApi stateless = registry.plugin("stateless").bind(CounterApi.class);
    CompletableFuture<Integer> slow = Async.supply(() -> stateless.slow(1_000));
    awaitInFlight("stateless");

    registry.remove("stateless");

    // Removal unmapped the version only once the call had left it: unmapped under the call, the
    // return into the plugin's code (after its usleep) would have crashed the JVM.
    assertThat(slow.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(PluginDir.mappedUnder(dir.shadow())).noneMatch(line -> line.contains("stateless"));
  }

  @Test
  void statelessSwapDoesNotWaitForBoundCallsInFlight() throws Exception {
    CounterApi stateless = registry.plugin("stateless").bind(CounterApi.class);
    Path build2 = dir.build().compile(Sources.counter(2)); // gcc, before the call's time runs
    CompletableFuture<Integer> slow = Async.supply(() -> stateless.slow(4_000));
    awaitInFlight("stateless");
    dir.publish("stateless", build2, Publish.RENAME);

    // Well before the call in flight can return: the swap did not wait for it.
    assertThat(registry.reload("stateless").get(3, TimeUnit.SECONDS))
        .isInstanceOf(ReloadOutcome.Swapped.class);

    assertThat(slow).isNotDone();
    assertThat(stateless.version()).isEqualTo(2);
    // The outgoing version stays mapped under its call, which returns from it.
    assertThat(slow.get(10, TimeUnit.SECONDS)).isEqualTo(1);
  }

  @Test
  void boundCallsOfARemovedPluginOrAClosedRegistryFailCleanly() {
    CounterApi stateless = registry.plugin("stateless").bind(CounterApi.class);
    CounterApi counter = registry.plugin("counter").bind(CounterApi.class);
    assertThat(stateless.add(1, 2)).isEqualTo(3);

    registry.remove("stateless");
    assertThatThrownBy(() -> stateless.add(1, 2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'stateless'");

    registry.close();
    assertThatThrownBy(counter::next)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'counter'");
  }

  @Test
  void buildMissingASymbolOfABoundInterfaceIsRefusedAtLoad() {
    CounterApi counter = registry.plugin("counter").bind(CounterApi.class);
    counter.next();
    dir.publish("counter", withoutAdd(2));

    ReloadOutcome outcome = registry.reload("counter").join();

    assertThat(outcome).isInstanceOfSatisfying(ReloadOutcome.Failed.class, failed -> {
      assertThat(failed.step()).isEqualTo(ReloadStep.LOAD);
      assertThat(failed.reason())
          .contains("cannot serve " + CounterApi.class.getName())
          .contains("add");
    });
    assertThat(counter.version()).isEqualTo(1);
    assertThat(counter.next()).isEqualTo(2);
  }

  @Test
  void failedRegistrationsReuseTheirClassInsteadOfDefiningOnePerReload() {
    // Regression: 5 failed reloads defined 5 more classes, each kept by JNA for good.
    CounterApi counter = registry.plugin("counter").bind(CounterApi.class);
    dir.publish("counter", withoutAdd(2));
    assertThat(registry.reload("counter").join()).isInstanceOf(ReloadOutcome.Failed.class);
    int defined = DirectApi.of(CounterApi.class).defined();

    for (int i = 0; i < 5; i++) {
      assertThat(registry.reload("counter").join()).isInstanceOf(ReloadOutcome.Failed.class);
    }

    assertThat(DirectApi.of(CounterApi.class).defined()).isEqualTo(defined);
    // The class pooled after failing serves the next good build.
    dir.publish("counter", Sources.counter(3));
    assertThat(registry.reload("counter").join()).isInstanceOf(ReloadOutcome.Swapped.class);
    assertThat(counter.version()).isEqualTo(3);
    assertThat(counter.add(2, 3)).isEqualTo(5);
    assertThat(DirectApi.of(CounterApi.class).defined()).isEqualTo(defined);
  }

  @Test
  void interfaceBoundFromABeforeListenerServesTheIncomingVersion() {
    // Regression: the incoming version was loaded before the bind and lacked its slot, so
    // every call after the swap threw ArrayIndexOutOfBoundsException.
    AtomicReference<CounterApi> bound = bindAtBefore();
    dir.publish("counter", Sources.counter(2));

    assertThat(registry.reload("counter").join()).isInstanceOf(ReloadOutcome.Swapped.class);

    assertThat(bound.get().version()).isEqualTo(2);
    assertThat(bound.get().next()).isEqualTo(1);
  }

  @Test
  void interfaceBoundFromAStateSnapshotServesTheIncomingVersion() {
    // The same regression, bound from restore: the gate is closed and the reload holds the lock.
    AtomicReference<CounterApi> bound = new AtomicReference<>();
    duringRestore =
        () -> bound.compareAndSet(null, registry.plugin("counter").bind(CounterApi.class));
    dir.publish("counter", Sources.counter(2));

    assertThat(registry.reload("counter").join()).isInstanceOf(ReloadOutcome.Swapped.class);

    assertThat(bound.get().version()).isEqualTo(2);
    dir.publish("counter", Sources.counter(3));
    assertThat(registry.reload("counter").join()).isInstanceOf(ReloadOutcome.Swapped.class);
    assertThat(bound.get().version()).isEqualTo(3);
  }

  @Test
  void incomingVersionThatCannotServeAnInterfaceBoundDuringItsReloadFailsAtSwap() {
    AtomicReference<CounterApi> bound = bindAtBefore();
    dir.publish("counter", withoutAdd(2));

    ReloadOutcome outcome = registry.reload("counter").join();

    assertThat(outcome).isInstanceOfSatisfying(ReloadOutcome.Failed.class, failed -> {
      assertThat(failed.step()).isEqualTo(ReloadStep.SWAP);
      assertThat(failed.reason())
          .contains("generation 2 cannot serve " + CounterApi.class.getName());
    });
    assertThat(bound.get().version()).isEqualTo(1);
    assertThat(bound.get().add(1, 2)).isEqualTo(3);
  }

  /** Binds {@link CounterApi} from a listener, at the Before of the next reload. */
  private AtomicReference<CounterApi> bindAtBefore() {
    AtomicReference<CounterApi> bound = new AtomicReference<>();
    registry.addListener(event -> {
      if (event instanceof ReloadEvent.Before) {
        bound.set(registry.plugin("counter").bind(CounterApi.class));
      }
    });
    return bound;
  }

  private static String withoutAdd(int version) {
    return Sources.counter(version).replace("int add(int a, int b)", "int plus(int a, int b)");
  }

  @Test
  @FencedPins
  void boundCallPinsItsVersionUntilItReturns() throws Exception {
    CounterApi counter = registry.plugin("counter").bind(CounterApi.class);
    AtomicLong pinnedAtSwap = new AtomicLong(-1);
    registry.addListener(event -> {
      if (event instanceof ReloadEvent.After after) {
        pinnedAtSwap.set(((LoadedVersion) after.from()).inFlight());
      }
    });
    Path build2 = dir.build().compile(Sources.counter(2));
    CompletableFuture<Integer> slow = Async.supply(() -> counter.slow(1_000));
    awaitInFlight("counter");
    dir.publish("counter", build2, Publish.RENAME);

    assertThat(registry.reload("counter").get(10, TimeUnit.SECONDS))
        .isInstanceOf(ReloadOutcome.Swapped.class);
    // The outgoing version had no call left in it when the incoming one took over.
    assertThat(pinnedAtSwap).hasValue(0);
    assertThat(slow.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(counter.version()).isEqualTo(2);
  }

  /** Waits, polling fast, until one bound call of {@code plugin} is in its native code. */
  private void awaitInFlight(String plugin) {
    await()
        .pollInterval(Duration.ofMillis(2))
        .until(() -> ((DefaultPluginRegistry) registry).inFlight(plugin) == 1);
  }

  @Test
  void nonPublicInterfacesStillWorkThroughAProxy() {
    Hidden hidden = registry.plugin("counter").bind(Hidden.class);
    assertThat(java.lang.reflect.Proxy.isProxyClass(hidden.getClass())).isTrue();
    assertThat(hidden.add(1, 2)).isEqualTo(3);
  }

  interface Hidden {
    int add(int a, int b);
  }

  /** The implementation of the interface bound first on {@code plugin}'s current version. */
  private Object implementation(String plugin) {
    return ((ManagedPlugin) registry.plugin(plugin)).currentVersion().direct(0);
  }

  @Test
  void unsupportedTypesAreRefusedWhenBinding() {
    assertThatThrownBy(() -> registry.plugin("counter").bind(UnmappableApi.class))
        .hasMessageContaining("cannot serve " + UnmappableApi.class.getName())
        .hasMessageContaining("not a supported");
    assertThat(registry.plugin("counter").bind(CounterApi.class).add(1, 1)).isEqualTo(2);
  }
}
