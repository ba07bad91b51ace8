package dev.reload.core.internal;

/**
 * Base of the generated classes behind {@link dev.reload.Plugin#bind}: each generated method takes
 * its thread's pins, pins the current version, calls that version's implementation and unpins it,
 * with no reflection, no allocation and no atomic instruction of its own ({@link CallPins}). Public
 * only because generated classes live in their own class loader; not API. Immutable and
 * thread-safe.
 */
public abstract class DirectBound {

  private final ManagedPlugin plugin;
  private final CallPins callPins;
  private final int slot;

  protected DirectBound(Object plugin, int slot) {
    this.plugin = (ManagedPlugin) plugin;
    this.callPins = this.plugin.callPins();
    this.slot = slot;
  }

  /** The calling thread's pins, on which {@link #pin} and {@link #unpin} work. */
  protected final Object pins() {
    return callPins.mine();
  }

  /** Pins the plugin's current version on {@code pins} (lock-free unless its gate is closed). */
  protected final Object pin(Object pins) {
    return plugin.pin((CallPins.Stack) pins);
  }

  /** The pinned version's implementation of the bound interface. */
  protected final Object target(Object version) {
    return ((LoadedVersion) version).direct(slot);
  }

  /** Releases a pin taken by {@link #pin}, on the same thread and in the same method. */
  protected final void unpin(Object pins, Object version) {
    ((LoadedVersion) version).unpin((CallPins.Stack) pins);
  }

  @Override
  public String toString() {
    Class<?>[] interfaces = getClass().getInterfaces();
    return (interfaces.length > 0 ? interfaces[0].getSimpleName() : "interface")
        + " bound to plugin '" + plugin.name() + "'";
  }
}
