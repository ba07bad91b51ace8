package dev.reload.core.internal;

import dev.reload.PluginLease;
import dev.reload.PluginVersion;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A pin on one {@link LoadedVersion}. Thread-safe: {@link #close()} releases the pin exactly once,
 * whichever thread calls it.
 */
final class Lease implements PluginLease {

  private static final AtomicIntegerFieldUpdater<Lease> CLOSED =
      AtomicIntegerFieldUpdater.newUpdater(Lease.class, "closed");

  private final LoadedVersion version;
  /** False for the reload thread's own leases, which the gate already protects. */
  private final boolean counted;
  /** 0 while open, 1 once closed; set by CAS. */
  private volatile int closed;

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
    if (CLOSED.compareAndSet(this, 0, 1) && counted) {
      version.unpin();
    }
  }

  private LoadedVersion open() {
    if (closed != 0) {
      throw new IllegalStateException("lease on plugin '" + version.pluginName() + "' generation "
          + version.generation() + " is closed; acquire a new one");
    }
    return version;
  }

  @Override
  public String toString() {
    return "Lease[" + version + (closed != 0 ? ", closed]" : "]");
  }
}
