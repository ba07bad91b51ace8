package dev.reload.core;

import dev.reload.ReloadListener;
import dev.reload.core.internal.DefaultPluginRegistry;
import dev.reload.spi.StateSnapshot;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds a {@link ReloadRegistry}: settings, plus what only code can give (state snapshots,
 * listeners, a meter registry, a clock).
 *
 * <pre>{@code
 * ReloadRegistry registry = RegistryBuilder.of(ReloadSettings.fromConfig(ConfigFactory.load()))
 *     .stateSnapshot("counter", new CounterSnapshot())
 *     .meterRegistry(meterRegistry)
 *     .build();
 * }</pre>
 *
 * <p>Not thread-safe; {@link #build()} copies what it needs, so the registry never changes with
 * the builder.
 */
public final class RegistryBuilder {

  private final ReloadSettings settings;
  private final Map<String, StateSnapshot> snapshots = new LinkedHashMap<>();
  private final List<ReloadListener> listeners = new ArrayList<>();
  private final List<MeterRegistry> meterRegistries = new ArrayList<>();
  private Clock clock = Clock.systemUTC();

  private RegistryBuilder(ReloadSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /**
   * Starts a builder of a registry with these settings.
   *
   * @param settings the registry's settings
   * @return a new builder
   */
  public static RegistryBuilder of(ReloadSettings settings) {
    return new RegistryBuilder(settings);
  }

  /**
   * Makes {@code plugin} stateful: its state moves across reloads through {@code snapshot}.
   *
   * @param plugin the plugin's name
   * @param snapshot moves the plugin's state from each version to the next
   * @return this builder
   * @throws IllegalStateException if the plugin already has a snapshot
   */
  public RegistryBuilder stateSnapshot(String plugin, StateSnapshot snapshot) {
    Objects.requireNonNull(plugin, "plugin");
    Objects.requireNonNull(snapshot, "snapshot");
    StateSnapshot earlier = snapshots.putIfAbsent(plugin, snapshot);
    if (earlier != null) {
      throw new IllegalStateException(
          "plugin '" + plugin + "' already has StateSnapshot " + earlier);
    }
    return this;
  }

  /**
   * Adds a listener that sees events from the first reload on.
   *
   * @param listener told of every reload event
   * @return this builder
   */
  public RegistryBuilder listener(ReloadListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
    return this;
  }

  /**
   * Records the registry's meters ({@link ReloadMetrics}, no extra tags) in {@code registry}. For
   * extra tags, bind {@link ReloadRegistry#metrics(Iterable)} after {@link #build()} instead.
   *
   * @param registry where the meters are recorded
   * @return this builder
   */
  public RegistryBuilder meterRegistry(MeterRegistry registry) {
    meterRegistries.add(Objects.requireNonNull(registry, "registry"));
    return this;
  }

  /**
   * Sets the clock that stamps {@link dev.reload.PluginVersion#loadedAt()}.
   *
   * @param clock the clock, the system's UTC clock by default
   * @return this builder
   */
  public RegistryBuilder clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /**
   * Loads every plugin and starts watching. On failure nothing is left loaded, running or on disk.
   *
   * @return the started registry
   * @throws dev.reload.PluginException naming the plugin that cannot be loaded and why
   */
  public ReloadRegistry build() {
    ReloadRegistry registry =
        DefaultPluginRegistry.start(settings, Map.copyOf(snapshots), List.copyOf(listeners), clock);
    try {
      MeterBinder metrics = registry.metrics();
      meterRegistries.forEach(metrics::bindTo);
    } catch (RuntimeException e) {
      registry.close();
      throw e;
    }
    return registry;
  }
}
