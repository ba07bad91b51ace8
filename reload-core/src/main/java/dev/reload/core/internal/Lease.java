package dev.reload.core.internal;

import dev.reload.PluginLease;
import dev.reload.PluginVersion;

/**
 * A pin on one {@link LoadedVersion}. Not thread-safe, as {@link PluginLease} says: one thread
 * at a time. Its one mutable field is plain so that the JIT can keep a try-with-resources lease
 * in registers (no allocation, no atomic instruction besides the version's counters).
 */
final class Lease implements PluginLease {

  private final LoadedVersion version;
  /** False for the reload thread's own leases, which the gate already protects. */
  private final boolean counted;
  /** Set once by {@link #close()}; read and written by the thread using the lease. */
  private boolean closed;

  Lease(LoadedVersion version, boolean counted) {
    this.version = version;
    this.counted = counted;
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
    if (!closed) {
      closed = true;
      if (counted) {
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
