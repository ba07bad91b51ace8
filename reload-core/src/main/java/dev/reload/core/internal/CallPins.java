package dev.reload.core.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The pins of bound calls and leases in one registry: which versions the calls now running on
 * each thread run on. A bound call (a method of an interface from {@link dev.reload.Plugin#bind})
 * pins its version and unpins it on one thread, within one method, in last-in first-out order. So
 * each thread keeps its own {@link Stack} of pins, which only it writes, with no atomic
 * instruction: the drain, which is rare, pays for the ordering instead.
 *
 * <p>A {@link dev.reload.PluginLease} is almost always closed by the thread that took it, but may
 * be closed in any order and may move to another thread. Its pin goes into one of a few fixed
 * lease slots of the taking thread's stack, with the same protocol; closed there, it frees the
 * slot with a check and a release store, closed elsewhere with a compare-and-set; either frees the
 * slot only if it still holds that lease's pin (a stamp tells one use of a slot from the next). A
 * lease taken while every slot of its thread is taken, or at a closed gate, is counted in the
 * version's {@link LeaseCount} instead: two atomic instructions, where a slot takes none.
 *
 * <h2>The protocol</h2>
 *
 * A version has an id, unique in the registry. A caller {@link Stack#push pushes} the id of the
 * current version on its stack (an opaque store; a lease's {@link Stack#pinLease} is the same
 * store into a slot), passes the version's {@link Barrier#afterPin() light barrier}, then reads
 * the version's state: if it is not {@code ACTIVE} it pops the id and goes to the gate; otherwise
 * it calls, and then {@link Stack#pop pops} the id (a release store) and reads the state again to
 * wake a waiting drainer. The drainer (the reload thread, the retirer, or close) first sets the
 * state to something other than {@code ACTIVE} (a volatile store), then calls {@link #none}: a
 * scan of every stack, and if it finds no pin, the version's {@link Barrier#beforeScan() heavy
 * barrier} and a second scan. The version is unmapped only after a scan that follows the heavy
 * barrier finds its id on no stack (and its lease count at zero).
 *
 * <p>Which side pays for the ordering is the version's {@link Barrier}: {@link Barrier#ON_DRAIN}
 * makes pins free and each drain check a membarrier system call, {@link Barrier#ON_BOTH} puts a
 * full fence on both sides. A stateful plugin's versions take the second, as callers wait at its
 * gate for its drain, and an interrupt to every CPU costs them tens of microseconds in a VM.
 *
 * <p><b>Why no call runs on an unmapped version.</b> Take a call that reads {@code ACTIVE} and
 * proceeds, and a drain whose state store S precedes its heavy barrier H and scan R. The call's
 * push P precedes its state read L in program order, and the compiled code keeps that order
 * (HotSpot brackets an opaque VarHandle access with compiler barriers: a fact of HotSpot, not of
 * the Java memory model, see {@link Membarrier#light()}); the barrier pair makes the CPU keep it
 * too.
 *
 * <ul>
 *   <li>With membarrier ({@link Barrier#ON_DRAIN}): inside H, the caller's thread passes a point B
 *       where its accesses match program order (a full barrier, or not running at all). If P
 *       precedes B, P is visible to every thread once H returns, so R finds the id (or the pop
 *       that follows the call, which is then over). If P follows B, so does L; S was visible
 *       before H began (the system call itself is a full barrier on the drainer's side), so L
 *       reads the non-active state and the caller does not proceed. It cannot read {@code ACTIVE}
 *       unless a later store made the version active again (a failed reload reopening its gate),
 *       and then no drain is pending.
 *   <li>With fences ({@link Barrier#ON_BOTH}, or {@code ON_DRAIN} where membarrier is missing):
 *       the light barrier is a full fence after P, and H is a full fence after S. Full fences are
 *       totally ordered: if the caller's comes first, R sees P; if the drainer's does, L sees S.
 *       This is Dekker's protocol with sequentially consistent fences, within the Java memory
 *       model.
 * </ul>
 *
 * So a scan that finds no id proves no call is inside the version, and none can enter it: new
 * callers see the state. A scan may over-count (a caller that pushed and will back out), never
 * under-count; the drainer simply looks again. The pop is a release store after the native call
 * returned, so once R sees it, the call and everything it read and wrote is over. Every scan that
 * can answer "none" follows its own heavy barrier, so a version made active again and drained
 * again is covered too; a scan before the barrier can only answer "not yet", which needs no proof.
 *
 * <p>The gate is unchanged ({@link ManagedPlugin}): a non-active version sends callers to it.
 * Stateless swaps do not block: the caller pins whatever version is current, and the old one is
 * scanned until it drains.
 *
 * <p><b>Concurrency.</b> Thread-safe. A {@link Stack} is written only by its own thread (plain
 * depth, opaque and release stores of ids), but for the compare-and-set of a lease closed on
 * another thread, and read by drainers (volatile reads); a grown array is published with a release
 * store before the id written into it, and the lease slots are never replaced. Stacks are
 * registered in a concurrent queue, each before its first push: a scan that must see a push (by
 * the argument above) also sees the stack, as the queue's iterator shows every element linked
 * before it began.
 * Stacks of terminated threads with nothing pinned are dropped, at the latest when the number of
 * stacks doubles, so thread churn cannot grow the queue without bound.
 */
final class CallPins {

  private static final VarHandle IDS = MethodHandles.arrayElementVarHandle(long[].class);
  private static final VarHandle SLOTS;

  static {
    try {
      SLOTS = MethodHandles.lookup().findVarHandle(Stack.class, "ids", long[].class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Version ids fill the low bits of a pin: 2^36 versions per registry. */
  private static final int ID_BITS = 36;

  private static final long ID_MASK = (1L << ID_BITS) - 1;
  /** Lease slots per thread: 64 bytes of pins. */
  private static final int LEASE_SLOTS = 8;

  private static final int SLOT_BITS = 3;
  /** The rest of a pin but its sign bit: a stamp that wraps after 2^24 leases of one thread. */
  private static final int STAMP_MASK = (1 << 24) - 1;

  /** Ids of versions; 0 marks an empty slot. */
  private final AtomicLong lastId = new AtomicLong();

  private final Queue<Stack> stacks = new ConcurrentLinkedQueue<>();
  /** How many stacks {@link #stacks} holds. */
  private final AtomicInteger size = new AtomicInteger();
  /** The size at which registering a stack first drops the dead ones. */
  private final AtomicInteger pruneAt = new AtomicInteger(64);

  private final ThreadLocal<Stack> mine = ThreadLocal.withInitial(this::register);

  CallPins() {
    // Chooses the barriers now, at start, rather than inside the first call or the first drain
    // (which may be in a gated window), and loads the class a scan iterates with (0.1 ms).
    Membarrier.init();
    stacks.iterator().hasNext();
  }

  /** A new version id, never 0 and never given before in this registry. */
  long newId() {
    long id = lastId.incrementAndGet();
    if (id > ID_MASK) {
      throw new IllegalStateException("this registry has loaded 2^36 versions; restart it");
    }
    return id;
  }

  /** The calling thread's stack. */
  Stack mine() {
    return mine.get();
  }

  /**
   * How many bound calls and slotted leases run on version {@code id} now, or more while they are
   * being entered; without a barrier, so one just entered may be missed: alone, for reporting
   * only.
   */
  long count(long id) {
    long count = 0;
    for (Stack stack : stacks) {
      count += stack.count(id);
    }
    return count;
  }

  /**
   * Whether no bound call or lease runs on version {@code id}, nor can enter it. Call only after
   * making the version non-active; false if the kernel refused the barrier. Only a scan that reads
   * zero needs the barrier to be trusted: one that finds a pin answers at once, without it.
   */
  boolean none(long id, Barrier barrier) {
    return count(id) == 0 && barrier.beforeScan() && count(id) == 0;
  }

  /**
   * How many stacks a drain scans: one per thread that made a bound call or took a lease, minus
   * those pruned.
   */
  int stacks() {
    return size.get();
  }

  private Stack register() {
    Stack stack = new Stack(Thread.currentThread());
    stacks.add(stack);
    int now = size.incrementAndGet();
    int threshold = pruneAt.get();
    if (now >= threshold && pruneAt.compareAndSet(threshold, Integer.MAX_VALUE)) {
      for (Iterator<Stack> all = stacks.iterator(); all.hasNext(); ) {
        if (all.next().idle()) {
          all.remove();
          size.decrementAndGet();
        }
      }
      pruneAt.set(Math.max(64, size.get() * 2));
    }
    return stack;
  }

  /**
   * Which side of the protocol pays for the ordering, chosen per version: its pins and its drain
   * must use the same.
   */
  enum Barrier {
    /**
     * Pins emit no instruction ({@link Membarrier#light()}); each drain check runs {@link
     * Membarrier#heavy()}, a system call that interrupts every CPU running a thread of the process
     * (1-3 us on bare metal, about 50 us measured in a Firecracker VM). For versions whose drain
     * no caller waits for: a stateless plugin's outgoing version, retired in the background.
     */
    ON_DRAIN,
    /**
     * Each pin is followed by a full fence, and so is each drain check's state store: Dekker's
     * protocol, within the Java memory model, with no interrupt. For versions of a stateful plugin,
     * whose drain happens while callers wait at the gate.
     */
    ON_BOTH;

    /** After a pin's store, before the caller reads the version's state. */
    void afterPin() {
      // An identity test, not a field of the constant: one load fewer on every call.
      if (this == ON_BOTH) {
        VarHandle.fullFence();
      } else {
        Membarrier.light();
      }
    }

    /** After a drainer's state store, before its scan; false if the kernel refused the barrier. */
    boolean beforeScan() {
      if (this == ON_BOTH) {
        VarHandle.fullFence();
        return true;
      }
      return Membarrier.heavy();
    }
  }

  /**
   * One thread's pins: the ids of the versions its bound calls run on, innermost last (a call
   * nests in another when native code calls back into Java), and the pins of the leases it took.
   * Written by its thread, but for a lease closed on another thread, which clears its own slot.
   *
   * <p>Everything the owner writes on a call lies inside two arrays, {@link #PAD} longs in from
   * either end, so that no other object shares a cache line with it. An object its thread
   * allocated just before or after the stack (in a Guice application, the binding of an injected
   * interface, which every thread reads) would otherwise miss the cache on every read while the
   * owner calls: measured, two threads calling an injected interface took 2.3 times as long.
   */
  static final class Stack {
    /** Longs of padding at each end of an array: 128 bytes, two cache lines (fetched in pairs). */
    private static final int PAD = 16;
    /** In {@link #ids}: the number of pins; read and written by the owner only. */
    private static final int DEPTH = PAD;
    /** In {@link #ids}: the outermost pin, followed by the others. */
    private static final int FIRST_ID = DEPTH + 1;
    /**
     * In {@link #leaseSlots}: how many lease pins the owner made, for the stamps that tell one use
     * of a slot from the next; read and written by the owner only.
     */
    private static final int STAMPS = PAD;
    /** In {@link #leaseSlots}: the first lease slot. */
    private static final int FIRST_SLOT = STAMPS + 1;

    private final Thread owner;
    /**
     * The depth and the pins of bound calls, between padding; published with a release store when
     * grown. Its pins from the depth on are 0.
     */
    private volatile long[] ids = new long[FIRST_ID + 4 + PAD];
    /**
     * The stamp count and the pins of leases taken on this thread, one {@link #leasePin} per slot,
     * 0 when free, between padding; never replaced, so that a lease closed on another thread
     * clears the slot it was given. The owner writes a slot only when it reads it free; other
     * threads only free it.
     */
    private final long[] leaseSlots = new long[FIRST_SLOT + LEASE_SLOTS + PAD];

    private Stack(Thread owner) {
      this.owner = owner;
    }

    /**
     * Pins version {@code id}, then orders that store before the caller's next load against a
     * drainer's {@link #none} with {@code barrier}, the version's.
     */
    void push(long id, Barrier barrier) {
      long[] slots = (long[]) SLOTS.get(this);
      int at = FIRST_ID + (int) slots[DEPTH];
      if (at == pinsEnd(slots)) {
        slots = grow(slots);
      }
      IDS.setOpaque(slots, at, id);
      slots[DEPTH] = at + 1 - FIRST_ID;
      barrier.afterPin();
    }

    /** Releases the innermost pin, after everything before it (the call) is done. */
    void pop() {
      long[] slots = (long[]) SLOTS.get(this);
      int depth = (int) slots[DEPTH] - 1;
      slots[DEPTH] = depth;
      IDS.setRelease(slots, FIRST_ID + depth, 0L);
    }

    /** In an {@link #ids} array: the index after its last pin, where the padding starts. */
    private static int pinsEnd(long[] slots) {
      return slots.length - PAD;
    }

    private long[] grow(long[] slots) {
      int pins = pinsEnd(slots) - FIRST_ID;
      long[] grown = new long[FIRST_ID + 2 * pins + PAD];
      System.arraycopy(slots, DEPTH, grown, DEPTH, 1 + pins);
      SLOTS.setRelease(this, grown);
      return grown;
    }

    /**
     * Pins version {@code id} for a lease in a free slot, ordered as {@link #push}. Owner only.
     *
     * @return the pin, to give {@link #unpinLease} back; 0 if every slot is taken
     */
    long pinLease(long id, Barrier barrier) {
      long[] slots = leaseSlots;
      for (int slot = 0; slot < LEASE_SLOTS; slot++) {
        if ((long) IDS.getOpaque(slots, FIRST_SLOT + slot) == 0L) {
          int stamp = (int) slots[STAMPS] + 1;
          slots[STAMPS] = stamp;
          long pin = leasePin(id, slot, stamp);
          IDS.setOpaque(slots, FIRST_SLOT + slot, pin);
          barrier.afterPin();
          return pin;
        }
      }
      return 0L;
    }

    /**
     * Releases a lease's {@code pin}, after everything before it (the calls) is done; on any
     * thread. The slot is freed only if it still holds this very pin, so a lease closed twice
     * from two threads (which its contract forbids) cannot free the slot's next use: the owner,
     * the only thread that fills a slot, checks and stores; another thread compares and sets.
     */
    void unpinLease(long pin) {
      int at = FIRST_SLOT + ((int) (pin >>> ID_BITS) & (LEASE_SLOTS - 1));
      if (Thread.currentThread() != owner) {
        IDS.compareAndSet(leaseSlots, at, pin, 0L);
      } else if ((long) IDS.getOpaque(leaseSlots, at) == pin) {
        IDS.setRelease(leaseSlots, at, 0L);
      }
    }

    private long count(long id) {
      long[] slots = ids;
      return count(slots, FIRST_ID, pinsEnd(slots), id)
          + count(leaseSlots, FIRST_SLOT, FIRST_SLOT + LEASE_SLOTS, id);
    }

    /** How many of the pins {@code slots[from, to)} are on version {@code id} (0: free ones). */
    private static long count(long[] slots, int from, int to, long id) {
      long count = 0;
      for (int i = from; i < to; i++) {
        if (((long) IDS.getVolatile(slots, i) & ID_MASK) == id) {
          count++;
        }
      }
      return count;
    }

    /** Whether the owner has terminated with nothing pinned (its stores are all visible then). */
    private boolean idle() {
      return !owner.isAlive() && count(0) == pinsEnd(ids) - FIRST_ID + LEASE_SLOTS;
    }
  }

  /**
   * A lease's pin: the version's id, the slot it is in, and a stamp that differs from the slot's
   * previous uses. It wraps after 2^24 leases of the thread: a second close of a lease (which its
   * contract forbids) delayed across that many could still free the slot's use of the moment.
   */
  private static long leasePin(long id, int slot, int stamp) {
    return id | ((long) slot << ID_BITS) | ((long) (stamp & STAMP_MASK) << (ID_BITS + SLOT_BITS));
  }
}
