package dev.reload.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reload.fixtures.Async;
import dev.reload.fixtures.FencedPins;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The pins of bound calls and leases alone, without native code: the drain protocol of {@link
 * CallPins} (pin with plain stores, drain behind a process-wide barrier) never lets a drainer pass
 * a call.
 * Runs once with membarrier where the kernel has it, and once more with fences only
 * ({@value Membarrier#PROPERTY}=false, a surefire execution of its own).
 */
@FencedPins
class CallPinsTest {

  private static final int CALLERS = 2;
  private static final int DRAINS = 2_000;

  /** The barrier of the tests that are not about barriers. */
  private static final CallPins.Barrier BARRIER = CallPins.Barrier.ON_DRAIN;

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
    long pin(CallPins.Stack stack, long id, CallPins.Barrier barrier);

    void unpin(CallPins.Stack stack, long pin);
  }

  private static final Pinning BOUND_CALL = new Pinning() {
    @Override
    public long pin(CallPins.Stack stack, long id, CallPins.Barrier barrier) {
      stack.push(id, barrier);
      return id;
    }

    @Override
    public void unpin(CallPins.Stack stack, long pin) {
      stack.pop();
    }
  };

  private static final Pinning LEASE = new Pinning() {
    @Override
    public long pin(CallPins.Stack stack, long id, CallPins.Barrier barrier) {
      return stack.pinLease(id, barrier);
    }

    @Override
    public void unpin(CallPins.Stack stack, long pin) {
      stack.unpinLease(pin);
    }
  };

  @ParameterizedTest
  @EnumSource(CallPins.Barrier.class)
  void noCallRunsOnAVersionAfterItsDrainerSawItDrained(CallPins.Barrier barrier) throws Exception {
    // The bound call's protocol, checked where it could break: a caller that pinned and read
    // ACTIVE must find its version still mapped until it unpins, however the drainer races it.
    assertNoCallOnADrainedVersion(BOUND_CALL, barrier);
  }

  @ParameterizedTest
  @EnumSource(CallPins.Barrier.class)
  void noLeaseRunsOnAVersionAfterItsDrainerSawItDrained(CallPins.Barrier barrier) throws Exception {
    assertNoCallOnADrainedVersion(LEASE, barrier);
  }

  private void assertNoCallOnADrainedVersion(Pinning pinning, CallPins.Barrier barrier)
      throws Exception {
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
            long pin = pinning.pin(stack, version.id, barrier);
            if (version.active) {
              // The call: its version must stay mapped from the check above until the unpin.
              call(version, violations);
              calls.incrementAndGet();
            }
            pinning.unpin(stack, pin);
          }
          return null;
        }));
      }
      drainRepeatedly(barrier, calls);
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

  /** A lease handed from the thread that took it to the one that calls and closes it. */
  private record Handed(Version version, CallPins.Stack stack, long pin) {}

  @ParameterizedTest
  @EnumSource(CallPins.Barrier.class)
  void noLeaseClosedOnAnotherThreadRunsOnADrainedVersion(CallPins.Barrier barrier)
      throws Exception {
    // The taking thread reuses its slots while another thread calls and frees them, with a CAS
    // racing the owner's next pin of the same slot and the drainer's scans.
    AtomicLong calls = new AtomicLong();
    AtomicLong violations = new AtomicLong();
    AtomicBoolean running = new AtomicBoolean(true);
    BlockingQueue<Handed> handed = new ArrayBlockingQueue<>(4);
    current = new Version(pins.newId());
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      Future<?> taker = threads.submit(() -> {
        CallPins.Stack stack = pins.mine();
        while (running.get()) {
          Version version = current;
          long pin = stack.pinLease(version.id, barrier);
          if (pin == 0L) {
            Thread.onSpinWait(); // every slot handed on: wait for the closer
          } else if (!version.active) {
            stack.unpinLease(pin);
          } else if (!handed.offer(new Handed(version, stack, pin), 10, TimeUnit.SECONDS)) {
            throw new AssertionError("the closer stopped taking leases");
          }
        }
        return null;
      });
      Future<?> closer = threads.submit(() -> {
        while (running.get() || !handed.isEmpty()) {
          Handed lease = handed.poll(10, TimeUnit.MILLISECONDS);
          if (lease != null) {
            call(lease.version(), violations);
            calls.incrementAndGet();
            lease.stack().unpinLease(lease.pin());
          }
        }
        return null;
      });
      drainRepeatedly(barrier, calls);
      running.set(false);
      taker.get(10, TimeUnit.SECONDS);
      closer.get(10, TimeUnit.SECONDS);
    } finally {
      running.set(false);
      threads.shutdownNow();
    }
    assertThat(violations).as("calls that ran on an unmapped version").hasValue(0);
    assertThat(calls.get()).isPositive();
  }

  /** A call on {@code version}: counts a violation if the version is unmapped before it ends. */
  private static void call(Version version, AtomicLong violations) {
    if (version.unmapped) {
      violations.incrementAndGet();
    }
    Thread.onSpinWait();
    if (version.unmapped) {
      violations.incrementAndGet();
    }
  }

  /**
   * Swaps in a new version {@value #DRAINS} times, each time draining the outgoing one as a reload
   * does (non-active, then scans until none) and marking it unmapped; each swap waits for a call
   * on the version it replaces, so that every drain races callers.
   */
  private void drainRepeatedly(CallPins.Barrier barrier, AtomicLong calls) {
    for (int drain = 0; drain < DRAINS; drain++) {
      long callsBefore = calls.get();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (calls.get() == callsBefore) {
        assertThat(System.nanoTime()).as("no call before drain %d", drain).isLessThan(deadline);
        Thread.yield();
      }
      Version outgoing = current;
      current = new Version(pins.newId());
      outgoing.active = false;
      while (!pins.none(outgoing.id, barrier)) {
        assertThat(System.nanoTime()).as("drain %d never ended", drain).isLessThan(deadline);
        Thread.yield(); // 2 cores: let the caller that holds the pin get on
      }
      outgoing.unmapped = true;
    }
  }

  @Test
  void leaseClosedOnAnotherThreadFreesItsSlot() throws Exception {
    long id = pins.newId();
    CallPins.Stack stack = pins.mine();
    long pin = stack.pinLease(id, BARRIER);
    assertThat(pins.none(id, BARRIER)).isFalse();

    Async.run(() -> stack.unpinLease(pin)).get(10, TimeUnit.SECONDS);

    assertThat(pins.none(id, BARRIER)).isTrue();
  }

  @Test
  void leaseClosedAgainFromAnotherThreadCannotFreeTheSlotsNextUse() throws Exception {
    // What a lease closed from two threads can do: free its slot once more, late.
    long id = pins.newId();
    CallPins.Stack stack = pins.mine();
    long first = stack.pinLease(id, BARRIER);
    stack.unpinLease(first);
    long second = stack.pinLease(id, BARRIER); // the same slot, the same version: another lease
    assertThat(second).isNotEqualTo(first);

    Async.run(() -> stack.unpinLease(first)).get(10, TimeUnit.SECONDS);
    assertThat(pins.count(id)).isEqualTo(1);
    // And on the taking thread, closed once elsewhere and again here, unordered.
    stack.unpinLease(first);
    assertThat(pins.count(id)).isEqualTo(1);
    stack.unpinLease(second);
    assertThat(pins.none(id, BARRIER)).isTrue();
  }

  @Test
  void leasesCloseInAnyOrderAndAThreadWithEverySlotTakenGetsNone() {
    long id = pins.newId();
    CallPins.Stack stack = pins.mine();
    List<Long> leases = new ArrayList<>();
    for (long pin = stack.pinLease(id, BARRIER); pin != 0L; pin = stack.pinLease(id, BARRIER)) {
      leases.add(pin);
    }
    assertThat(leases).hasSizeGreaterThanOrEqualTo(4);
    assertThat(pins.count(id)).isEqualTo(leases.size());

    stack.unpinLease(leases.remove(1));
    assertThat(pins.count(id)).isEqualTo(leases.size());
    long reused = stack.pinLease(id, BARRIER);
    assertThat(reused).as("the freed slot is taken again").isNotZero();
    leases.add(reused);
    for (long pin : leases) {
      assertThat(pins.none(id, BARRIER)).isFalse();
      stack.unpinLease(pin);
    }
    assertThat(pins.none(id, BARRIER)).isTrue();
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
        stack.push(id, BARRIER);
        pinned.countDown();
        release.await();
        stack.pop();
        return null;
      });
      assertThat(pinned.await(10, TimeUnit.SECONDS)).isTrue();

      for (int i = 0; i < 1_000; i++) {
        assertThat(pins.none(id, BARRIER)).isFalse();
      }
      assertThat(pins.count(id)).isEqualTo(1);

      release.countDown();
      call.get(10, TimeUnit.SECONDS);
      assertThat(pins.none(id, BARRIER)).isTrue();
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
      stack.push(outer, BARRIER);
    }
    stack.push(inner, BARRIER);
    assertThat(pins.count(outer)).isEqualTo(10);
    assertThat(pins.count(inner)).isEqualTo(1);

    stack.pop();
    assertThat(pins.none(inner, BARRIER)).isTrue();
    for (int depth = 0; depth < 10; depth++) {
      assertThat(pins.none(outer, BARRIER)).isFalse();
      stack.pop();
    }
    assertThat(pins.none(outer, BARRIER)).isTrue();
  }

  @Test
  void stacksOfEndedThreadsDoNotAccumulate() throws Exception {
    // Thread churn (a thread per request) must not grow the stacks a drain scans without bound.
    for (int i = 0; i < 2_000; i++) {
      Thread thread = new Thread(() -> {
        CallPins.Stack stack = pins.mine();
        stack.push(1, BARRIER);
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
      handedOn.set(takenOn.get().pinLease(id, BARRIER));
    });
    taker.start();
    taker.join(Duration.ofSeconds(10).toMillis());
    for (int i = 0; i < 200; i++) {
      Thread churn = new Thread(() -> {
        CallPins.Stack stack = pins.mine();
        stack.push(id, BARRIER);
        stack.pop();
      });
      churn.start();
      churn.join(Duration.ofSeconds(10).toMillis());
    }
    assertThat(pins.stacks()).as("the ended threads' stacks were pruned").isLessThan(200);
    assertThat(pins.count(id)).isEqualTo(1);

    takenOn.get().unpinLease(handedOn.get());
    assertThat(pins.none(id, BARRIER)).isTrue();
  }

  @Test
  void fencesReplaceMembarrierWhenAskedTo() {
    if (!Boolean.parseBoolean(System.getProperty(Membarrier.PROPERTY, "true"))) {
      assertThat(Membarrier.ASYMMETRIC).isFalse();
    }
    assertThat(Membarrier.heavy()).isTrue();
  }
}
