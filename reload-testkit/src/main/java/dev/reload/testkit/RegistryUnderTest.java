package dev.reload.testkit;

import dev.reload.PluginRegistry;
import dev.reload.ReloadEvent;
import dev.reload.core.RegistryBuilder;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The registry a test is about, and every event it reported. {@link ReloadExtension} gives each
 * test one beside its {@link PluginDir}; the test starts it once, from a builder of its own, and
 * needs no {@code @AfterEach}: the registry is one of the directory's, so the extension closes it
 * after the test, before checking that nothing was left behind.
 *
 * <pre>{@code
 * @ExtendWith(ReloadExtension.class)
 * class CounterTest {
 *   @Test
 *   void reloadsOnRequest(PluginDir dir, RegistryUnderTest underTest) {
 *     dir.publish("counter", counterSource(1));
 *     PluginRegistry registry = underTest.start(RegistryBuilder.of(dir.settings()
 *         .plugin(PluginSettings.builder("counter").build()).build()));
 *     dir.publish("counter", counterSource(2));
 *     registry.reload("counter").join();
 *     assertThat(underTest.events(ReloadEvent.After.class)).hasSize(1);
 *   }
 * }
 * }</pre>
 *
 * <p>Thread-safe: the engine records events on its own threads while the test reads them on
 * another, and any thread may ask for the registry.
 */
public final class RegistryUnderTest {

  private final PluginDir dir;
  /** Every event the registry reported, in the order reported. Thread-safe itself. */
  private final List<ReloadEvent> events = new CopyOnWriteArrayList<>();
  /** Set by the one {@link #start} allowed, cleared again if that start threw. */
  private final AtomicBoolean starting = new AtomicBoolean();
  /** The started registry, null until {@link #start} returns. Written once; volatile. */
  private volatile PluginRegistry registry;

  /**
   * A registry under test to start in {@code dir}: closed, once started, with the directory's
   * other registries by {@link PluginDir#closeRegistries}.
   *
   * @param dir the test's plugin directory, whose registries are closed after the test
   */
  public RegistryUnderTest(PluginDir dir) {
    this.dir = Objects.requireNonNull(dir, "dir");
  }

  /**
   * Builds and starts the registry of {@code builder}, adding a listener that records its events
   * from the first on. Once per test: a second start throws, a start that threw may be retried.
   *
   * @param builder the registry to start, with its settings, snapshots and listeners
   * @return the started registry
   * @throws IllegalStateException if the registry under test was already started
   */
  public PluginRegistry start(RegistryBuilder builder) {
    Objects.requireNonNull(builder, "builder");
    if (!starting.compareAndSet(false, true)) {
      throw new IllegalStateException("the registry under test was already started; a test"
          + " starts one, and starts any other through PluginDir.start");
    }
    try {
      PluginRegistry started = dir.start(builder.listener(events::add));
      registry = started;
      return started;
    } catch (RuntimeException | Error e) {
      starting.set(false);
      throw e;
    }
  }

  /**
   * {@return the registry {@link #start} started}
   *
   * @throws IllegalStateException if it has not been started
   */
  public PluginRegistry registry() {
    PluginRegistry started = registry;
    if (started == null) {
      throw new IllegalStateException("no registry under test yet: call start(builder) first");
    }
    return started;
  }

  /** {@return the events recorded so far, oldest first: a copy that later events leave alone} */
  public List<ReloadEvent> events() {
    return List.copyOf(events);
  }

  /**
   * {@return the events of {@code type} recorded so far, oldest first: a copy}
   *
   * @param <E> the type of event
   * @param type the class of the events to return
   */
  public <E extends ReloadEvent> List<E> events(Class<E> type) {
    Objects.requireNonNull(type, "type");
    return events.stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** Forgets the events recorded so far, so that {@link #events} shows only those that follow. */
  public void clearEvents() {
    events.clear();
  }
}
