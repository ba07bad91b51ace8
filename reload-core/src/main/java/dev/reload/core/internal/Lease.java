package dev.reload.core.internal;

import dev.reload.PluginLease;
import dev.reload.PluginVersion;

/**
 * A pin on one {@link LoadedVersion}: in a lease slot of the taking thread's pins, in the
 * version's lease count, or, for the reload thread's own leases, none. Not thread-safe, as {@link
 * PluginLease} says: one thread at a time. Its one mutable field is plain so that the JIT can keep
 * a try-with-resources lease in registers (no allocation, and no atomic instruction unless its
 * pin is counted).
 */
final class Lease implements PluginLease {

  private final LoadedVersion version;
  /** The pins holding {@link #pin}, or null if the lease is counted or not pinned. */
  private final CallPins.Stack slots;
  /** The pin in {@link #slots}, from {@link LoadedVersion#tryPinLease}. */
  private final long pin;
  /** Whether the version's lease count holds this lease. */
  private final boolean counted;
  /** Set once by {@link #close()}; read and written by the thread using the lease. */
  private boolean closed;

  private Lease(LoadedVersion version, CallPins.Stack slots, long pin, boolean counted) {
    this.version = version;
    this.slots = slots;
    this.pin = pin;
    this.counted = counted;
  }

  /** A lease on the pin {@code pin} that {@code version} put in {@code slots}. */
  static Lease slotted(LoadedVersion version, CallPins.Stack slots, long pin) {
    return new Lease(version, slots, pin, false);
  }

  /** A lease the version's lease count holds ({@link LoadedVersion#tryPin()}). */
  static Lease counted(LoadedVersion version) {
    return new Lease(version, null, 0L, true);
  }

  /** A lease of the reload thread, which the closed gate protects instead of a pin. */
  static Lease unpinned(LoadedVersion version) {
    return new Lease(version, null, 0L, false);
  }

  @Override
  public PluginVersion version() {
    return version;
  }

  @Override
  public int invokeInt(String symbol, Object... args) {
    return open().function(symbol).invokeInt(args);
  }

  @Override
  public long invokeLong(String symbol, Object... args) {
    return open().function(symbol).invokeLong(args);
  }

  @Override
  public double invokeDouble(String symbol, Object... args) {
    return open().function(symbol).invokeDouble(args);
  }

  @Override
  public void invokeVoid(String symbol, Object... args) {
    open().function(symbol).invokeVoid(args);
  }

  @Override
  public <T> T invoke(String symbol, Class<T> returnType, Object... args) {
    Object result = open().function(symbol).invoke(returnType, args);
    @SuppressWarnings("unchecked")
    T typed = returnType.isPrimitive() ? (T) result : returnType.cast(result);
    return typed;
  }

  @Override
  public boolean hasSymbol(String symbol) {
    return open().hasSymbol(symbol);
  }

  @Override
  public void close() {
    // Kept trivial (at most MaxTrivialSize, 6 bytes of bytecode): javac also calls close() from
    // try-with-resources' exception path, which before JDK 22 C2 compiles even though it never
    // runs, and C2 inlines a call site that never ran only into a trivial method. Not inlined
    // there, close() would let the lease escape, and every lease would be allocated (JDK 17: 32
    // bytes per acquire). The call below is reached on every close, so it inlines.
    release();
  }

  private void release() {
    if (!closed) {
      closed = true;
      if (slots != null) {
        version.unpinLease(slots, pin);
      } else if (counted) {
        version.unpin();
      }
    }
  }

  private LoadedVersion open() {
    if (closed) {
      throw closedError();
    }
    return version;
  }

  private IllegalStateException closedError() {
    return new IllegalStateException("lease on plugin '" + version.pluginName() + "' generation "
        + version.generation() + " is closed; acquire a new one");
  }

  @Override
  public String toString() {
    return "Lease[" + version + (closed ? ", closed]" : "]");
  }
}
