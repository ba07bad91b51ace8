package dev.reload;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The set of native plugins of one application, each hot-reloaded when its library file changes.
 *
 * <p>Reloads run either on the registry's own background thread or, in poll mode, on the thread
 * that calls {@link #update()} (as the Rust crate {@code dynamic_reload} does). Reloads of one
 * plugin never overlap.
 *
 * <p>This interface is thread-safe: every method may be called from any thread. Listeners are
 * called on the thread that runs the reload, never while the registry holds a lock.
 */
public interface PluginRegistry extends AutoCloseable {

  /**
   * Returns the plugin of that name.
   *
   * @throws UnknownPluginException if no plugin of that name is configured
   */
  Plugin plugin(String name);

  /** Returns the plugin of that name, or empty if none is configured. */
  Optional<Plugin> find(String name);

  /** Returns every plugin, in configuration order. */
  List<Plugin> plugins();

  /**
   * Requests a reload of the plugin from its library file. The future completes with the outcome
   * (a failed reload completes normally with {@link ReloadOutcome.Failed}); it completes
   * exceptionally only if the registry is closed first. In poll mode the reload runs at the next
   * {@link #update()}.
   *
   * @throws UnknownPluginException if no plugin of that name is configured
   */
  CompletableFuture<ReloadOutcome> reload(String name);

  /**
   * Requests a return to the plugin's previous good version, moving its state across as a reload
   * does. The copy kept of the previous version is admitted again without the library file: it
   * is not trusted again (its bytes were trusted when it was first loaded) but must still have
   * those bytes. Completes with {@link ReloadOutcome.Failed} at step {@link ReloadStep#COPY} if
   * there is no previous version to return to.
   *
   * @throws UnknownPluginException if no plugin of that name is configured
   */
  CompletableFuture<ReloadOutcome> rollback(String name);

  /** Adds a listener for the reload events of every plugin. */
  void addListener(ReloadListener listener);

  /** Removes a listener added before; does nothing if it was not added. */
  void removeListener(ReloadListener listener);

  /**
   * Runs, on the calling thread, every reload that is due: changes the watcher saw and requests
   * made by {@link #reload} or {@link #rollback}. Meant for poll mode; in background mode it runs
   * what the background thread has not yet started.
   *
   * @return the number of reloads run
   */
  int update();

  /**
   * Stops the watcher and the scheduler, waits for in-flight leases (bounded by the drain
   * timeout), disposes every loaded version and deletes the registry's shadow copies. Leases
   * acquired afterwards fail with {@link IllegalStateException}. Idempotent.
   */
  @Override
  void close();
}
