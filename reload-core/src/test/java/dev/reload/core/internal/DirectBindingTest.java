package dev.reload.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reload.PluginLease;
import dev.reload.PluginRegistry;
import dev.reload.ReloadEvent;
import dev.reload.ReloadOutcome;
import dev.reload.ReloadStep;
import dev.reload.PluginSettings;
import dev.reload.core.RegistryBuilder;
import dev.reload.spi.StatePayload;
import dev.reload.testing.Async;
import dev.reload.testing.CounterApi;
import dev.reload.testing.CounterSnapshot;
import dev.reload.testing.PluginDir;
import dev.reload.testing.Sources;
import dev.reload.testing.UnmappableApi;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bind() of a public interface: generated direct-mapped classes, one per loaded version. */
class DirectBindingTest {

  @TempDir Path root;
  private PluginDir dir;
  private PluginRegistry registry;
  /** Run inside each restore of the counter's state, when set. */
  private volatile Runnable duringRestore;

  @BeforeEach
  void start() {
    dir = new PluginDir(root);
    dir.publish("counter", Sources.counter(1));
    registry = RegistryBuilder.of(dir.settings().watchEnabled(false)
            .plugin(PluginSettings.builder("counter").build()).build())
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
  void publicInterfacesAreBoundByGeneratedDirectClasses() {
    CounterApi counter = registry.plugin("counter").bind(CounterApi.class);

    assertThat(counter.getClass().getName()).contains("$$ReloadBound");
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
  void directClassesAreReusedRatherThanDefinedPerReload() {
    CounterApi counter = registry.plugin("counter").bind(CounterApi.class);
    int definedBefore = DirectApi.of(CounterApi.class).defined();
    for (int build = 2; build <= 12; build++) {
      dir.publish("counter", Sources.counter(build));
      registry.reload("counter").join();
      assertThat(counter.version()).isEqualTo(build);
    }
    // At most two versions are mapped at once (current and outgoing): two classes serve them all.
    assertThat(DirectApi.of(CounterApi.class).defined()).isLessThanOrEqualTo(definedBefore + 2);
  }

  @Test
  void buildMissingASymbolOfABoundInterfaceIsRefusedAtLoad() {
    CounterApi counter = registry.plugin("counter").bind(CounterApi.class);
    counter.next();
    dir.publish("counter", withoutAdd(2));

    ReloadOutcome outcome = registry.reload("counter").join();

    assertThat(outcome).isInstanceOfSatisfying(ReloadOutcome.Failed.class, failed -> {
      assertThat(failed.step()).isEqualTo(ReloadStep.LOAD);
      assertThat(failed.reason()).contains("cannot serve " + CounterApi.class.getName())
          .contains("add");
    });
    assertThat(counter.version()).isEqualTo(1);
    assertThat(counter.next()).isEqualTo(2);
  }

  @Test
  void failedRegistrationsReuseTheirClassInsteadOfDefiningOnePerReload() {
    // Issue 10, defect 3: 5 failed reloads defined 5 more classes, each kept by JNA for good.
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
    // Issue 10, defect 2: the incoming version was loaded before the bind and lacked its slot, so
    // every call after the swap threw ArrayIndexOutOfBoundsException.
    AtomicReference<CounterApi> bound = bindAtBefore();
    dir.publish("counter", Sources.counter(2));

    assertThat(registry.reload("counter").join()).isInstanceOf(ReloadOutcome.Swapped.class);

    assertThat(bound.get().version()).isEqualTo(2);
    assertThat(bound.get().next()).isEqualTo(1);
  }

  @Test
  void interfaceBoundFromAStateSnapshotServesTheIncomingVersion() {
    // Issue 10, defect 2, from restore: the gate is closed and the reload holds the lock.
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
  void boundCallPinsItsVersionUntilItReturns() throws Exception {
    CounterApi counter = registry.plugin("counter").bind(CounterApi.class);
    CompletableFuture<Integer> slow = Async.supply(() -> counter.slow(200));
    org.awaitility.Awaitility.await()
        .until(() -> ((DefaultPluginRegistry) registry).inFlight("counter") == 1);
    dir.publish("counter", Sources.counter(2));

    assertThat(registry.reload("counter").get(5, TimeUnit.SECONDS))
        .isInstanceOf(ReloadOutcome.Swapped.class);
    assertThat(slow).isCompletedWithValue(1);
    assertThat(counter.version()).isEqualTo(2);
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

  @Test
  void unsupportedTypesAreRefusedWhenBinding() {
    assertThatThrownBy(() -> registry.plugin("counter").bind(UnmappableApi.class))
        .hasMessageContaining("cannot serve " + UnmappableApi.class.getName())
        .hasMessageContaining("not a supported");
    assertThat(registry.plugin("counter").bind(CounterApi.class).add(1, 1)).isEqualTo(2);
  }
}
