package dev.reload;

/**
 * Receives {@link ReloadEvent}s. Called on the thread that runs the reload, one event at a time
 * per registry, never while the registry holds a lock. Keep it quick: a {@link
 * ReloadEvent.Before} listener delays the swap. A listener that throws is logged and counted; the
 * reload goes on.
 */
@FunctionalInterface
public interface ReloadListener {

  void onEvent(ReloadEvent event);
}
