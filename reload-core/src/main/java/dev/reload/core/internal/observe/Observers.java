package dev.reload.core.internal.observe;

import dev.reload.ReloadOutcome;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans reports out to every bound observer (one per meter registry). An observer that throws is
 * logged and skipped: measuring must never break a call or a reload ({@link FanOut} says what is
 * caught). Thread-safe.
 */
public final class Observers implements ReloadObserver {

  private static final Logger log = LoggerFactory.getLogger(Observers.class);

  private final FanOut<ReloadObserver> observers = new FanOut<>();

  public void add(ReloadObserver observer) {
    observers.add(observer);
  }

  @Override
  public void reloaded(ReloadOutcome outcome) {
    each(outcome.plugin(), observer -> observer.reloaded(outcome));
  }

  @Override
  public void drained(String plugin, long nanos) {
    each(plugin, observer -> observer.drained(plugin, nanos));
  }

  @Override
  public void callerPaused(String plugin, long nanos) {
    each(plugin, observer -> observer.callerPaused(plugin, nanos));
  }

  @Override
  public void added(dev.reload.Plugin plugin) {
    each(plugin.name(), observer -> observer.added(plugin));
  }

  @Override
  public void removed(String plugin) {
    each(plugin, observer -> observer.removed(plugin));
  }

  @Override
  public void listenerFailed(String plugin) {
    each(plugin, observer -> observer.listenerFailed(plugin));
  }

  private void each(String plugin, Consumer<ReloadObserver> report) {
    observers.each(
        report,
        (observer, e) ->
            log.warn("metrics observer {} failed for plugin '{}'", observer, plugin, e));
  }
}
