package dev.reload.core.internal.observe;

import dev.reload.Plugin;
import java.util.List;

/**
 * What {@link EngineMetrics} reads of the registry it measures: its plugins, their open leases,
 * and a way to receive what the engine reports. Implementations are thread-safe.
 */
public interface MeteredRegistry {

  /** The plugins now in the registry. */
  List<Plugin> plugins();

  /** The number of open leases on the plugin's current version; 0 if there is no such plugin. */
  long inFlight(String plugin);

  /** Adds a receiver of the engine's measurements. */
  void addObserver(ReloadObserver observer);
}
