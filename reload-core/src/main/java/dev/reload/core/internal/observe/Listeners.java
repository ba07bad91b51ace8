package dev.reload.core.internal.observe;

import dev.reload.ReloadEvent;
import dev.reload.ReloadListener;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's listeners, called one after another with each event. A listener that throws is
 * logged with the plugin's name and counted; it never aborts a reload or kills the reload thread
 * ({@link FanOut} says what is caught). Thread-safe: listeners may be added and removed while
 * events are fired.
 */
public final class Listeners {

  private static final Logger log = LoggerFactory.getLogger(Listeners.class);

  private final FanOut<ReloadListener> listeners = new FanOut<>();
  private final ReloadObserver observer;

  public Listeners(ReloadObserver observer) {
    this.observer = observer;
  }

  public void add(ReloadListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  public void remove(ReloadListener listener) {
    listeners.remove(listener);
  }

  public void fire(ReloadEvent event) {
    listeners.each(listener -> listener.onEvent(event), (listener, e) -> {
      observer.listenerFailed(event.plugin());
      log.warn(
          "reload listener {} threw on {} of plugin '{}'; the reload goes on",
          listener,
          event.getClass().getSimpleName(),
          event.plugin(),
          e);
    });
  }
}
