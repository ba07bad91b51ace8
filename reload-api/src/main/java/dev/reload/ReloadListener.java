package dev.reload;

/**
 * Receives {@link ReloadEvent}s.
 *
 * <p><b>Threads.</b> A plugin's reload events ({@link ReloadEvent.Before}, then {@link
 * ReloadEvent.After}, {@link ReloadEvent.RolledBack} or {@link ReloadEvent.Failed}) come in order
 * on the thread that reloads it: the registry's reload thread, or a thread calling {@link
 * PluginRegistry#update()}. That thread holds the plugin's reload lock, so no other reload of the
 * plugin starts meanwhile; callers never wait at the plugin's gate while a listener runs, so a
 * listener may call any plugin. {@link ReloadEvent.Added} and {@link ReloadEvent.Removed} come on
 * the thread that called {@code add} or {@code remove}. Events of different plugins can thus
 * arrive at the same time: implementations must be thread-safe.
 *
 * <p>A listener must not wait for the future of {@link PluginRegistry#reload} or {@link
 * PluginRegistry#rollback}: the reload it waits for may need the thread it runs on. It cannot
 * remove the plugin whose reload it is told of ({@link IllegalStateException}); it may close the
 * registry, and that plugin then closes as soon as the reload ends. Keep it quick: a
 * {@link ReloadEvent.Before} listener delays the swap. A listener that throws is logged and
 * counted; the reload goes on.
 */
@FunctionalInterface
public interface ReloadListener {

  /**
   * Called once for each reload event.
   *
   * @param event what happened
   */
  void onEvent(ReloadEvent event);
}
