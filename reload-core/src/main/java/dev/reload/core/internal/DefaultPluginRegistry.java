package dev.reload.core.internal;

import dev.reload.Plugin;
import dev.reload.PluginException;
import dev.reload.PluginRegistry;
import dev.reload.ReloadListener;
import dev.reload.ReloadOutcome;
import dev.reload.UnknownPluginException;
import dev.reload.core.InvalidSettingsException;
import dev.reload.core.Keys;
import dev.reload.core.PluginSettings;
import dev.reload.core.ReloadSettings;
import dev.reload.spi.StateSnapshot;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine behind {@link PluginRegistry}: wires the shadow store, the pipeline, the scheduler,
 * the retirer and the watcher, and tears them down in reverse on close.
 *
 * <p>Thread-safe. The plugin map is fixed at start-up; everything mutable lives in the parts,
 * each of which documents its own guard.
 */
public final class DefaultPluginRegistry implements PluginRegistry {

  private static final Logger log = LoggerFactory.getLogger(DefaultPluginRegistry.class);
  private static final AtomicInteger IDS = new AtomicInteger();

  private final int id = IDS.incrementAndGet();
  private final ReloadSettings settings;
  private final Map<String, ManagedPlugin> plugins;
  private final Observers observers;
  private final Listeners listeners;
  private final ShadowStore store;
  private final ScheduledExecutorService executor;
  private final Retirer retirer;
  private final ResidentVersions residents;
  private final ReloadPipeline pipeline;
  private final ReloadScheduler scheduler;
  /** Null when the preflight is off. */
  private final Preflight preflight;
  /** Set once by start(); null when watching is off. */
  private volatile FileWatcher watcher;
  private final AtomicBoolean closed = new AtomicBoolean();

  private DefaultPluginRegistry(ReloadSettings settings, Platform platform,
      Map<String, Path> sources, Map<String, StateSnapshot> snapshots,
      List<ReloadListener> initialListeners, Clock clock) {
    this.settings = settings;
    this.observers = new Observers();
    this.listeners = new Listeners(observers);
    initialListeners.forEach(listeners::add);
    this.store = ShadowStore.open(settings.shadowDir(), platform);
    this.executor = settings.schedulerMode() == ReloadSettings.SchedulerMode.BACKGROUND
        ? newExecutor("reload-scheduler-" + id) : null;
    this.retirer = new Retirer(store, executor);
    this.residents = new ResidentVersions(platform, executor);
    this.preflight = settings.preflight() ? new Preflight(platform, settings.preflightTimeout(),
        store.directory(), "reload-preflight-" + id) : null;
    this.pipeline = new ReloadPipeline(store, platform, listeners, observers, retirer,
        settings.drainTimeout(), settings.retainPrevious(), clock, preflight,
        trustPolicy(settings, sources.values(), store), residents);
    this.scheduler = new ReloadScheduler(executor, this::runLocked);
    this.plugins = new LinkedHashMap<>();
    for (PluginSettings plugin : settings.plugins().values()) {
      plugins.put(plugin.name(), new ManagedPlugin(plugin, sources.get(plugin.name()),
          snapshots.get(plugin.name()), observers, residents));
    }
  }

  /**
   * Loads every configured plugin and starts the watcher and scheduler. On failure nothing is left
   * loaded, running or on disk.
   *
   * @throws InvalidSettingsException naming every plugin whose library cannot be found
   * @throws dev.reload.PluginException naming the plugin that cannot be loaded and why
   * @throws IllegalArgumentException if a snapshot names a plugin that is not configured
   */
  public static DefaultPluginRegistry start(ReloadSettings settings,
      Map<String, StateSnapshot> snapshots, List<ReloadListener> listeners, Clock clock) {
    for (String name : snapshots.keySet()) {
      if (!settings.plugins().containsKey(name)) {
        throw new IllegalArgumentException("a StateSnapshot is given for plugin '" + name
            + "', which is not configured; configured plugins: " + settings.plugins().keySet());
      }
    }
    Platform platform = Platform.current();
    LibraryLocator locator = new LibraryLocator(settings.searchPaths(), platform);
    Map<String, Path> sources = new LinkedHashMap<>();
    List<String> missing = new ArrayList<>();
    for (PluginSettings plugin : settings.plugins().values()) {
      try {
        sources.put(plugin.name(), locator.locate(plugin));
      } catch (PluginException e) {
        missing.add(e.getMessage());
      }
    }
    if (!missing.isEmpty()) {
      throw new InvalidSettingsException(missing);
    }
    DefaultPluginRegistry registry =
        new DefaultPluginRegistry(settings, platform, sources, snapshots, listeners, clock);
    try {
      // Taken before loading, so a change made while loading is still seen once watching starts.
      Map<Path, FileFingerprint> baseline = new LinkedHashMap<>();
      sources.values().forEach(source -> baseline.put(source, FileFingerprint.of(source)));
      registry.plugins.values().forEach(registry.pipeline::loadInitial);
      if (settings.watchEnabled() && !registry.plugins.isEmpty()) {
        registry.watcher = FileWatcher.start(settings, platform, baseline,
            registry::fileChanged, "reload-watcher-" + registry.id);
      }
    } catch (RuntimeException | Error e) {
      registry.close();
      throw e;
    }
    log.info("plugin registry {} started: {} plugin(s) {}, scheduler {}, watch {}, shadow copies in {}",
        registry.id, registry.plugins.size(), registry.plugins.keySet(), settings.schedulerMode(),
        settings.watchEnabled() ? settings.watchMode() : "off", registry.store.directory());
    return registry;
  }

  @Override
  public Plugin plugin(String name) {
    return managed(name);
  }

  @Override
  public Optional<Plugin> find(String name) {
    return Optional.ofNullable(plugins.get(name));
  }

  @Override
  public List<Plugin> plugins() {
    return List.copyOf(plugins.values());
  }

  @Override
  public CompletableFuture<ReloadOutcome> reload(String name) {
    return scheduler.request(managed(name), ReloadScheduler.Kind.RELOAD, Duration.ZERO, false);
  }

  @Override
  public CompletableFuture<ReloadOutcome> rollback(String name) {
    return scheduler.request(managed(name), ReloadScheduler.Kind.ROLLBACK, Duration.ZERO, false);
  }

  @Override
  public void addListener(ReloadListener listener) {
    listeners.add(listener);
  }

  @Override
  public void removeListener(ReloadListener listener) {
    listeners.remove(listener);
  }

  @Override
  public int update() {
    int runs = scheduler.runDue(plugins.values());
    retirer.disposeDrained();
    residents.recheckIfDue();
    return runs;
  }

  /** Adds a receiver of the engine's measurements (a meter binder). */
  public void addObserver(ReloadObserver observer) {
    observers.add(observer);
  }

  /** Removes a receiver added by {@link #addObserver}. */
  public void removeObserver(ReloadObserver observer) {
    observers.remove(observer);
  }

  /** The number of open leases on the plugin's current version. */
  public long inFlight(String plugin) {
    return managed(plugin).currentVersion().inFlight();
  }

  /** This registry's own directory of shadow copies. */
  public Path shadowDirectory() {
    return store.directory();
  }

  /** The settings the registry runs with. */
  public ReloadSettings settings() {
    return settings;
  }

  /** What the watcher calls when {@code file} has changed and is complete. */
  void fileChanged(Path file) {
    for (ManagedPlugin plugin : plugins.values()) {
      if (plugin.sourcePath().equals(file)) {
        log.debug("plugin '{}': {} changed", plugin.name(), file);
        scheduler.request(plugin, ReloadScheduler.Kind.RELOAD, settings.debounce(), true);
      }
    }
  }

  /** Runs a request; the caller holds the plugin's reload lock. */
  private ReloadOutcome runLocked(ManagedPlugin plugin, ReloadScheduler.Kind kind) {
    return kind == ReloadScheduler.Kind.RELOAD ? pipeline.reload(plugin) : pipeline.rollback(plugin);
  }

  private ManagedPlugin managed(String name) {
    ManagedPlugin plugin = plugins.get(name);
    if (plugin == null) {
      throw new UnknownPluginException(name, Collections.unmodifiableSet(plugins.keySet()));
    }
    return plugin;
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    FileWatcher watching = watcher;
    if (watching != null) {
      watching.close();
    }
    scheduler.close(plugins.values());
    if (executor != null) {
      executor.shutdown();
      awaitTermination();
    }
    long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
    for (ManagedPlugin plugin : plugins.values()) {
      // A reload may still run on an update() caller's thread: the plugin closes when it ends.
      if (!plugin.reloads().close(() -> closePlugin(plugin, left(deadline)),
          settings.drainTimeout())) {
        log.warn("plugin '{}': a reload on another thread did not finish within {}; the plugin"
            + " closes when it does", plugin.name(), settings.drainTimeout());
      }
    }
    retirer.drainAll(left(deadline));
    residents.close();
    if (preflight != null) {
      preflight.close();
    }
    store.close();
    log.info("plugin registry {} closed", id);
  }

  private static Duration left(long deadline) {
    return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
  }

  private void closePlugin(ManagedPlugin plugin, Duration timeout) {
    LoadedVersion current = plugin.currentVersion();
    if (current == null) {
      return;
    }
    plugin.closeForGood();
    if (!current.awaitDrained(timeout)) {
      current.warnLeftMapped(timeout);
      return;
    }
    try {
      current.dispose();
    } catch (RuntimeException | Error e) {
      log.warn("plugin '{}' generation {}: unmapping failed", plugin.name(), current.generation(), e);
    }
  }

  private void awaitTermination() {
    try {
      if (!executor.awaitTermination(settings.drainTimeout().toMillis() + 5_000, TimeUnit.MILLISECONDS)) {
        log.warn("plugin registry {}: a reload did not finish in time; stopping it", id);
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The trust rules: the configured allowed directories, or else the search paths and the
   * directory of each library given by absolute path; all absolute, resolved at each check.
   */
  private static TrustPolicy trustPolicy(ReloadSettings settings, Collection<Path> sources,
      ShadowStore store) {
    Set<Path> allowed = new LinkedHashSet<>();
    if (!settings.allowedDirs().isEmpty()) {
      settings.allowedDirs().forEach(dir -> allowed.add(absolute(dir)));
    } else {
      (settings.searchPaths().isEmpty() ? List.of(Path.of("")) : settings.searchPaths())
          .forEach(dir -> allowed.add(absolute(dir)));
      for (PluginSettings plugin : settings.plugins().values()) {
        Path library = Path.of(plugin.library());
        if (!plugin.platformName() && library.isAbsolute()) {
          allowed.add(absolute(library.getParent()));
        }
      }
    }
    List<PublicKey> keys = new ArrayList<>();
    for (int i = 0; i < settings.publicKeys().size(); i++) {
      keys.add(Keys.parse(settings.publicKeys().get(i), "public key " + (i + 1)));
    }
    return new TrustPolicy(new ArrayList<>(allowed), settings.strictPermissions(), store.owner(),
        keys, settings.requireSignature());
  }

  private static Path absolute(Path dir) {
    return dir.toAbsolutePath().normalize();
  }

  private static ScheduledExecutorService newExecutor(String name) {
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    });
    executor.setRemoveOnCancelPolicy(true);
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    return executor;
  }

  @Override
  public String toString() {
    return "PluginRegistry#" + id + plugins.values();
  }
}
