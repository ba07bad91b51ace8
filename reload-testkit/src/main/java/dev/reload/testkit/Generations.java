package dev.reload.testkit;

import dev.reload.Plugin;
import dev.reload.PluginRegistry;
import dev.reload.PluginVersion;
import dev.reload.ReloadListener;
import dev.reload.UnknownPluginException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waits for a plugin to reach a generation, woken by the registry's own reload events rather than
 * by polling or sleeping. The registry must be reloading by itself (its watcher and scheduler) or
 * be driven by another thread; a registry driven by {@code update()} on the waiting thread never
 * gets there. Thread-safe.
 */
public final class Generations {

  private Generations() {}

  /**
   * Returns {@code plugin}'s current version once its generation is {@code generation} or later.
   *
   * @param registry the registry to watch
   * @param plugin the plugin's name
   * @param generation the generation to wait for
   * @param timeout how long to wait
   * @return the version of that generation or a later one
   * @throws AssertionError after {@code timeout}, naming the generation reached and the last
   *     failed reload, if any
   */
  public static PluginVersion await(
      PluginRegistry registry, String plugin, long generation, Duration timeout) {
    CompletableFuture<PluginVersion> reached = new CompletableFuture<>();
    ReloadListener listener = event -> {
      if (event.plugin().equals(plugin)) {
        reachedBy(registry, plugin, generation).ifPresent(reached::complete);
      }
    };
    registry.addListener(listener);
    try {
      // The events before the listener was added: the plugin may be there already, or be added.
      reachedBy(registry, plugin, generation).ifPresent(reached::complete);
      return reached.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError(
          plugin + " did not reach generation " + generation + " within " + timeout + ": "
              + describe(registry, plugin),
          e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for " + plugin, e);
    } finally {
      registry.removeListener(listener);
    }
  }

  private static Optional<PluginVersion> reachedBy(
      PluginRegistry registry, String plugin, long generation) {
    return registry
        .find(plugin)
        .map(Plugin::current)
        .filter(current -> current.generation() >= generation);
  }

  private static String describe(PluginRegistry registry, String plugin) {
    try {
      Plugin found = registry.plugin(plugin);
      return "it is at generation " + found.current().generation()
          + found
              .lastFailure()
              .map(failure -> ", last failure: " + failure.reason())
              .orElse(", with no failed reload");
    } catch (UnknownPluginException e) {
      return "the registry has no such plugin";
    }
  }
}
