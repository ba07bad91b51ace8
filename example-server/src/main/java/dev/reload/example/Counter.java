package dev.reload.example;

/**
 * The counter plugin's exports, held in the library's memory. Thread-safe: the library increments
 * with an atomic add.
 */
public interface Counter {

  /** Increments the counter and returns the new value. */
  long counter_next();
}
