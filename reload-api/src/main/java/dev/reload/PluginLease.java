package dev.reload;

/**
 * A pin on one loaded version of a plugin: while the lease is open, that version's code stays
 * mapped and a reload of a stateful plugin waits for it. Close it promptly (try-with-resources);
 * a reload of a stateful plugin cannot swap while any lease on the current version is open.
 *
 * <p>Functions are called by exported symbol name. Arguments and return values follow JNA's type
 * mapping: Java {@code int} is C {@code int}, {@code long} is a 64-bit integer (C {@code long} on
 * 64-bit Linux and macOS, not on Windows), {@code String} is a NUL-terminated {@code const char*},
 * {@code byte[]} is a buffer copied in and out.
 *
 * <p>A lease is not thread-safe: use and close it on one thread (try-with-resources), or hand it
 * to another thread through something that orders the two (an executor, a queue). Closing it
 * twice has no further effect; closing it from two threads at once is a bug. Most leases pin in a
 * slot of the taking thread, which such a bug cannot release twice; a thread's leases beyond its
 * few slots, and leases taken at a closed gate, are counted, and a count released twice goes
 * below zero, which the version detects:
 * it logs an ERROR and stays mapped for good (its stateful reloads fail at drain) rather than be
 * unmapped under a call. Calling a function after {@link #close()} throws {@link
 * IllegalStateException}: a closed lease never reaches native code. This keeps a lease free: no
 * allocation once the JIT has inlined it, and, in a slot, no atomic instruction (a stateful
 * plugin's lease takes one fence, so that the drain its callers wait for interrupts no CPU).
 */
public interface PluginLease extends AutoCloseable {

  /** {@return the version this lease pins} */
  PluginVersion version();

  /**
   * Calls an exported function that returns a C {@code int}.
   *
   * @param symbol the exported function's name
   * @param args its arguments, mapped by JNA's rules
   * @return what the function returned
   */
  int invokeInt(String symbol, Object... args);

  /**
   * Calls an exported function that returns a 64-bit integer.
   *
   * @param symbol the exported function's name
   * @param args its arguments, mapped by JNA's rules
   * @return what the function returned
   */
  long invokeLong(String symbol, Object... args);

  /**
   * Calls an exported function that returns a C {@code double}.
   *
   * @param symbol the exported function's name
   * @param args its arguments, mapped by JNA's rules
   * @return what the function returned
   */
  double invokeDouble(String symbol, Object... args);

  /**
   * Calls an exported function that returns nothing.
   *
   * @param symbol the exported function's name
   * @param args its arguments, mapped by JNA's rules
   */
  void invokeVoid(String symbol, Object... args);

  /**
   * Calls an exported function whose return value JNA maps to {@code returnType}.
   *
   * @param <T> the Java type of the return value
   * @param symbol the exported function's name
   * @param returnType the Java type JNA maps the return value to
   * @param args its arguments, mapped by JNA's rules
   * @return what the function returned
   */
  <T> T invoke(String symbol, Class<T> returnType, Object... args);

  /**
   * {@return whether the pinned version exports {@code symbol}}
   *
   * @param symbol the exported symbol's name
   */
  boolean hasSymbol(String symbol);

  /** Releases the pin. */
  @Override
  void close();
}
