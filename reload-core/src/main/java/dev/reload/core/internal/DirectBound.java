package dev.reload.core.internal;

/**
 * Base of the generated classes behind {@link dev.reload.Plugin#bind}: each generated method pins
 * the current version, calls that version's direct-mapped implementation and unpins it, with no
 * reflection and no allocation of its own. Public only because generated classes live in their
 * own class loader; not API. Immutable and thread-safe.
 */
public abstract class DirectBound {

  private final ManagedPlugin plugin;
  private final int slot;

  protected DirectBound(Object plugin, int slot) {
    this.plugin = (ManagedPlugin) plugin;
    this.slot = slot;
  }

  /** Pins the plugin's current version (lock-free unless its gate is closed). */
  protected final Object pin() {
    return plugin.pin();
  }

  /** The pinned version's implementation of the bound interface. */
  protected final Object target(Object version) {
    return ((LoadedVersion) version).direct(slot);
  }

  /** Releases a pin taken by {@link #pin()}. */
  protected final void unpin(Object version) {
    ((LoadedVersion) version).unpin();
  }

  @Override
  public String toString() {
    Class<?>[] interfaces = getClass().getInterfaces();
    return (interfaces.length > 0 ? interfaces[0].getSimpleName() : "interface")
        + " bound to plugin '" + plugin.name() + "'";
  }
}
