package dev.reload.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reload.testing.Async;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The pins of bound calls and leases alone, without native code: the drain protocol of {@link
 * CallPins} (pin with plain stores, drain behind a process-wide barrier) never lets a drainer pass
 * a call.
 * Runs once with membarrier where the kernel has it, and once more with fences only
 * ({@value Membarrier#PROPERTY}=false, a surefire execution of its own).
 */
class CallPinsTest {

  private static final int CALLERS = 2;
  private static final int DRAINS = 2_000;

  private final CallPins pins = new CallPins();
  /** The version callers pin, as {@code ManagedPlugin.current}. */
  private volatile Version current;

  /** A stand-in for a version: its id, its state, and whether its drainer "unmapped" it. */
  private static final class Version {
    final long id;
    volatile boolean active = true;
    volatile boolean unmapped;

    Version(long id) {
      this.id = id;
    }
  }

  /** How a caller pins and unpins on its thread's stack: as a bound call, or as a lease. */
  private interface Pinning {
    /** Pins {@code id}; returns what {@link #unpin} needs. */
    long pin(CallPins.Stack stack, long id);

    void unpin(CallPins.Stack stack, long pin);
  }

  private static final Pinning BOUND_CALL = new Pinning() {
    @Override
    public long pin(CallPins.Stack stack, long id) {
      stack.push(id);
      return id;
    }

    @Override
    public void unpin(CallPins.Stack stack, long pin) {
      stack.pop();
    }
  };

  private static final Pinning LEASE = new Pinning() {
    @Override
    public long pin(CallPins.Stack stack, long id) {
      return stack.pinLease(id);
    }

    @Override
    public void unpin(CallPins.Stack stack, long pin) {
      stack.unpinLease(pin);
    }
  };

  @Test
  void noCallRunsOnAVersionAfterItsDrainerSawItDrained() throws Exception {
    // The bound call's protocol, checked where it could break: a caller that pinned and read
    // ACTIVE must find its version still mapped until it unpins, however the drainer races it.
    assertNoCallOnADrainedVersion(BOUND_CALL);
  }

  @Test
  void noLeaseRunsOnAVersionAfterItsDrainerSawItDrained() throws Exception {
    assertNoCallOnADrainedVersion(LEASE);
  }

  private void assertNoCallOnADrainedVersion(Pinning pinning) throws Exception {
    AtomicLong calls = new AtomicLong();
    AtomicLong violations = new AtomicLong();
    AtomicBoolean running = new AtomicBoolean(true);
    current = new Version(pins.newId());
    ExecutorService threads = Executors.newFixedThreadPool(CALLERS);
    try {
      List<Future<?>> callers = new ArrayList<>();
      for (int t = 0; t < CALLERS; t++) {
        callers.add(threads.submit(() -> {
          CallPins.Stack stack = pins.mine();
          while (running.get()) {
            Version version = current;
            long pin = pinning.pin(stack, version.id);
            if (version.active) {
              // The call: its version must stay mapped from the check above until the unpin.
              if (version.unmapped) {
                violations.incrementAndGet();
              }
              Thread.onSpinWait();
              if (version.unmapped) {
                violations.incrementAndGet();
              }
              calls.incrementAndGet();
            }
            pinning.unpin(stack, pin);
          }
          return null;
        }));
      }
      for (int drain = 0; drain < DRAINS; drain++) {
        Version outgoing = current;
        current = new Version(pins.newId());
        outgoing.active = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!pins.none(outgoing.id)) {
          assertThat(System.nanoTime()).as("drain %d never ended", drain).isLessThan(deadline);
          Thread.yield(); // 2 cores: let the caller that holds the pin get on
        }
        outgoing.unmapped = true;
      }
      running.set(false);
      for (Future<?> caller : callers) {
        caller.get(10, TimeUnit.SECONDS);
      }
    } finally {
      running.set(false);
      threads.shutdownNow();
    }
    assertThat(violations).as("calls that ran on an unmapped version").hasValue(0);
    assertThat(calls.get()).isPositive();
  }

  @Test
  void leaseClosedOnAnotherThreadFreesItsSlot() throws Exception {
    long id = pins.newId();
    CallPins.Stack stack = pins.mine();
    long pin = stack.pinLease(id);
    assertThat(pins.none(id)).isFalse();

    Async.run(() -> stack.unpinLease(pin)).get(10, TimeUnit.SECONDS);

    assertThat(pins.none(id)).isTrue();
  }

  @Test
  void leaseClosedAgainFromAnotherThreadCannotFreeTheSlotsNextUse() throws Exception {
    // What a lease closed from two threads at once can do: free its slot once more, late.
    long id = pins.newId();
    CallPins.Stack stack = pins.mine();
    long first = stack.pinLease(id);
    stack.unpinLease(first);
    long second = stack.pinLease(id); // the same slot, the same version: another lease
    assertThat(second).isNotEqualTo(first);

    Async.run(() -> stack.unpinLease(first)).get(10, TimeUnit.SECONDS);

    assertThat(pins.count(id)).isEqualTo(1);
    stack.unpinLease(second);
    assertThat(pins.none(id)).isTrue();
  }

  @Test
  void leasesCloseInAnyOrderAndAThreadWithEverySlotTakenGetsNone() {
    long id = pins.newId();
    CallPins.Stack stack = pins.mine();
    List<Long> leases = new ArrayList<>();
    for (long pin = stack.pinLease(id); pin != 0L; pin = stack.pinLease(id)) {
      leases.add(pin);
    }
    assertThat(leases).hasSizeGreaterThanOrEqualTo(4);
    assertThat(pins.count(id)).isEqualTo(leases.size());

    stack.unpinLease(leases.remove(1));
    assertThat(pins.count(id)).isEqualTo(leases.size());
    long reused = stack.pinLease(id);
    assertThat(reused).as("the freed slot is taken again").isNotZero();
    leases.add(reused);
    for (long pin : leases) {
      assertThat(pins.none(id)).isFalse();
      stack.unpinLease(pin);
    }
    assertThat(pins.none(id)).isTrue();
  }

  @Test
  void drainWaitsForACallInFlightOnAnotherThread() throws Exception {
    long id = pins.newId();
    CountDownLatch pinned = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService thread = Executors.newSingleThreadExecutor();
    try {
      Future<?> call = thread.submit(() -> {
        CallPins.Stack stack = pins.mine();
        stack.push(id);
        pinned.countDown();
        release.await();
        stack.pop();
        return null;
      });
      assertThat(pinned.await(10, TimeUnit.SECONDS)).isTrue();

      for (int i = 0; i < 1_000; i++) {
        assertThat(pins.none(id)).isFalse();
      }
      assertThat(pins.count(id)).isEqualTo(1);

      release.countDown();
      call.get(10, TimeUnit.SECONDS);
      assertThat(pins.none(id)).isTrue();
      assertThat(pins.count(id)).isZero();
    } finally {
      thread.shutdownNow();
    }
  }

  @Test
  void nestedCallsPinEachVersionUntilTheirOwnReturn() {
    long outer = pins.newId();
    long inner = pins.newId();
    CallPins.Stack stack = pins.mine();
    // Deeper than the first array, as a native call back into Java nests bound calls.
    for (int depth = 0; depth < 10; depth++) {
      stack.push(outer);
    }
    stack.push(inner);
    assertThat(pins.count(outer)).isEqualTo(10);
    assertThat(pins.count(inner)).isEqualTo(1);

    stack.pop();
    assertThat(pins.none(inner)).isTrue();
    for (int depth = 0; depth < 10; depth++) {
      assertThat(pins.none(outer)).isFalse();
      stack.pop();
    }
    assertThat(pins.none(outer)).isTrue();
  }

  @Test
  void stacksOfEndedThreadsDoNotAccumulate() throws Exception {
    // Thread churn (a thread per request) must not grow the stacks a drain scans without bound.
    for (int i = 0; i < 2_000; i++) {
      Thread thread = new Thread(() -> {
        CallPins.Stack stack = pins.mine();
        stack.push(1);
        stack.pop();
      });
      thread.start();
      thread.join(Duration.ofSeconds(10).toMillis());
    }
    assertThat(pins.stacks()).isLessThanOrEqualTo(128);
  }

  @Test
  void aLeaseOutlivesTheThreadThatTookIt() throws Exception {
    // A request thread hands its lease on and ends; pruning must not drop the pin with its stack.
    long id = pins.newId();
    AtomicLong handedOn = new AtomicLong();
    AtomicReference<CallPins.Stack> takenOn = new AtomicReference<>();
    Thread taker = new Thread(() -> {
      takenOn.set(pins.mine());
      handedOn.set(takenOn.get().pinLease(id));
    });
    taker.start();
    taker.join(Duration.ofSeconds(10).toMillis());
    for (int i = 0; i < 200; i++) {
      Thread churn = new Thread(() -> {
        CallPins.Stack stack = pins.mine();
        stack.push(id);
        stack.pop();
      });
      churn.start();
      churn.join(Duration.ofSeconds(10).toMillis());
    }
    assertThat(pins.stacks()).as("the ended threads' stacks were pruned").isLessThan(200);
    assertThat(pins.count(id)).isEqualTo(1);

    takenOn.get().unpinLease(handedOn.get());
    assertThat(pins.none(id)).isTrue();
  }

  @Test
  void fencesReplaceMembarrierWhenAskedTo() {
    if (!Boolean.parseBoolean(System.getProperty(Membarrier.PROPERTY, "true"))) {
      assertThat(Membarrier.ASYMMETRIC).isFalse();
    }
    assertThat(Membarrier.heavy()).isTrue();
  }
}
