package dev.reload.example;

/** The counter plugin's exports, held in the library's memory. */
public interface Counter {

  /** Increments the counter and returns the new value. */
  long counter_next();
}
