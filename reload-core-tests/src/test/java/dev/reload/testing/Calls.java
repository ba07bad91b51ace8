package dev.reload.testing;

import dev.reload.PluginLease;
import dev.reload.PluginRegistry;

/** One-line calls of the test plugins of {@link Sources}, each in its own lease. */
public final class Calls {

  private Calls() {}

  /** The build number compiled into the plugin's current version. */
  public static int version(PluginRegistry registry, String plugin) {
    try (PluginLease lease = registry.plugin(plugin).acquire()) {
      return lease.invokeInt("version");
    }
  }

  /** Increments the plugin's counter and returns the new value. */
  public static long next(PluginRegistry registry, String plugin) {
    try (PluginLease lease = registry.plugin(plugin).acquire()) {
      return lease.invokeLong("counter_next");
    }
  }
}
