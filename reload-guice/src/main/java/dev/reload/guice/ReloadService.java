package dev.reload.guice;

import com.google.common.util.concurrent.AbstractIdleService;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.reload.PluginRegistry;
import dev.reload.ReloadListener;
import dev.reload.core.RegistryBuilder;
import dev.reload.core.ReloadSettings;
import dev.reload.spi.StateSnapshot;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Starts and stops the application's plugin registry. Starting reads and checks the settings
 * (every problem at once), loads every plugin and starts the watcher and scheduler; stopping
 * drains open leases, unmaps every version and removes the shadow copies.
 *
 * <pre>{@code
 * ReloadService reload = injector.getInstance(ReloadService.class);
 * reload.startAsync().awaitRunning();   // throws IllegalStateException, caused by the problem
 * Runtime.getRuntime().addShutdownHook(
 *     new Thread(() -> reload.stopAsync().awaitTerminated()));
 * }</pre>
 *
 * <p>Thread-safe, as every Guava {@code Service}.
 */
public final class ReloadService extends AbstractIdleService {

  private final Optional<Config> config;
  private final Optional<MeterRegistry> meterRegistry;
  private final Map<String, StateSnapshot> snapshots;
  private final Set<ReloadListener> listeners;
  /** Set by startUp, cleared by shutDown; read by any thread. */
  private volatile PluginRegistry registry;

  @Inject
  ReloadService(
      Optional<Config> config,
      Optional<MeterRegistry> meterRegistry,
      Map<String, StateSnapshot> snapshots,
      Set<ReloadListener> listeners) {
    this.config = config;
    this.meterRegistry = meterRegistry;
    this.snapshots = snapshots;
    this.listeners = listeners;
  }

  @Override
  protected void startUp() {
    ReloadSettings settings = ReloadSettings.fromConfig(config.orElseGet(ConfigFactory::load));
    RegistryBuilder builder = RegistryBuilder.of(settings);
    snapshots.forEach(builder::stateSnapshot);
    listeners.forEach(builder::listener);
    meterRegistry.ifPresent(builder::meterRegistry);
    registry = builder.build();
  }

  @Override
  protected void shutDown() {
    PluginRegistry running = registry;
    registry = null;
    if (running != null) {
      running.close();
    }
  }

  /**
   * The running registry.
   *
   * @throws IllegalStateException if the service is not running
   */
  PluginRegistry registry() {
    PluginRegistry running = registry;
    if (running == null) {
      throw new IllegalStateException("the plugin registry is not running (ReloadService is "
          + state() + "); start it with injector.getInstance(ReloadService.class)"
          + ".startAsync().awaitRunning()");
    }
    return running;
  }

  @Override
  protected String serviceName() {
    return "ReloadService";
  }
}
