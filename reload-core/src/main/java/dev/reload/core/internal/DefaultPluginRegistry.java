package dev.reload.core.internal;

import dev.reload.InvalidSettingsException;
import dev.reload.Plugin;
import dev.reload.PluginException;
import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.PluginVersion;
import dev.reload.ReloadEvent;
import dev.reload.ReloadListener;
import dev.reload.ReloadOutcome;
import dev.reload.core.ReloadMetrics;
import dev.reload.core.ReloadRegistry;
import dev.reload.core.ReloadSettings;
import dev.reload.core.internal.admission.Admission;
import dev.reload.core.internal.admission.Preflight;
import dev.reload.core.internal.admission.ShadowStore;
import dev.reload.core.internal.admission.TrustPolicy;
import dev.reload.core.internal.observe.EngineMetrics;
import dev.reload.core.internal.observe.Listeners;
import dev.reload.core.internal.observe.MeteredRegistry;
import dev.reload.core.internal.observe.Observers;
import dev.reload.core.internal.observe.ReloadObserver;
import dev.reload.core.internal.platform.DaemonThreads;
import dev.reload.core.internal.platform.Platform;
import dev.reload.core.internal.watch.Discovery;
import dev.reload.core.internal.watch.FileFingerprint;
import dev.reload.core.internal.watch.FileWatcher;
import dev.reload.core.internal.watch.LibraryLocator;
import dev.reload.spi.StateSnapshot;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
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
 * the retirer and the watcher, and tears them down in reverse on close. Public only because
 * {@link dev.reload.core.RegistryBuilder} starts it from another package; everything else here is
 * reached through {@link ReloadRegistry}.
 *
 * <p>Thread-safe. The plugin set is live ({@link PluginSet}): plugins join by {@link #add} and
 * leave by {@link #remove} at any time; everything else mutable lives in the parts, each of which
 * documents its own guard.
 */
public final class DefaultPluginRegistry implements ReloadRegistry {

  private static final Logger log = LoggerFactory.getLogger(DefaultPluginRegistry.class);
  private static final AtomicInteger IDS = new AtomicInteger();

  private final int id = IDS.incrementAndGet();
  private final ReloadSettings settings;
  private final PluginSet plugins = new PluginSet();
  /**
   * How many plugins load each watched file. Guarded by itself once the registry is published;
   * {@link #start} fills it before.
   */
  private final Map<Path, Integer> watchCounts = new HashMap<>();
  /** Snapshots given at build time, by plugin name, also for plugins added later. Immutable. */
  private final Map<String, StateSnapshot> snapshots;

  private final LibraryLocator locator;
  /** Null unless {@code reload.discover} is on. */
  private final Discovery discovery;

  private final Observers observers;
  private final Listeners listeners;
  private final ShadowStore store;
  /** Null unless reloads run in the background. */
  private final ScheduledExecutorService executor;
  /** The thread {@link #executor} runs on, joined on close. */
  private final DaemonThreads schedulerThreads = new DaemonThreads("reload-scheduler-" + id);

  private final Retirer retirer;
  private final ResidentVersions residents;
  /** The pins of every bound call of this registry's plugins; thread-safe. */
  private final CallPins callPins = new CallPins();

  private final ReloadPipeline pipeline;
  private final ReloadScheduler scheduler;
  /** Null when the preflight is off. */
  private final Preflight preflight;
  /** Set once by start(); null when watching is off. */
  private volatile FileWatcher watcher;

  private final AtomicBoolean closed = new AtomicBoolean();

  private DefaultPluginRegistry(
      ReloadSettings settings,
      Platform platform,
      CallPath calls,
      LibraryLocator locator,
      Map<String, StateSnapshot> snapshots,
      List<ReloadListener> initialListeners,
      Clock clock,
      ShadowStore.CopyListener copies) {
    this.settings = settings;
    this.observers = new Observers();
    this.listeners = new Listeners(observers);
    initialListeners.forEach(listeners::add);
    this.store = ShadowStore.open(settings.shadowDir(), platform, copies);
    this.executor = settings.schedulerMode() == ReloadSettings.SchedulerMode.BACKGROUND
        ? newExecutor(schedulerThreads)
        : null;
    this.retirer = new Retirer(store, executor);
    this.residents = new ResidentVersions(platform, executor);
    this.preflight = settings.preflight()
        ? new Preflight(
            platform, settings.preflightTimeout(), store.directory(), "reload-preflight-" + id)
        : null;
    TrustPolicy trust = TrustPolicy.from(settings, locator.directories(), store);
    Admission admission = new Admission(store, trust, preflight, platform);
    this.pipeline = new ReloadPipeline(
        admission,
        store,
        platform,
        listeners,
        observers,
        retirer,
        settings.drainTimeout(),
        settings.retainPrevious(),
        clock,
        residents,
        calls);
    this.scheduler = new ReloadScheduler(executor, this::runLocked);
    this.snapshots = Map.copyOf(snapshots);
    this.locator = locator;
    this.discovery = settings.discover()
        ? new Discovery(
            locator.directories(),
            platform,
            settings.discoverRequiredSymbols(),
            settings.pollInterval(),
            name -> plugins.get(name) != null,
            this::add)
        : null;
  }

  /**
   * Loads every configured plugin and starts the watcher and scheduler. On failure nothing is left
   * loaded, running or on disk.
   *
   * @throws InvalidSettingsException naming every plugin whose library cannot be found
   * @throws dev.reload.PluginException naming the plugin that cannot be loaded and why
   */
  public static DefaultPluginRegistry start(
      ReloadSettings settings,
      Map<String, StateSnapshot> snapshots,
      List<ReloadListener> listeners,
      Clock clock) {
    return start(settings, snapshots, listeners, clock, ShadowStore.CopyListener.NONE);
  }

  /**
   * As {@link #start(ReloadSettings, Map, List, Clock)}, telling {@code copies} of every chunk
   * copied into the shadow store: the seam where tests change a library while it is copied.
   */
  static DefaultPluginRegistry start(
      ReloadSettings settings,
      Map<String, StateSnapshot> snapshots,
      List<ReloadListener> listeners,
      Clock clock,
      ShadowStore.CopyListener copies) {
    for (String name : snapshots.keySet()) {
      if (!settings.plugins().containsKey(name)) {
        log.info(
            "a StateSnapshot is given for plugin '{}', which is not configured; it applies"
                + " when a plugin of that name is added",
            name);
      }
    }
    CallPath calls = CallPath.of(settings.binding());
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
    DefaultPluginRegistry registry = new DefaultPluginRegistry(
        settings, platform, calls, locator, snapshots, listeners, clock, copies);
    try {
      // Taken before loading, so a change made while loading is still seen once watching starts.
      Map<Path, FileFingerprint> baseline = new LinkedHashMap<>();
      sources.values().forEach(source -> baseline.put(source, FileFingerprint.of(source)));
      for (PluginSettings plugin : settings.plugins().values()) {
        ManagedPlugin managed =
            registry.newPlugin(plugin, sources.get(plugin.name()), snapshots.get(plugin.name()));
        registry.pipeline.loadInitial(managed);
        registry.plugins.beginAdd(plugin.name());
        registry.plugins.publish(managed);
        registry.plugins.end(plugin.name(), false);
        registry.watchCounts.merge(managed.sourcePath(), 1, Integer::sum);
      }
      if (settings.watchEnabled()) {
        registry.watcher = FileWatcher.start(
            settings, platform, baseline, registry::fileChanged, "reload-watcher-" + registry.id);
      }
      registry.startDiscovery();
    } catch (RuntimeException | Error e) {
      registry.close();
      throw e;
    }
    log.info(
        "plugin registry {} started: {} plugin(s) {}, scheduler {}, watch {}, bound calls"
            + " through {}, shadow copies in {}",
        registry.id,
        registry.plugins.all().size(),
        settings.plugins().keySet(),
        settings.schedulerMode(),
        settings.watchEnabled() ? settings.watchMode() : "off",
        calls,
        registry.store.directory());
    return registry;
  }

  /** Adds what the search paths already hold, then scans them every poll interval. */
  private void startDiscovery() {
    if (discovery == null) {
      return;
    }
    discovery.initialScan();
    if (executor != null) {
      long interval = settings.pollInterval().toNanos();
      executor.scheduleWithFixedDelay(discovery::scan, interval, interval, TimeUnit.NANOSECONDS);
    }
  }

  private ManagedPlugin newPlugin(PluginSettings plugin, Path source, StateSnapshot snapshot) {
    return new ManagedPlugin(plugin, source, snapshot, observers, residents, callPins);
  }

  @Override
  public Plugin plugin(String name) {
    return plugins.require(name);
  }

  @Override
  public Optional<Plugin> find(String name) {
    return Optional.ofNullable(plugins.get(name));
  }

  @Override
  public List<Plugin> plugins() {
    return List.copyOf(plugins.all());
  }

  @Override
  public Plugin add(PluginSettings plugin) {
    return add(plugin, snapshots.get(plugin.name()));
  }

  @Override
  public Plugin add(PluginSettings plugin, StateSnapshot snapshot) {
    Objects.requireNonNull(plugin, "plugin settings");
    String name = plugin.name();
    plugins.beginAdd(name);
    ManagedPlugin managed = null;
    Path source = null;
    FileFingerprint baseline = null;
    boolean published = false;
    try {
      source = locator.locate(plugin);
      baseline = FileFingerprint.of(source); // before loading, as at start
      managed = newPlugin(plugin, source, snapshot);
      pipeline.loadInitial(managed);
      plugins.publish(managed);
      published = true;
      watch(source, baseline);
      listeners.fire(new ReloadEvent.Added(name, managed.current()));
      observers.added(managed);
    } catch (RuntimeException | Error e) {
      if (published) {
        unwatch(managed.sourcePath());
      }
      if (managed != null && managed.currentVersion() != null) {
        unload(managed, Duration.ZERO); // not admitted, or the registry closed meanwhile
      }
      if (discovery != null && baseline != null && !published) {
        // Else discovery would add the file a scan later, under its own settings. The build that
        // was tried: one that replaced it meanwhile is discovered.
        discovery.decline(source, baseline);
      }
      plugins.end(name, true);
      throw e;
    }
    plugins.end(name, false);
    log.info("plugin '{}' added from {}", name, managed.sourcePath());
    return managed;
  }

  @Override
  public void remove(String name) {
    ManagedPlugin running = plugins.get(name);
    if (running != null && running.reloads().isHeldByCurrentThread()) {
      throw new IllegalStateException("plugin '" + name + "' cannot be removed from inside its"
          + " own reload (a listener or StateSnapshot); remove it from another thread");
    }
    ManagedPlugin plugin = plugins.beginRemove(name);
    try {
      if (discovery != null) {
        discovery.decline(plugin.sourcePath());
      }
      unwatch(plugin.sourcePath());
      plugin.reloads().stop(new IllegalStateException("plugin '" + name + "' was removed"));
      // A reload of it already running ends first; then nothing can start one any more.
      PluginVersion last = plugin.reloads().hold(() -> {
        PluginVersion current = plugin.current();
        unload(plugin, settings.drainTimeout());
        return current;
      });
      listeners.fire(new ReloadEvent.Removed(name, last));
      observers.removed(name);
      log.info(
          "plugin '{}' removed (generation {} unmapped, copies deleted)", name, last.generation());
    } finally {
      plugins.end(name, false);
    }
  }

  /** Watches {@code file} for one more plugin; the watcher is told only about the first. */
  private void watch(Path file, FileFingerprint baseline) {
    synchronized (watchCounts) {
      FileWatcher watching = watcher;
      if (watchCounts.merge(file, 1, Integer::sum) == 1 && watching != null) {
        watching.watch(file, baseline);
      }
    }
  }

  /** Stops watching {@code file} for one plugin; the watcher is told once no plugin uses it. */
  private void unwatch(Path file) {
    synchronized (watchCounts) {
      FileWatcher watching = watcher;
      Integer left =
          watchCounts.computeIfPresent(file, (any, count) -> count > 1 ? count - 1 : null);
      if (left == null && watching != null) {
        watching.unwatch(file);
      }
    }
  }

  /**
   * Refuses new leases on {@code plugin}, waits up to {@code drain} for the open ones, then unmaps
   * its current version (at once, or when its last lease closes) and deletes its copies. Caller
   * holds the plugin's reload lock, or the plugin was never published.
   */
  private void unload(ManagedPlugin plugin, Duration drain) {
    LoadedVersion current = plugin.closeForGood("was removed from the registry");
    if (!current.awaitDrained(drain) && drain.compareTo(Duration.ZERO) > 0) {
      log.warn(
          "plugin '{}' generation {} still has {} lease(s) open after {}; it is unmapped when"
              + " the last one closes",
          plugin.name(),
          current.generation(),
          current.inFlight(),
          drain);
    }
    retirer.retire(current, false);
    LoadedVersion previous = plugin.previousVersion();
    if (previous != null) {
      plugin.previous(null);
      retirer.releaseFile(previous);
    }
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
    int runs = scheduler.runDue(plugins.all());
    retirer.disposeDrained();
    residents.recheckIfDue();
    if (discovery != null) {
      discovery.scanIfDue();
    }
    return runs;
  }

  @Override
  public ReloadMetrics metrics(Iterable<Tag> tags) {
    // An adapter, so that what the meters read stays off this public class's surface.
    MeteredRegistry measured = new MeteredRegistry() {
      @Override
      public List<Plugin> plugins() {
        return DefaultPluginRegistry.this.plugins();
      }

      @Override
      public long inFlight(String plugin) {
        return DefaultPluginRegistry.this.inFlight(plugin);
      }

      @Override
      public void addObserver(ReloadObserver observer) {
        DefaultPluginRegistry.this.addObserver(observer);
      }
    };
    return new EngineMetrics(measured, Tags.of(tags));
  }

  /** Adds a receiver of the engine's measurements (a meter binder). */
  void addObserver(ReloadObserver observer) {
    observers.add(observer);
  }

  /** The number of open leases on the plugin's current version; 0 if there is no such plugin. */
  long inFlight(String plugin) {
    ManagedPlugin managed = plugins.get(plugin);
    return managed == null ? 0 : managed.currentVersion().inFlight();
  }

  /** What the watcher calls when {@code file} has changed and is complete. */
  void fileChanged(Path file) {
    for (ManagedPlugin plugin : plugins.all()) {
      if (plugin.sourcePath().equals(file)) {
        log.debug("plugin '{}': {} changed", plugin.name(), file);
        scheduler.request(plugin, ReloadScheduler.Kind.RELOAD, settings.debounce(), true);
      }
    }
  }

  /** Runs a request; the caller holds the plugin's reload lock. */
  private ReloadOutcome runLocked(ManagedPlugin plugin, ReloadScheduler.Kind kind) {
    return kind == ReloadScheduler.Kind.RELOAD
        ? pipeline.reload(plugin)
        : pipeline.rollback(plugin);
  }

  private ManagedPlugin managed(String name) {
    return plugins.require(name);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    // Adds and removes in progress end first: they use the watcher, the store and the probe.
    List<ManagedPlugin> closing =
        plugins.closeAll(settings.drainTimeout().plus(settings.preflightTimeout()));
    Set<String> unfinished = plugins.inTransition();
    if (!unfinished.isEmpty()) {
      log.warn(
          "plugin registry {}: plugins {} were still being added or removed when it closed",
          id,
          unfinished);
    }
    FileWatcher watching = watcher;
    if (watching != null) {
      watching.close();
    }
    scheduler.close(closing);
    if (executor != null) {
      executor.shutdown();
      // A listener or snapshot closing the registry from the scheduler's own thread: that thread
      // ends once the reload it runs has, which the closing below waits for.
      if (!schedulerThreads.made(Thread.currentThread())) {
        awaitTermination();
      }
    }
    long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
    for (ManagedPlugin plugin : closing) {
      // A reload may still run on an update() caller's thread, or be the one closing: the plugin
      // closes when it ends.
      if (!plugin
              .reloads()
              .close(() -> closePlugin(plugin, left(deadline)), settings.drainTimeout())
          && !plugin.reloads().isHeldByCurrentThread()) {
        log.warn(
            "plugin '{}': a reload on another thread did not finish within {}; the plugin"
                + " closes when it does",
            plugin.name(),
            settings.drainTimeout());
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
    plugin.closeForGood("is closed: its registry was closed");
    if (!current.awaitDrained(timeout)) {
      current.warnLeftMapped(timeout);
      return;
    }
    try {
      current.dispose();
    } catch (RuntimeException | Error e) {
      log.warn(
          "plugin '{}' generation {}: unmapping failed", plugin.name(), current.generation(), e);
    }
  }

  private void awaitTermination() {
    try {
      if (!schedulerThreads.awaitTermination(
          executor, settings.drainTimeout().plus(Duration.ofSeconds(5)))) {
        log.warn("plugin registry {}: a reload did not finish in time; stopping it", id);
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private static ScheduledExecutorService newExecutor(DaemonThreads threads) {
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, threads);
    executor.setRemoveOnCancelPolicy(true);
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    return executor;
  }

  @Override
  public String toString() {
    return "PluginRegistry#" + id + plugins.all();
  }
}
