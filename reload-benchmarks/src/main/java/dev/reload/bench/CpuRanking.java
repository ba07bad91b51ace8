package dev.reload.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * This process's CPUs, fastest first, by the time a chain of dependent loads over 4 MiB takes on
 * each.
 *
 * <p>Why: the CPUs of a shared virtual machine need not be equally fast, and which one is slow
 * changes by the minute. On the 2-vCPU machines Reload's figures come from, the same chain took 17
 * ns a load on one CPU and 113–120 ns on the other (an L3 cache shared with a busy neighbour, by
 * the look of it), a C loop of calls 1.3 against 1.9 ns an iteration, and a JMH fork's mean
 * followed the CPU its thread landed on: rawDirect 80 against 116–128 ns. Left to the scheduler,
 * the ratio of two benchmarks compared whichever CPUs their forks drew. {@link CallsMain} ranks
 * the CPUs before each round and runs the round's benchmark threads on them in this order, so a
 * single-threaded benchmark runs on the fastest.
 *
 * <p>Immutable.
 */
record CpuRanking(List<Speed> fastestFirst) {

  /** The time a load of the chain took on {@code cpu}: the best of several timings. */
  record Speed(int cpu, double nanosPerLoad) {}

  /** 4 MiB of ints: more than a core's L2, within the L3 it shares. */
  private static final int[] NEXT = randomCycle(1 << 20, new Random(1));

  private static final int LOADS = 500_000;
  private static final int TIMINGS = 5;
  /** Keeps the chain's end alive, so that the JIT cannot drop it. Guarded by nothing: noise. */
  private static int sink;

  /** Times the chain on every CPU this thread may use, and lets it use them all again after. */
  static CpuRanking measure() {
    List<Integer> cpus = CpuPin.allowed();
    for (int i = 0; i < 10; i++) {
      sink += chase(i);
    }
    List<Speed> speeds = new ArrayList<>();
    try {
      for (int cpu : cpus) {
        CpuPin.pin(cpu);
        long best = Long.MAX_VALUE;
        for (int i = 0; i < TIMINGS; i++) {
          long start = System.nanoTime();
          sink += chase(i);
          best = Math.min(best, System.nanoTime() - start);
        }
        speeds.add(new Speed(cpu, (double) best / LOADS));
      }
    } finally {
      CpuPin.unpin(cpus);
    }
    speeds.sort(Comparator.comparingDouble(Speed::nanosPerLoad));
    return new CpuRanking(List.copyOf(speeds));
  }

  /** The value of {@link CpuPin#CPUS_PROPERTY} that runs benchmark threads in this order. */
  String cpusProperty() {
    return fastestFirst.stream()
        .map(speed -> String.valueOf(speed.cpu()))
        .collect(Collectors.joining(","));
  }

  /** "CPU 0 17.4, CPU 1 113.3" (ns per load). */
  @Override
  public String toString() {
    return fastestFirst.stream()
        .map(speed -> String.format(Locale.ROOT, "CPU %d %.1f", speed.cpu(), speed.nanosPerLoad()))
        .collect(Collectors.joining(", "));
  }

  /** Follows {@link #NEXT} from {@code start}: each load's address is the last load's value. */
  private static int chase(int start) {
    int at = start;
    for (int i = 0; i < LOADS; i++) {
      at = NEXT[at];
    }
    return at;
  }

  /** One cycle through all of {@code 0..size-1} in random order, as a next-index table. */
  private static int[] randomCycle(int size, Random random) {
    int[] order = new int[size];
    for (int i = 0; i < size; i++) {
      order[i] = i;
    }
    for (int i = size - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swapped = order[i];
      order[i] = order[j];
      order[j] = swapped;
    }
    int[] next = new int[size];
    for (int i = 0; i < size; i++) {
      next[order[i]] = order[(i + 1) % size];
    }
    return next;
  }
}
