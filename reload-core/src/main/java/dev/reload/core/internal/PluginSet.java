package dev.reload.core.internal;

import dev.reload.PluginException;
import dev.reload.UnknownPluginException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The registry's live set of plugins, by name. A name is <em>in transition</em> from the start of
 * its {@code add} to the end of it (admission, publication, watching, the {@code Added} event) and
 * from the start of its {@code remove} to the end of it (draining, unmapping, the {@code Removed}
 * event): while it is, nothing else may add or remove that name, so the two never interleave, and
 * a failed add leaves the name free. {@link #closeAll} waits for every transition to end, so that
 * nothing is still being added or removed when the registry tears down what they use.
 *
 * <p>Thread-safe. Lookups ({@link #get}, {@link #all}) read a volatile immutable snapshot without
 * a lock; changes take {@code this}, which guards {@link #members}, {@link #inTransition} and
 * {@link #closed}, and is notified whenever a transition ends.
 */
final class PluginSet {

  /** Guarded by {@code this}. In the order plugins joined. */
  private final Map<String, ManagedPlugin> members = new LinkedHashMap<>();
  /** Names being added or removed. Guarded by {@code this}. */
  private final Set<String> inTransition = new LinkedHashSet<>();
  /** Guarded by {@code this}. */
  private boolean closed;
  /** Immutable copy of {@link #members}, replaced on each change (under {@code this}). */
  private volatile Map<String, ManagedPlugin> snapshot = Map.of();
  /** Immutable list of {@link #members}' values in order, replaced with {@link #snapshot}. */
  private volatile List<ManagedPlugin> ordered = List.of();

  /**
   * Starts adding {@code name}.
   *
   * @throws PluginException if a plugin of that name exists or is being added or removed
   * @throws IllegalStateException if the registry is closed
   */
  synchronized void beginAdd(String name) {
    requireOpen();
    if (inTransition.contains(name)) {
      throw new PluginException(
          "plugin '" + name + "' is being added or removed; try again once that is done");
    }
    if (members.containsKey(name)) {
      throw new PluginException(
          "a plugin named '" + name + "' is already in the registry; remove it first");
    }
    inTransition.add(name);
  }

  /**
   * Publishes an admitted plugin under its name; the add is still in transition until {@link
   * #end}.
   *
   * @throws IllegalStateException if the registry closed meanwhile (the caller unloads it)
   */
  synchronized void publish(ManagedPlugin plugin) {
    requireOpen();
    members.put(plugin.name(), plugin);
    changed();
  }

  /**
   * Starts removing {@code name}: takes it out of the set (lookups no longer find it), and keeps
   * it in transition until {@link #end}.
   *
   * @throws UnknownPluginException if there is no such plugin
   * @throws PluginException if it is being added or removed
   * @throws IllegalStateException if the registry is closed
   */
  synchronized ManagedPlugin beginRemove(String name) {
    requireOpen();
    if (inTransition.contains(name)) {
      throw new PluginException(
          "plugin '" + name + "' is being added or removed; try again once that is done");
    }
    ManagedPlugin plugin = members.remove(name);
    if (plugin == null) {
      throw unknown(name);
    }
    inTransition.add(name);
    changed();
    return plugin;
  }

  /**
   * Ends the add or remove of {@code name}. After a failed add, {@code unpublish} takes out a
   * plugin published before the failure.
   */
  synchronized void end(String name, boolean unpublish) {
    if (unpublish && members.remove(name) != null) {
      changed();
    }
    inTransition.remove(name);
    notifyAll();
  }

  /**
   * Closes the set: nothing joins or leaves any more. Waits up to {@code timeout} for adds and
   * removes in progress to end, then returns every member, for closing.
   */
  synchronized List<ManagedPlugin> closeAll(Duration timeout) {
    closed = true;
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      for (long left = timeout.toNanos();
          !inTransition.isEmpty() && left > 0;
          left = deadline - System.nanoTime()) {
        java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return ordered;
  }

  /** Names still being added or removed (after {@link #closeAll} gave up waiting). */
  synchronized Set<String> inTransition() {
    return Set.copyOf(inTransition);
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
    return new UnknownPluginException(
        name, ordered.stream().map(ManagedPlugin::name).toList());
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
