package dev.reload.example;

/**
 * The greeter plugin's export: {@code int greet(const char *name, char *out, int cap)}.
 * Thread-safe: the function keeps no state; each caller passes its own {@code out}.
 */
public interface Greeter {

  /** Writes a NUL-terminated greeting for {@code name} into {@code out}; returns its length. */
  int greet(String name, byte[] out, int capacity);
}
