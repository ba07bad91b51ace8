package dev.reload.core.internal;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import dev.reload.core.internal.platform.Platform;
import java.lang.invoke.VarHandle;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process-wide memory barrier that costs the threads it orders nothing: Linux {@code
 * membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)}, the asymmetric fence of userspace RCU and of
 * HotSpot's own {@code -XX:+UseSystemMemoryBarrier}. {@link CallPins} uses it so that a bound call
 * takes its pin with plain stores while the rare drain pays for the ordering.
 *
 * <p>The kernel's promise, from {@code linux/membarrier.h}: "Upon return from system call, the
 * caller thread is ensured that all its running threads siblings have passed through a state where
 * all memory accesses to user-space addresses match program order between entry to and return
 * from the system call (non-running threads are de facto in such a state)." In other words, every
 * other thread of the process executes a full barrier at some point inside the call.
 *
 * <p>Where the call is missing (not Linux, not x86-64 or AArch64, a kernel older than 4.14, a
 * seccomp filter that refuses it), {@link #ASYMMETRIC} is false and both sides fall back to {@link
 * VarHandle#fullFence()}: the light side then costs one fence per call. The choice is made once
 * per JVM, before either side runs, and never changes. Thread-safe; no state besides that choice.
 */
final class Membarrier {

  private static final Logger log = LoggerFactory.getLogger(Membarrier.class);

  private static final int CMD_QUERY = 0;
  private static final int CMD_PRIVATE_EXPEDITED = 1 << 3;
  private static final int CMD_REGISTER_PRIVATE_EXPEDITED = 1 << 4;

  /**
   * The system property that, set to {@code false}, makes a JVM use fences even where membarrier
   * works (to test that protocol, or to rule this one out).
   */
  static final String PROPERTY = "dev.reload.membarrier";

  /** The {@code syscall(2)} number of membarrier here, or -1. */
  private static final long SYSCALL = syscallNumber();
  /** libc's {@code syscall}, or null where membarrier is not used. */
  private static final Function SYSCALL_FUNCTION;
  /** Whether {@link #heavy()} is membarrier, and so {@link #light()} may be a compiler barrier. */
  static final boolean ASYMMETRIC;

  static {
    Function syscall = null;
    String refused = null;
    if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true"))) {
      refused = PROPERTY + "=false";
    } else if (SYSCALL < 0) {
      refused = "no membarrier system call on " + System.getProperty("os.name") + "/"
          + System.getProperty("os.arch");
    } else {
      try {
        syscall = NativeLibrary.getInstance("c").getFunction("syscall");
        refused = register(syscall);
      } catch (RuntimeException | LinkageError e) {
        refused = "libc syscall() unavailable: " + e;
      }
    }
    SYSCALL_FUNCTION = refused == null ? syscall : null;
    ASYMMETRIC = refused == null;
    if (!ASYMMETRIC) {
      log.debug("bound calls fence each pin ({}): membarrier is not used", refused);
    }
  }

  private Membarrier() {}

  /** Makes the choice of {@link #ASYMMETRIC} (once per JVM; later calls do nothing). */
  static void init() {
    // Initializing the class is the work.
  }

  /** Null once the process is registered for, and has run, a private expedited barrier. */
  private static String register(Function syscall) {
    long supported = membarrier(syscall, CMD_QUERY);
    if (supported < 0
        || (supported & CMD_PRIVATE_EXPEDITED) == 0
        || (supported & CMD_REGISTER_PRIVATE_EXPEDITED) == 0) {
      return "membarrier(MEMBARRIER_CMD_QUERY) returned " + supported;
    }
    long registered = membarrier(syscall, CMD_REGISTER_PRIVATE_EXPEDITED);
    if (registered != 0) {
      return "membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) returned " + registered;
    }
    long tried = membarrier(syscall, CMD_PRIVATE_EXPEDITED);
    return tried == 0 ? null : "membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) returned " + tried;
  }

  /**
   * The light side: orders this thread's earlier stores before its later loads against a {@link
   * #heavy()} barrier of another thread. With membarrier it emits no instruction: the caller's
   * accesses must be opaque (or stronger) VarHandle accesses, which HotSpot's C2 keeps in program
   * order (it brackets each with a {@code MemBarCPUOrder}, see {@code C2Access::needs_cpu_membar});
   * the interpreter and C1 do not reorder them at all. That is a fact of HotSpot's compilers, not
   * of the Java memory model, which has no asymmetric fence: on a JVM whose compiler may move an
   * opaque store after a later load, set {@value #PROPERTY} to {@code false}. Without membarrier,
   * a full fence.
   */
  static void light() {
    if (!ASYMMETRIC) {
      VarHandle.fullFence();
    }
  }

  /**
   * The heavy side: after it returns, every other thread of the process has either made visible
   * all its stores that precede its current {@link #light()} point in program order, or will see
   * every store this thread made before calling this. Costs a system call and an interrupt to each
   * CPU running a thread of the process (microseconds); without membarrier, a full fence.
   *
   * @return false if the kernel refused the barrier (then nothing is ordered: treat what was to be
   *     read as unknown)
   */
  static boolean heavy() {
    if (!ASYMMETRIC) {
      VarHandle.fullFence();
      return true;
    }
    return membarrier(SYSCALL_FUNCTION, CMD_PRIVATE_EXPEDITED) == 0;
  }

  /** The raw result of {@code syscall(SYS_membarrier, cmd, 0, 0)}: -1 with errno on failure. */
  private static long membarrier(Function syscall, int cmd) {
    // syscall(2) is variadic and reads each argument as a long: pass longs.
    return syscall.invokeLong(new Object[] {SYSCALL, (long) cmd, 0L, 0L});
  }

  private static long syscallNumber() {
    if (Platform.current() != Platform.LINUX) {
      return -1;
    }
    switch (System.getProperty("os.arch", "").toLowerCase(Locale.ROOT)) {
      case "amd64":
      case "x86_64":
        return 324;
      case "aarch64":
        return 283;
      default:
        return -1;
    }
  }
}
