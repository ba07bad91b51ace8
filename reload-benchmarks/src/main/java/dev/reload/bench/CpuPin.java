package dev.reload.bench;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Pins threads to CPUs with Linux's {@code sched_setaffinity}: a benchmark's threads to the CPUs
 * {@link CallsMain} chose for its fork ({@value #CPUS_PROPERTY}), and the thread that ranks the
 * CPUs ({@link CpuRanking}) to each in turn.
 *
 * <p>Without {@value #CPUS_PROPERTY} (a JMH command line typed by hand) a benchmark thread is left
 * to the scheduler. Stateless and thread-safe; each call pins only the calling thread.
 */
final class CpuPin {

  /**
   * The system property naming a fork's CPUs, comma-separated: benchmark thread {@code i} runs on
   * the {@code (i mod n)}th of the {@code n} named.
   */
  static final String CPUS_PROPERTY = "bench.cpus";

  /** Bits of the CPU masks passed to the kernel: as glibc's {@code cpu_set_t}. */
  private static final int MASK_BITS = 1024;

  /** The two calls of Linux's C library that read and set a thread's CPUs. */
  private interface Affinity extends Library {
    int sched_getaffinity(int pid, NativeLong size, long[] mask);

    int sched_setaffinity(int pid, NativeLong size, long[] mask);
  }

  /** Loaded on first use, so that a run that pins nothing needs no Linux. */
  private static final class Libc {
    static final Affinity AFFINITY = Native.load("c", Affinity.class);
  }

  private CpuPin() {}

  /**
   * Pins the calling thread, the {@code threadIndex}th of its benchmark, if its fork names CPUs.
   */
  static void pinBenchmarkThread(int threadIndex) {
    String cpus = System.getProperty(CPUS_PROPERTY);
    if (cpus != null) {
      int[] named = Arrays.stream(cpus.split(",")).mapToInt(Integer::parseInt).toArray();
      pin(named[threadIndex % named.length]);
    }
  }

  /** Pins the calling thread to {@code cpu}. */
  static void pin(int cpu) {
    set(List.of(cpu));
  }

  /** Lets the calling thread run on all of {@code cpus} again. */
  static void unpin(List<Integer> cpus) {
    set(cpus);
  }

  /** The CPUs the calling thread may run on, in increasing order (a cpuset need not start at 0). */
  static List<Integer> allowed() {
    requireLinux();
    long[] mask = new long[MASK_BITS / Long.SIZE];
    // pid 0 is the calling thread.
    if (Libc.AFFINITY.sched_getaffinity(0, new NativeLong(MASK_BITS / 8), mask) != 0) {
      throw new IllegalStateException("sched_getaffinity failed: errno " + Native.getLastError());
    }
    List<Integer> cpus = new ArrayList<>();
    for (int cpu = 0; cpu < MASK_BITS; cpu++) {
      if ((mask[cpu / Long.SIZE] & (1L << (cpu % Long.SIZE))) != 0) {
        cpus.add(cpu);
      }
    }
    return cpus;
  }

  /** Lets the calling thread run on {@code cpus} only. */
  private static void set(List<Integer> cpus) {
    requireLinux();
    long[] mask = new long[MASK_BITS / Long.SIZE];
    for (int cpu : cpus) {
      mask[cpu / Long.SIZE] |= 1L << (cpu % Long.SIZE);
    }
    if (Libc.AFFINITY.sched_setaffinity(0, new NativeLong(MASK_BITS / 8), mask) != 0) {
      throw new IllegalStateException("cannot pin this thread to CPUs " + cpus
          + ": sched_setaffinity failed with errno " + Native.getLastError());
    }
  }

  private static void requireLinux() {
    if (!System.getProperty("os.name").startsWith("Linux")) {
      throw new IllegalStateException("pinning threads to CPUs needs Linux's sched_setaffinity;"
          + " this is " + System.getProperty("os.name"));
    }
  }
}
