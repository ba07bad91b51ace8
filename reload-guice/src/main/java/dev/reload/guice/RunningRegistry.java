package dev.reload.guice;

import dev.reload.Plugin;
import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.ReloadListener;
import dev.reload.ReloadOutcome;
import dev.reload.spi.StateSnapshot;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The injected {@link PluginRegistry}: forwards to the registry {@link ReloadService} runs, so it
 * can be injected before the service starts. Calls while the service is not running throw {@link
 * IllegalStateException}. Closing it is the service's job: {@link #close()} stops the service.
 * Thread-safe.
 */
final class RunningRegistry implements PluginRegistry {

  private final ReloadService service;

  @Inject
  RunningRegistry(ReloadService service) {
    this.service = service;
  }

  @Override
  public Plugin plugin(String name) {
    return service.registry().plugin(name);
  }

  @Override
  public Optional<Plugin> find(String name) {
    return service.registry().find(name);
  }

  @Override
  public List<Plugin> plugins() {
    return service.registry().plugins();
  }

  @Override
  public Plugin add(PluginSettings settings) {
    return service.registry().add(settings);
  }

  @Override
  public Plugin add(PluginSettings settings, StateSnapshot snapshot) {
    return service.registry().add(settings, snapshot);
  }

  @Override
  public void remove(String name) {
    service.registry().remove(name);
  }

  @Override
  public CompletableFuture<ReloadOutcome> reload(String name) {
    return service.registry().reload(name);
  }

  @Override
  public CompletableFuture<ReloadOutcome> rollback(String name) {
    return service.registry().rollback(name);
  }

  @Override
  public void addListener(ReloadListener listener) {
    service.registry().addListener(listener);
  }

  @Override
  public void removeListener(ReloadListener listener) {
    service.registry().removeListener(listener);
  }

  @Override
  public int update() {
    return service.registry().update();
  }

  @Override
  public void close() {
    service.stopAsync().awaitTerminated();
  }

  @Override
  public String toString() {
    return "PluginRegistry of " + service;
  }
}
