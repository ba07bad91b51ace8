package dev.reload.core.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The count of one version's open leases that are not in a slot of their thread ({@link
 * CallPins}): those taken while every slot was taken, or at the gate. Nothing else.
 *
 * <p><b>Concurrency.</b> Thread-safe and lock-free. Two {@link LongAdder}s that only grow, pins
 * and unpins, so callers on different cores do not contend and neither call allocates. A single
 * adder taking +1 and -1 could be read short (its sum is not a snapshot, and one caller's +1 and
 * -1 may land in different cells); {@link #open()} reads the unpins first and the pins second, and
 * every unpin it sees follows its pin, so it can only over-count the open leases, never
 * under-count them.
 *
 * <p>So a negative count is never a race of readers: it means more unpins than pins, which only a
 * lease released twice can cause (a {@code PluginLease} closed from two threads at once, which its
 * contract forbids and which a lease kept free of atomic instructions cannot prevent). From then
 * on the count cannot tell how many leases are really open: the first read that sees it negative
 * marks the count unbalanced for good and tells {@code onUnbalanced}, once, and an unbalanced
 * count is never {@link #drained()} again, whatever it reads later, so the version stays mapped
 * rather than be unmapped under a call.
 */
final class LeaseCount {

  private final LongAdder pins = new LongAdder();
  private final LongAdder unpins = new LongAdder();
  /** Told once, by the read that first sees more unpins than pins. */
  private final Runnable onUnbalanced;
  /** Set for good by the first read that sees more unpins than pins. */
  private final AtomicBoolean unbalanced = new AtomicBoolean();

  LeaseCount(Runnable onUnbalanced) {
    this.onUnbalanced = onUnbalanced;
  }

  /** Takes a lease. */
  void pin() {
    pins.increment();
  }

  /** Releases a lease taken by {@link #pin()}. */
  void unpin() {
    unpins.increment();
  }

  /**
   * The number of open leases, or more while leases are being taken; never fewer unless the count
   * is {@link #unbalanced()}. A negative answer marks it so.
   */
  long open() {
    long released = unpins.sum();
    long open = pins.sum() - released;
    if (open < 0 && !unbalanced.get() && unbalanced.compareAndSet(false, true)) {
      onUnbalanced.run();
    }
    return open;
  }

  /** Whether no lease is open: the count reads zero and was never seen below it. */
  boolean drained() {
    return open() == 0 && !unbalanced.get();
  }

  /** Whether a lease was seen released more often than it was taken. */
  boolean unbalanced() {
    return unbalanced.get();
  }
}
