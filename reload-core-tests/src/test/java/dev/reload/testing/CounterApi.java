package dev.reload.testing;

import dev.reload.Symbol;

/** The counter test plugin of {@link Sources#counter} as a public interface (direct-mapped by bind()). */
public interface CounterApi {

  @Symbol("counter_next")
  long next();

  @Symbol("counter_get")
  long get();

  void counter_set(long value);

  int version();

  int add(int a, int b);

  /** Sleeps {@code millis} in native code, then returns the version. */
  int slow(int millis);
}
