package dev.reload.guice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.Service;
import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.reload.PluginLease;
import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.ReloadEvent;
import dev.reload.ReloadListener;
import dev.reload.Symbol;
import dev.reload.UnknownPluginException;
import dev.reload.core.RegistryBuilder;
import dev.reload.fixtures.CounterSnapshot;
import dev.reload.fixtures.Sources;
import dev.reload.guice.internal.ForwarderClasses;
import dev.reload.testkit.PluginDir;
import dev.reload.testkit.ReloadExtension;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A real injector over real gcc-built plugins. Public, so that its nested interfaces are public as
 * an application's are, and are injected through generated classes (not the proxy fallback).
 */
@ExtendWith(ReloadExtension.class)
public class ReloadModuleTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  /** The counter plugin as the application sees it. */
  public interface Counter {
    @Symbol("counter_next")
    long next();

    int version();

    /** Runs on the bound implementation: the frames below it are the call's way there. */
    default StackTraceElement[] stackOfACall() {
      return new Throwable().getStackTrace();
    }

    default long nextTwice() {
      next();
      return next();
    }
  }

  /** Not public: injected through the proxy fallback. */
  interface HiddenCounter {
    @Symbol("counter_next")
    long next();
  }

  /** No class outside its permits may implement it, so none can be injected. */
  public sealed interface SealedCounter permits SealedCounterImplementation {
    long counter_next();
  }

  /** The only implementation {@link SealedCounter} permits. */
  static final class SealedCounterImplementation implements SealedCounter {
    @Override
    public long counter_next() {
      return 0;
    }
  }

  /** A plugin the configuration does not name, added while the registry runs. */
  public interface LateCounter {
    @Symbol("counter_next")
    long next();
  }

  /** Counts calls so a test can see the module used it. */
  public static final class CountingSnapshot extends CounterSnapshot {
    static final List<String> CALLS = new CopyOnWriteArrayList<>();

    @Override
    public dev.reload.spi.StatePayload capture(PluginLease outgoing) {
      CALLS.add("capture " + outgoing.version().generation());
      return super.capture(outgoing);
    }
  }

  private PluginDir dir;
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final List<ReloadEvent> events = new CopyOnWriteArrayList<>();
  private Injector injector;
  private ReloadService service;

  @BeforeEach
  void buildInjector(PluginDir dir) {
    this.dir = dir;
    dir.publish("counter", Sources.counter(1));
    dir.publish("greeter", Sources.greeter("Hello"));
    CountingSnapshot.CALLS.clear();
    injector = injector();
    service = injector.getInstance(ReloadService.class);
  }

  /** An injector of the test's plugins, with its own {@link ReloadService}. */
  private Injector injector() {
    Config config = ConfigFactory.parseString("""
            reload {
              search-paths = ["%s"]
              shadow-dir = "%s"
              watch.debounce = 20ms
              plugins {
                counter.required-symbols = [counter_next, counter_get, counter_set]
                greeter.required-symbols = [greet]
              }
            }
            """.formatted(dir.libs(), dir.shadow()))
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
    return Guice.createInjector(new ReloadModule(), new AbstractModule() {
      @Override
      protected void configure() {
        bind(Config.class).toInstance(config);
        bind(MeterRegistry.class).toInstance(meters);
        ReloadModule.bindStateSnapshot(binder(), "counter").to(CountingSnapshot.class);
        ReloadModule.bindPlugin(binder(), Counter.class, "counter");
        ReloadModule.bindPlugin(binder(), HiddenCounter.class, "counter");
        ReloadModule.bindPlugin(binder(), LateCounter.class, "late");
        ReloadModule.bindListener(binder()).toInstance(events::add);
      }
    });
  }

  @AfterEach
  void stopService() {
    service.stopAsync().awaitTerminated();
  }

  private static Set<String> reloadThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(name -> name.startsWith("reload-"))
        .collect(Collectors.toSet());
  }

  @Test
  void injectedRegistryServesCalls() {
    service.startAsync().awaitRunning();
    PluginRegistry registry = injector.getInstance(PluginRegistry.class);

    try (PluginLease lease = registry.plugin("greeter").acquire()) {
      byte[] out = new byte[32];
      int length = lease.invokeInt("greet", "Guice", out, out.length);
      assertThat(new String(out, 0, length)).isEqualTo("Hello, Guice!");
    }
    assertThat(registry.plugins()).hasSize(2);
  }

  @Test
  void typedInterfaceKeepsWorkingAcrossAReloadAndReachesTheNewCode() {
    Counter counter = injector.getInstance(Counter.class); // injected before the service starts
    service.startAsync().awaitRunning();
    assertThat(counter.next()).isEqualTo(1);
    assertThat(counter.version()).isEqualTo(1);

    dir.publish("counter", Sources.counter(2));

    await().atMost(WAIT).until(() -> counter.version() == 2);
    assertThat(counter.next()).isEqualTo(2);
    assertThat(counter.toString()).isEqualTo("Counter bound to plugin 'counter'");
  }

  @Test
  void injectedInterfaceFailsNamingItsRemovedPluginAndServesThePluginAddedBackUnderItsName() {
    Counter counter = injector.getInstance(Counter.class);
    service.startAsync().awaitRunning();
    PluginRegistry registry = injector.getInstance(PluginRegistry.class);
    assertThat(counter.next()).isEqualTo(1);

    registry.remove("counter");

    for (int call = 0; call < 2; call++) { // each call fails, not only the first
      assertThatThrownBy(counter::next)
          .isInstanceOf(UnknownPluginException.class)
          .hasMessageContaining("no plugin named 'counter'");
    }
    assertThat(dir.shadowFiles())
        .noneMatch(file -> file.getFileName().toString().startsWith("counter-"));

    dir.publish("counter", Sources.counter(3));
    registry.add(PluginSettings.builder("counter")
        .requiredSymbols("counter_next", "counter_get", "counter_set")
        .build());

    assertThat(counter.version()).isEqualTo(3);
    assertThat(counter.next()).isEqualTo(1); // a new plugin: its state starts afresh
    assertThat(counter.next()).isEqualTo(2);
    assertThat(events)
        .extracting(event -> event.getClass().getSimpleName())
        .containsExactly("Removed", "Added");
  }

  @Test
  void injectedInterfaceFollowsAPluginReplacedWithoutACallInBetween() {
    Counter counter = injector.getInstance(Counter.class);
    service.startAsync().awaitRunning();
    PluginRegistry registry = injector.getInstance(PluginRegistry.class);
    assertThat(counter.version()).isEqualTo(1); // bound to the first Plugin object

    registry.remove("counter");
    dir.publish("counter", Sources.counter(4));
    registry.add(PluginSettings.builder("counter").build());

    assertThat(counter.version()).isEqualTo(4);
    assertThat(registry.plugin("counter").current().generation()).isEqualTo(1);
  }

  @Test
  void injectedInterfaceCallsTheBoundImplementationWithNoProxyAndNoReflectionBetween() {
    Counter counter = injector.getInstance(Counter.class);
    service.startAsync().awaitRunning();

    StackTraceElement[] stack = counter.stackOfACall();

    assertThat(Proxy.isProxyClass(counter.getClass())).isFalse();
    assertThat(stack[0].getMethodName()).isEqualTo("stackOfACall"); // on the bound implementation
    assertThat(stack[1].getClassName()).isEqualTo(counter.getClass().getName());
    assertThat(stack[2].getClassName()).isEqualTo(ReloadModuleTest.class.getName());
    assertThat(counter.next()).isEqualTo(1);
  }

  @Test
  void defaultMethodsOfTheInterfaceRunOnThePluginServingAtTheTime() {
    Counter counter = injector.getInstance(Counter.class);
    service.startAsync().awaitRunning();
    assertThat(counter.nextTwice()).isEqualTo(2);

    removeCounterAndAddItBack(counter::nextTwice);

    assertThat(counter.nextTwice()).isEqualTo(2);
  }

  /** Removes the counter plugin, checks that {@code call} fails naming it, and adds it again. */
  private void removeCounterAndAddItBack(ThrowingCallable call) {
    PluginRegistry registry = injector.getInstance(PluginRegistry.class);
    registry.remove("counter");
    assertThatThrownBy(call)
        .isInstanceOf(UnknownPluginException.class)
        .hasMessageContaining("no plugin named 'counter'");
    registry.add(PluginSettings.builder("counter").build());
  }

  @Test
  void everyInjectorHasItsOwnInjectedObjectOfTheOneClassOfItsInterface() {
    Counter counter = injector.getInstance(Counter.class);
    Counter another = injector().getInstance(Counter.class);

    assertThat(injector.getInstance(Counter.class)).isSameAs(counter);
    assertThat(another.getClass()).isSameAs(counter.getClass());
    assertThat(counter).isEqualTo(counter).isNotEqualTo(another);
    assertThat(counter.hashCode()).isEqualTo(System.identityHashCode(counter));
  }

  @Test
  void nonPublicInterfaceIsInjectedAsAProxyThatFollowsItsPluginAlike() {
    HiddenCounter counter = injector.getInstance(HiddenCounter.class);
    service.startAsync().awaitRunning();
    assertThat(counter.next()).isEqualTo(1);

    removeCounterAndAddItBack(counter::next);

    assertThat(counter.next()).isEqualTo(1);
    assertThat(Proxy.isProxyClass(counter.getClass())).isTrue();
    assertThat(counter.toString()).isEqualTo("HiddenCounter bound to plugin 'counter'");
    assertThat(counter).isEqualTo(counter);
    assertThat(counter.hashCode()).isEqualTo(System.identityHashCode(counter));
  }

  @Test
  void sealedInterfaceIsRefusedWhenBound() {
    assertThatThrownBy(() -> Guice.createInjector(
            binder -> ReloadModule.bindPlugin(binder, SealedCounter.class, "counter")))
        .hasMessageContaining("bindPlugin() needs an interface other classes may implement, ")
        .hasMessageContaining("SealedCounter is sealed");
  }

  @Test
  void injectedInterfaceMovesToARegistryStartedInsteadOfItsOwn() {
    AtomicReference<PluginRegistry> running =
        new AtomicReference<>(RegistryBuilder.of(dir.settings()
                .watchEnabled(false)
                .plugin(PluginSettings.builder("counter").build())
                .build())
            .build());
    Counter counter = ForwarderClasses.forwarder(Counter.class, "counter", running::get);
    assertThat(counter.version()).isEqualTo(1);
    running.get().close();
    assertThatThrownBy(counter::version).isInstanceOf(IllegalStateException.class);

    dir.publish("counter", Sources.counter(2));
    running.set(RegistryBuilder.of(dir.settings()
            .watchEnabled(false)
            .plugin(PluginSettings.builder("counter").build())
            .build())
        .build());
    try {
      assertThat(counter.version()).isEqualTo(2);
    } finally {
      running.get().close();
    }
  }

  @Test
  void pluginAddedThroughTheInjectedRegistryServesItsInjectedInterface() {
    LateCounter late = injector.getInstance(LateCounter.class);
    service.startAsync().awaitRunning();
    assertThatThrownBy(late::next)
        .isInstanceOf(UnknownPluginException.class)
        .hasMessageContaining("no plugin named 'late'");
    dir.publish("late", Sources.counter(1));

    injector
        .getInstance(PluginRegistry.class)
        .add(PluginSettings.builder("late").build());

    assertThat(late.next()).isEqualTo(1);
    assertThat(late.next()).isEqualTo(2);
    assertThat(injector.getInstance(PluginRegistry.class).plugins())
        .extracting(p -> p.name())
        .endsWith("late");
  }

  @Test
  void boundStateSnapshotMovesTheStateDuringAReload() {
    service.startAsync().awaitRunning();
    Counter counter = injector.getInstance(Counter.class);
    counter.next();
    counter.next();

    injector.getInstance(PluginRegistry.class).reload("counter").join();
    dir.publish("counter", Sources.counter(2));
    await().atMost(WAIT).until(() -> counter.version() == 2);

    assertThat(CountingSnapshot.CALLS).containsExactly("capture 1");
    assertThat(counter.next()).isEqualTo(3);
    // After fires just after the swap that made version 2 answer.
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(events)
            .extracting(event -> event.getClass().getSimpleName())
            .containsExactly("Before", "After"));
  }

  @Test
  void metricsAppearInTheInjectedMeterRegistry() {
    service.startAsync().awaitRunning();
    dir.publish("greeter", Sources.greeter("Hi"));
    injector.getInstance(PluginRegistry.class).reload("greeter").join();

    assertThat(meters
            .get("reload.duration")
            .tags("plugin", "greeter", "outcome", "swapped")
            .timer()
            .count())
        .isEqualTo(1);
    assertThat(meters.get("reload.generation").tag("plugin", "greeter").gauge().value())
        .isEqualTo(2.0);
  }

  @Test
  void stoppingTheServiceLeavesNoThreadAndNoShadowCopy() {
    Set<String> before = reloadThreads();
    service.startAsync().awaitRunning();
    Set<String> started = reloadThreads();
    started.removeAll(before);
    assertThat(started).isNotEmpty();
    assertThat(dir.shadowFiles()).hasSize(2);

    service.stopAsync().awaitTerminated();

    assertThat(reloadThreads()).doesNotContainAnyElementsOf(started);
    assertThat(dir.shadowFiles()).isEmpty();
    // Guava reports the service terminated from its stopping thread, which then ends.
    await()
        .untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet())
            .extracting(Thread::getName)
            .noneMatch(name -> name.contains("ReloadService")));
    assertThatThrownBy(() -> injector.getInstance(PluginRegistry.class).plugin("counter"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("ReloadService is TERMINATED");
  }

  @Test
  void injectedInterfaceCalledAfterTheServiceStoppedSaysItIsNotRunning() {
    Counter counter = injector.getInstance(Counter.class);
    service.startAsync().awaitRunning();
    assertThat(counter.next()).isEqualTo(1); // bound to the registry that stops

    service.stopAsync().awaitTerminated();

    assertThatThrownBy(counter::next)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("the plugin registry is not running (ReloadService is TERMINATED)");
  }

  @Test
  void registryUsedBeforeStartSaysHowToStartIt() {
    assertThatThrownBy(() -> injector.getInstance(Counter.class).next())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("the plugin registry is not running (ReloadService is NEW)")
        .hasMessageContaining(".startAsync().awaitRunning()");
  }

  @Test
  void moduleOnlyBindsAndStartsNothing() {
    Set<String> before = reloadThreads();
    Injector another = Guice.createInjector(com.google.inject.Stage.PRODUCTION, new ReloadModule());
    another.getInstance(PluginRegistry.class);
    assertThat(reloadThreads()).isEqualTo(before);
    assertThat(another.getInstance(ReloadService.class).state()).isEqualTo(Service.State.NEW);
  }

  @Test
  void listenersBoundInModulesAreCalled() {
    ReloadListener extra = events::add;
    service.startAsync().awaitRunning();
    injector.getInstance(PluginRegistry.class).addListener(extra);
    dir.publish("greeter", Sources.greeter("Hey"));
    injector.getInstance(PluginRegistry.class).reload("greeter").join();
    assertThat(events).hasSize(4);
  }
}
