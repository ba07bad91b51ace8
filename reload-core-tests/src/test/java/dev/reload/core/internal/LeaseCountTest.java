package dev.reload.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The lease count alone: never counts short; a count gone wrong is told once, never trusted. */
class LeaseCountTest {

  private static final int THREADS = 4;
  private static final int LEASES_PER_THREAD = 200_000;

  private final AtomicInteger reports = new AtomicInteger();
  private final LeaseCount count = new LeaseCount(reports::incrementAndGet);

  @Test
  void concurrentLeasesAreNeverCountedShortAndEndDrained() throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(THREADS);
    CountDownLatch holding = new CountDownLatch(THREADS);
    try {
      List<Future<?>> work = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        work.add(threads.submit(() -> {
          count.pin(); // held until the end: the count must never read below THREADS
          holding.countDown();
          for (int i = 0; i < LEASES_PER_THREAD; i++) {
            count.pin();
            count.unpin();
          }
          return null;
        }));
      }
      assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
      long lowest = Long.MAX_VALUE;
      while (!work.stream().allMatch(Future::isDone)) {
        lowest = Math.min(lowest, count.open());
        assertThat(count.drained()).isFalse();
      }
      for (Future<?> future : work) {
        future.get(10, TimeUnit.SECONDS);
      }
      assertThat(lowest).isGreaterThanOrEqualTo(THREADS);
      assertThat(count.open()).isEqualTo(THREADS);
      for (int t = 0; t < THREADS; t++) {
        count.unpin();
      }
      assertThat(count.open()).isZero();
      assertThat(count.drained()).isTrue();
      assertThat(count.unbalanced()).isFalse();
      assertThat(reports).hasValue(0);
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void leaseReleasedTwiceIsToldOnceAndNeverReadsDrainedAgain() {
    count.pin();
    count.unpin();
    count.unpin();

    assertThat(count.open()).isEqualTo(-1);
    assertThat(count.unbalanced()).isTrue();
    assertThat(count.drained()).isFalse();
    // A lease taken now brings the sum back to zero while it is open.
    count.pin();
    assertThat(count.open()).isZero();
    assertThat(count.drained()).isFalse();
    assertThat(reports).hasValue(1);
  }
}
