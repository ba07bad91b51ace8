package dev.reload.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.ReloadOutcome;
import dev.reload.core.RegistryBuilder;
import dev.reload.spi.StateSnapshot;
import dev.reload.testkit.PluginDir;

/** Registries of the {@link Sources#counter} plugin, as many engine tests set them up. Stateless. */
public final class Counters {

  private Counters() {}

  /**
   * Starts a registry of the one plugin {@code counter} (manual reloads: no watcher) whose state
   * moves through {@code snapshot}.
   */
  public static PluginRegistry start(PluginDir dir, StateSnapshot snapshot) {
    return RegistryBuilder.of(dir.settings().watchEnabled(false)
            .plugin(PluginSettings.builder("counter").build()).build())
        .stateSnapshot("counter", snapshot)
        .build();
  }

  /**
   * Publishes counter builds 2 to {@code lastBuild} as each of {@code plugins} in turn and reloads
   * them one by one, checking that every reload swaps.
   */
  public static void reloadThrough(PluginDir dir, PluginRegistry registry, int lastBuild,
      String... plugins) {
    for (int build = 2; build <= lastBuild; build++) {
      for (String plugin : plugins) {
        dir.publish(plugin, Sources.counter(build));
      }
      for (String plugin : plugins) {
        assertThat(registry.reload(plugin).join()).isInstanceOf(ReloadOutcome.Swapped.class);
      }
    }
  }
}
