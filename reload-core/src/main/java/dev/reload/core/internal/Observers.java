package dev.reload.core.internal;

import dev.reload.ReloadOutcome;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Fans reports out to every bound observer (one per meter registry). Thread-safe. */
final class Observers implements ReloadObserver {

  private final List<ReloadObserver> observers = new CopyOnWriteArrayList<>();

  void add(ReloadObserver observer) {
    observers.add(observer);
  }

  void remove(ReloadObserver observer) {
    observers.remove(observer);
  }

  @Override
  public void reloaded(ReloadOutcome outcome) {
    observers.forEach(observer -> observer.reloaded(outcome));
  }

  @Override
  public void drained(String plugin, long nanos) {
    observers.forEach(observer -> observer.drained(plugin, nanos));
  }

  @Override
  public void callerPaused(String plugin, long nanos) {
    observers.forEach(observer -> observer.callerPaused(plugin, nanos));
  }

  @Override
  public void listenerFailed(String plugin) {
    observers.forEach(observer -> observer.listenerFailed(plugin));
  }
}
