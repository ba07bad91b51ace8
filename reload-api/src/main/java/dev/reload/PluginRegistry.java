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
 * <p><b>Where Reload differs from {@code dynamic_reload}.</b> The crate's {@code update} calls one
 * callback with {@code Before}, {@code After} or {@code ReloadFailed}, and the application moves
 * its state by hand: it saves at {@code Before}, before the new library is loaded, and restores
 * at {@code After}. Here:
 *
 * <ul>
 *   <li>{@link ReloadEvent.Before} fires only once the candidate has been staged, loaded and
 *       checked; a file that cannot be loaded reports {@link ReloadEvent.Failed} alone.
 *   <li>State moves through the plugin's {@link dev.reload.spi.StateSnapshot} (capture from the
 *       outgoing version, restore into the incoming one, callers held at the gate meanwhile), not
 *       through Before/After callbacks. {@link ReloadListener}s are told what happened; they take
 *       no part in it.
 *   <li>A failed reload leaves the outgoing version serving with its state, and {@link
 *       #rollback} returns to the previous good version.
 * </ul>
 *
 * <p>This interface is thread-safe: every method may be called from any thread. {@link
 * ReloadListener} says on which threads listeners are called.
 */
public interface PluginRegistry extends AutoCloseable {

  /**
   * Returns the plugin of that name.
   *
   * @param name the plugin's name
   * @return the plugin
   * @throws UnknownPluginException if no plugin of that name is configured
   */
  Plugin plugin(String name);

  /**
   * {@return the plugin of that name, or empty if none is configured}
   *
   * @param name the plugin's name
   */
  Optional<Plugin> find(String name);

  /** {@return every plugin, configured ones first, then those added later in the order added} */
  List<Plugin> plugins();

  /**
   * Admits and loads a plugin now, through the same checks as a reload (trust, copy, ELF and
   * symbols, preflight, load, {@code reload_init}), and starts watching its library file, as
   * {@code dynamic_reload}'s {@code add_library}. The plugin is stateful if a {@link
   * dev.reload.spi.StateSnapshot} was given for its name when the registry was built. Emits {@link
   * ReloadEvent.Added}.
   *
   * @param settings the plugin's name, library and checks
   * @return the new plugin
   * @throws PluginException naming the cause if a plugin of that name exists, the library cannot
   *     be found, or it is refused; nothing is left behind (no copy, no mapping, no watch, and the
   *     name stays free)
   * @throws IllegalStateException if the registry is closed
   */
  Plugin add(PluginSettings settings);

  /**
   * Like {@link #add(PluginSettings)}, with the plugin's state moved across its reloads by {@code
   * snapshot}.
   *
   * @param settings the plugin's name, library and checks
   * @param snapshot moves the plugin's state from each version to the next
   * @return the new plugin
   */
  Plugin add(PluginSettings settings, dev.reload.spi.StateSnapshot snapshot);

  /**
   * Removes a plugin: stops watching its file and cancels its queued reloads, refuses new leases
   * (callers get an {@link IllegalStateException} naming the plugin, never an unmapped library),
   * waits for its open leases (bounded by the drain timeout; a version still leased then is
   * unmapped as soon as its last lease closes), runs {@code reload_shutdown}, unmaps it and deletes
   * its copies. Emits {@link ReloadEvent.Removed}. The name may be added again.
   *
   * @param name the plugin's name
   * @throws UnknownPluginException if no plugin of that name exists
   * @throws IllegalStateException if the registry is closed
   */
  void remove(String name);

  /**
   * Requests a reload of the plugin from its library file. The future completes with the outcome
   * (a failed reload completes normally with {@link ReloadOutcome.Failed}); it completes
   * exceptionally only if the registry is closed first. In poll mode the reload runs at the next
   * {@link #update()}.
   *
   * @param name the plugin's name
   * @return the outcome, once the reload has run
   * @throws UnknownPluginException if no plugin of that name is configured
   */
  CompletableFuture<ReloadOutcome> reload(String name);

  /**
   * Requests a return to the plugin's previous good version, moving its state across as a reload
   * does. The copy kept of the previous version is admitted again without the library file: it
   * is not trusted again (its bytes were trusted when it was first loaded) but must still have
   * those bytes. Completes with {@link ReloadOutcome.RolledBack}, or with {@link
   * ReloadOutcome.Failed} of kind {@link ReloadKind#ROLLBACK}: at step {@link ReloadStep#COPY} if
   * there is no previous version to return to.
   *
   * @param name the plugin's name
   * @return the outcome, once the rollback has run
   * @throws UnknownPluginException if no plugin of that name is configured
   */
  CompletableFuture<ReloadOutcome> rollback(String name);

  /**
   * Adds a listener for the reload events of every plugin.
   *
   * @param listener told of every reload event from now on
   */
  void addListener(ReloadListener listener);

  /**
   * Removes a listener added before; does nothing if it was not added.
   *
   * @param listener the listener to remove
   */
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
