package dev.reload.core.internal.watch;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the plugins' library files with Linux inotify, through JNA. The JDK's {@code
 * WatchService} has no close-write event (a {@code gcc -o} arrives as DELETE, CREATE and dozens
 * of MODIFY), and it watches one directory as the kernel resolved it once, so this watches, for
 * each library path, every directory entry the kernel walks to open it ({@link PathChain}): the
 * file's own directory, every directory above it, and every directory a symlink on the way leads
 * to. A change anywhere on that walk is seen: a finished write, a rename into place, a hard link
 * (cargo publishes by hard link), a copy, a symlink swap of the file or of any directory on its
 * path (a release symlink, Kubernetes' {@code ..data}), a directory deleted and recreated, or
 * renamed away and another renamed in. After such a structural change the watches are re-armed
 * along the new walk.
 *
 * <p>An event either proves a file complete, and the file is compared with its last look at once
 * ({@code IN_CLOSE_WRITE}, {@code IN_MOVED_TO}, a symlink or a hard link created), or only says
 * it may be arriving (a new file being written, a directory recreated, a lost or overflowed
 * queue): such a file is signalled once it looks the same at two checks one settle interval
 * apart, as the polling watcher does. Deletions are never signalled; a file's reappearance is.
 * Which event means what is {@link InotifyEvents}'s to decide; this class makes the system calls
 * and runs the thread.
 *
 * <p>Thread-safe: one daemon thread blocks in {@code poll(2)} on the inotify descriptor and a
 * wake-up pipe, and every set and map is confined to it once started. {@link #watch} and {@link
 * #unwatch} queue their change for it and write to the pipe; {@link #close()} writes to the pipe
 * and joins the thread.
 */
final class InotifyWatcher implements FileWatcher {

  private static final Logger log = LoggerFactory.getLogger(InotifyWatcher.class);

  private static final int IN_CLOEXEC = 0x80000;
  private static final int IN_NONBLOCK = 0x800;
  private static final short POLLIN = 0x1;
  private static final int EINTR = 4;
  private static final int EAGAIN = 11;
  private static final int EMFILE = 24;
  private static final int ENOSPC = 28;
  private static final int BUFFER_SIZE = 64 * 1024;

  /** The few libc calls inotify needs. */
  interface LibC extends Library {
    int inotify_init1(int flags) throws LastErrorException;

    int inotify_add_watch(int fd, String path, int mask) throws LastErrorException;

    int inotify_rm_watch(int fd, int wd);

    int pipe2(int[] fds, int flags) throws LastErrorException;

    int poll(Pointer fds, NativeLong nfds, int timeout) throws LastErrorException;

    NativeLong read(int fd, Pointer buffer, NativeLong count) throws LastErrorException;

    NativeLong write(int fd, byte[] buffer, NativeLong count) throws LastErrorException;

    int close(int fd);
  }

  private static final class Holder {
    static final LibC LIBC = Native.load("c", LibC.class);
  }

  private final LibC libc = Holder.LIBC;
  private final int inotify;
  private final int wakeRead;
  private final int wakeWrite;
  /** The watched files and what their events mean. Confined to the watcher thread. */
  private final InotifyEvents events;
  /** How the kernel's names are decoded: as JNA decodes C strings. */
  private final Charset names = Charset.forName(Native.getDefaultStringEncoding());
  /** Changes of the watched files from other threads, run by the watcher thread. Thread-safe. */
  private final Queue<Runnable> commands = new ConcurrentLinkedQueue<>();

  private final long settleNanos;
  /** Confined to the watcher thread after start. */
  private final ChangeSignal changes;
  /** The watch descriptors armed. Confined to the watcher thread. */
  private Set<Integer> watchDescriptors = Set.of();
  /** Files that may be arriving, with their last look. Confined to the watcher thread. */
  private final Map<Path, FileFingerprint> settling = new LinkedHashMap<>();

  private final Thread thread;
  /** Set by close(); read by the watcher thread. */
  private volatile boolean closing;
  /** Guards {@link #descriptorsClosed}: no write may reach a descriptor number after its close. */
  private final Object descriptors = new Object();
  /** Guarded by {@link #descriptors}. */
  private boolean descriptorsClosed;

  private InotifyWatcher(
      Map<Path, FileFingerprint> baseline,
      Consumer<Path> onChange,
      Duration settleInterval,
      String threadName) {
    this.events = new InotifyEvents(baseline.keySet(), InotifyWatcher::lookUp);
    this.settleNanos = settleInterval.toNanos();
    this.changes = new ChangeSignal(baseline, onChange);
    try {
      this.inotify = libc.inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    } catch (LastErrorException e) {
      throw cannotWatch(e);
    }
    int[] pipe = new int[2];
    try {
      libc.pipe2(pipe, IN_CLOEXEC | IN_NONBLOCK);
    } catch (LastErrorException e) {
      libc.close(inotify);
      throw cannotWatch(e);
    }
    this.wakeRead = pipe[0];
    this.wakeWrite = pipe[1];
    try {
      arm();
    } catch (LastErrorException e) {
      closeDescriptors();
      throw cannotWatch(e);
    }
    this.thread = new Thread(this::run, threadName);
    this.thread.setDaemon(true);
  }

  /**
   * Watches {@code baseline}'s files, signalling each once it looks different from its baseline.
   *
   * @throws UncheckedIOException if inotify is unavailable or out of instances or watches
   */
  static InotifyWatcher start(
      Map<Path, FileFingerprint> baseline,
      Consumer<Path> onChange,
      Duration settleInterval,
      String threadName) {
    InotifyWatcher watcher = new InotifyWatcher(baseline, onChange, settleInterval, threadName);
    try {
      watcher.thread.start();
    } catch (RuntimeException | Error e) {
      watcher.closeDescriptors();
      throw e;
    }
    return watcher;
  }

  private UncheckedIOException cannotWatch(LastErrorException e) {
    return new UncheckedIOException(new IOException(
        "cannot watch the plugin files " + events.files() + " with inotify: " + e.getMessage()
            + limitHint(e),
        e));
  }

  private static String limitHint(LastErrorException e) {
    return switch (e.getErrorCode()) {
      case EMFILE ->
        "; the user is out of inotify instances: raise fs.inotify.max_user_instances"
            + " or set reload.watch.mode = poll";
      case ENOSPC ->
        "; the user is out of inotify watches: raise fs.inotify.max_user_watches"
            + " or set reload.watch.mode = poll";
      default -> "";
    };
  }

  /**
   * Watches every directory on every file's walk as it resolves now, and drops watches nothing
   * depends on any more. Adding a watch that exists only updates it, and a directory that was
   * recreated gets a new descriptor, so this is safe to call at any time.
   *
   * @throws LastErrorException if the kernel is out of watches (other failures skip a directory:
   *     it vanished meanwhile, and the event that says so re-arms again)
   */
  private void arm() {
    Map<Path, PathChain> walks = new LinkedHashMap<>();
    events.files().forEach(file -> walks.put(file, PathChain.of(file)));
    Map<Path, Integer> armed = new HashMap<>();
    for (Map.Entry<Path, Integer> dir : InotifyEvents.masks(walks).entrySet()) {
      try {
        armed.put(
            dir.getKey(), libc.inotify_add_watch(inotify, dir.getKey().toString(), dir.getValue()));
      } catch (LastErrorException e) {
        if (e.getErrorCode() == ENOSPC || e.getErrorCode() == EMFILE) {
          throw e;
        }
        log.debug("cannot watch {}: {}", dir.getKey(), e.getMessage());
      }
    }
    Set<Integer> unused = new HashSet<>(watchDescriptors);
    unused.removeAll(armed.values());
    unused.forEach(wd -> libc.inotify_rm_watch(inotify, wd)); // gone already: EINVAL, harmless
    watchDescriptors = new HashSet<>(armed.values());
    events.armed(walks, armed);
  }

  private void run() {
    // Anything that changed between loading and the watches being set is seen once it settles.
    events.files().forEach(this::settle);
    Memory pollFds = new Memory(16);
    Memory buffer = new Memory(BUFFER_SIZE);
    NativeLong two = new NativeLong(2);
    NativeLong capacity = new NativeLong(BUFFER_SIZE);
    long nextSettle = System.nanoTime() + settleNanos;
    while (!closing) {
      pollFds.setInt(0, inotify);
      pollFds.setShort(4, POLLIN);
      pollFds.setShort(6, (short) 0);
      pollFds.setInt(8, wakeRead);
      pollFds.setShort(12, POLLIN);
      pollFds.setShort(14, (short) 0);
      int timeout = settling.isEmpty()
          ? -1
          : (int) Math.max(0, (nextSettle - System.nanoTime() + 999_999) / 1_000_000);
      try {
        libc.poll(pollFds, two, timeout);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == EINTR) {
          continue;
        }
        log.error(
            "inotify watcher stops: poll failed: {}; plugin files are no longer watched",
            e.getMessage());
        return;
      }
      if (closing) {
        return;
      }
      if (pollFds.getShort(14) != 0) {
        drainWakeups(buffer, capacity);
        runCommands();
      }
      if (pollFds.getShort(6) != 0) {
        drain(buffer, capacity);
      }
      if (System.nanoTime() - nextSettle >= 0) {
        settleTick();
        nextSettle = System.nanoTime() + settleNanos;
      }
    }
  }

  /** Empties the wake-up pipe; each byte asked the thread to look at {@link #commands}. */
  private void drainWakeups(Memory buffer, NativeLong capacity) {
    try {
      while (libc.read(wakeRead, buffer, capacity).longValue() > 0) {
        // keep reading until EAGAIN
      }
    } catch (LastErrorException e) {
      // EAGAIN: empty
    }
  }

  /** Runs the watch and unwatch requests, then re-arms once for all of them. */
  private void runCommands() {
    boolean any = false;
    for (Runnable command; (command = commands.poll()) != null; ) {
      command.run();
      any = true;
    }
    if (any) {
      try {
        arm();
      } catch (LastErrorException e) {
        log.warn(
            "cannot watch the plugin files {}: {}{}", events.files(), e.getMessage(), limitHint(e));
      }
    }
  }

  @Override
  public void watch(Path file, FileFingerprint baseline) {
    command(() -> {
      events.watch(file);
      changes.track(file, baseline);
      settle(file);
    });
  }

  @Override
  public void unwatch(Path file) {
    command(() -> {
      events.unwatch(file);
      changes.forget(file);
      settling.remove(file);
    });
  }

  /** Hands {@code command} to the watcher thread and wakes it. */
  private void command(Runnable command) {
    commands.add(command);
    wake();
  }

  private void wake() {
    synchronized (descriptors) {
      if (descriptorsClosed) {
        return; // the number may belong to another file by now
      }
      try {
        libc.write(wakeWrite, new byte[] {1}, new NativeLong(1));
      } catch (LastErrorException e) {
        // EAGAIN: the pipe is full of wake-ups already
      }
    }
  }

  /** Reads every pending event, re-arms once if the walks changed, then checks the files. */
  private void drain(Memory buffer, NativeLong capacity) {
    InotifyEvents.Batch batch = new InotifyEvents.Batch();
    while (true) {
      long length;
      try {
        length = libc.read(inotify, buffer, capacity).longValue();
      } catch (LastErrorException e) {
        if (e.getErrorCode() != EAGAIN && e.getErrorCode() != EINTR) {
          log.warn("reading inotify events failed: {}", e.getMessage());
        }
        break;
      }
      if (length <= 0) {
        break;
      }
      for (InotifyEvent event : InotifyEvent.decode(buffer.getByteBuffer(0, length), names)) {
        events.handle(event, batch);
      }
    }
    if (batch.rearm()) {
      try {
        arm();
      } catch (LastErrorException e) {
        log.warn(
            "cannot watch the plugin files again after a directory changed: {}{}",
            e.getMessage(),
            limitHint(e));
      }
    }
    for (Path file : batch.complete()) {
      settling.remove(file);
      changes.offer(file, FileFingerprint.of(file));
    }
    batch.arriving().forEach(this::settle);
  }

  /** What {@code entry}, just created, is now, as {@code lstat(2)} sees it. */
  private static InotifyEvents.CreatedEntry lookUp(Path entry) {
    if (Files.isSymbolicLink(entry)) {
      return InotifyEvents.CreatedEntry.SYMLINK;
    }
    return hardLink(entry)
        ? InotifyEvents.CreatedEntry.HARD_LINK
        : InotifyEvents.CreatedEntry.OTHER;
  }

  /** Whether {@code entry} is a second name of an existing file (link count above one). */
  private static boolean hardLink(Path entry) {
    try {
      return ((Number) Files.getAttribute(entry, "unix:nlink", LinkOption.NOFOLLOW_LINKS))
              .intValue()
          > 1;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return false;
    }
  }

  /** Starts (or restarts) waiting for {@code file} to look the same at two checks. */
  private void settle(Path file) {
    FileFingerprint now = FileFingerprint.of(file);
    if (now != null) {
      settling.put(file, now);
    } else {
      settling.remove(file);
    }
  }

  /** Signals each settling file that looks as it did one interval ago. */
  private void settleTick() {
    for (var it = settling.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Path, FileFingerprint> entry = it.next();
      FileFingerprint now = FileFingerprint.of(entry.getKey());
      if (now == null) {
        it.remove();
      } else if (now.equals(entry.getValue()) && !events.isOpen(entry.getKey())) {
        it.remove();
        changes.offer(entry.getKey(), now);
      } else {
        entry.setValue(now);
      }
    }
  }

  @Override
  public void close() {
    if (closing) {
      return;
    }
    closing = true;
    wake();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      log.warn(
          "inotify watcher thread {} did not stop within 5s; leaving its descriptors open",
          thread.getName());
      return;
    }
    closeDescriptors();
  }

  private void closeDescriptors() {
    synchronized (descriptors) {
      descriptorsClosed = true;
      libc.close(inotify);
      libc.close(wakeRead);
      libc.close(wakeWrite);
    }
  }
}
