package dev.reload.core.internal.observe;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Calls each of a list of receivers in turn, each one guarded: what a receiver throws goes to the
 * caller's handler and no further, so neither a listener nor a metrics observer can abort a
 * reload, kill the reload thread or fail a call. The one place that decides what is caught, for
 * both fan-outs ({@link Listeners}, {@link Observers}): any {@link Exception}, {@link LinkageError}
 * (a class or symbol missing), {@link AssertionError} and {@link StackOverflowError}; other
 * virtual-machine errors, such as {@link OutOfMemoryError}, pass.
 *
 * <p>Thread-safe: receivers may be added and removed while a fan-out runs, which calls those
 * present when it began.
 */
final class FanOut<T> {

  /** Copy on write. */
  private final List<T> receivers = new CopyOnWriteArrayList<>();

  void add(T receiver) {
    receivers.add(Objects.requireNonNull(receiver, "receiver"));
  }

  void remove(T receiver) {
    receivers.remove(receiver);
  }

  /** Calls {@code call} on each receiver; hands each failure to {@code failed} and goes on. */
  void each(Consumer<? super T> call, BiConsumer<? super T, Throwable> failed) {
    for (T receiver : receivers) {
      try {
        call.accept(receiver);
      } catch (Exception | LinkageError | AssertionError | StackOverflowError e) {
        failed.accept(receiver, e);
      }
    }
  }
}
