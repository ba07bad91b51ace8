package dev.reload.core.internal;

import dev.reload.PluginException;
import dev.reload.UnknownPluginException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The registry's live set of plugins, by name. A name is first reserved while its plugin is being
 * admitted, so two adds of one name cannot both load, and a failed add leaves the name free;
 * then the plugin is published, or the reservation released. Once {@link #closeAll} has run,
 * nothing more can join.
 *
 * <p>Thread-safe. Lookups ({@link #get}, {@link #all}) read a volatile immutable snapshot without
 * a lock; changes take {@code this}, which guards {@link #members}, {@link #reserved} and
 * {@link #closed}.
 */
final class PluginSet {

  /** Guarded by {@code this}. In the order plugins joined. */
  private final Map<String, ManagedPlugin> members = new LinkedHashMap<>();
  /** Names being admitted. Guarded by {@code this}. */
  private final Set<String> reserved = new LinkedHashSet<>();
  /** Guarded by {@code this}. */
  private boolean closed;
  /** Immutable copy of {@link #members}, replaced on each change. */
  private volatile Map<String, ManagedPlugin> snapshot = Map.of();
  private volatile List<ManagedPlugin> ordered = List.of();

  /**
   * Reserves {@code name} for a plugin about to be admitted.
   *
   * @throws PluginException if a plugin of that name exists or is being added
   * @throws IllegalStateException if the registry is closed
   */
  synchronized void reserve(String name) {
    requireOpen();
    if (members.containsKey(name) || reserved.contains(name)) {
      throw new PluginException("a plugin named '" + name + "' is already in the registry"
          + (reserved.contains(name) ? " (being added)" : "") + "; remove it first");
    }
    reserved.add(name);
  }

  /** Frees a reservation whose plugin was not admitted. */
  synchronized void release(String name) {
    reserved.remove(name);
  }

  /**
   * Publishes an admitted plugin under its reserved name.
   *
   * @throws IllegalStateException if the registry closed meanwhile (the caller unloads it)
   */
  synchronized void publish(ManagedPlugin plugin) {
    reserved.remove(plugin.name());
    requireOpen();
    members.put(plugin.name(), plugin);
    changed();
  }

  /**
   * Takes {@code name} out of the set.
   *
   * @throws UnknownPluginException if there is no such plugin
   * @throws IllegalStateException if the registry is closed
   */
  synchronized ManagedPlugin remove(String name) {
    requireOpen();
    ManagedPlugin plugin = members.remove(name);
    if (plugin == null) {
      throw unknown(name);
    }
    changed();
    return plugin;
  }

  /** Closes the set: nothing joins any more. Returns every member, for closing. */
  synchronized List<ManagedPlugin> closeAll() {
    closed = true;
    return ordered;
  }

  /** The plugin of that name, or null. Lock-free. */
  ManagedPlugin get(String name) {
    return snapshot.get(name);
  }

  /**
   * The plugin of that name.
   *
   * @throws UnknownPluginException if there is none
   */
  ManagedPlugin require(String name) {
    ManagedPlugin plugin = snapshot.get(name);
    if (plugin == null) {
      throw unknown(name);
    }
    return plugin;
  }

  /** Every plugin, in the order they joined. Lock-free. */
  List<ManagedPlugin> all() {
    return ordered;
  }

  private UnknownPluginException unknown(String name) {
    return new UnknownPluginException(name, ordered.stream().map(ManagedPlugin::name).toList());
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the plugin registry is closed");
    }
  }

  private void changed() {
    snapshot = Map.copyOf(members);
    ordered = List.copyOf(new ArrayList<>(members.values()));
  }
}
