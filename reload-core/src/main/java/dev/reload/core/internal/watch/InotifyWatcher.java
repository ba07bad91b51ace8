package dev.reload.core.internal.watch;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
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
 *
 * <p>Thread-safe: one daemon thread blocks in {@code poll(2)} on the inotify descriptor and a
 * wake-up pipe, and every set and map is confined to it once started. {@link #watch} and {@link
 * #unwatch} queue their change for it and write to the pipe; {@link #close()} writes to the pipe
 * and joins the thread.
 */
final class InotifyWatcher implements FileWatcher {

  private static final Logger log = LoggerFactory.getLogger(InotifyWatcher.class);

  private static final int IN_CLOSE_WRITE = 0x8;
  private static final int IN_CLOSE_NOWRITE = 0x10;
  private static final int IN_OPEN = 0x20;
  private static final int IN_MOVED_FROM = 0x40;
  private static final int IN_MOVED_TO = 0x80;
  private static final int IN_CREATE = 0x100;
  private static final int IN_DELETE = 0x200;
  private static final int IN_DELETE_SELF = 0x400;
  private static final int IN_MOVE_SELF = 0x800;
  private static final int IN_Q_OVERFLOW = 0x4000;
  private static final int IN_IGNORED = 0x8000;
  private static final int IN_ONLYDIR = 0x01000000;
  private static final int IN_DONT_FOLLOW = 0x02000000;
  private static final int IN_ISDIR = 0x40000000;
  private static final int IN_CLOEXEC = 0x80000;
  private static final int IN_NONBLOCK = 0x800;
  /** What changes which entry a directory holds, or the directory itself. */
  private static final int STRUCTURE = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO
      | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW;
  /** The directory holding a library file also reports opens and closes. */
  private static final int CONTENT = STRUCTURE | IN_OPEN | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE;
  private static final short POLLIN = 0x1;
  private static final int EINTR = 4;
  private static final int EAGAIN = 11;
  private static final int EMFILE = 24;
  private static final int ENOSPC = 28;
  private static final int EVENT_HEADER = 16;
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

  /** A watched library file that depends on one directory entry. */
  private record Interest(Path file, boolean last) {}

  private final LibC libc = Holder.LIBC;
  private final int inotify;
  private final int wakeRead;
  private final int wakeWrite;
  /** The library files, as configured (not resolved). Confined to the watcher thread. */
  private final Set<Path> files;
  /** Changes of {@link #files} from other threads, run by the watcher thread. Thread-safe. */
  private final Queue<Runnable> commands = new ConcurrentLinkedQueue<>();
  private final long settleNanos;
  /** Confined to the watcher thread after start. */
  private final ChangeSignal changes;
  /** Watch descriptor of each watched real directory. Confined to the watcher thread. */
  private Map<Path, Integer> watches = new HashMap<>();
  /** Per watch descriptor, per entry name, who depends on it. Confined to the watcher thread. */
  private Map<Integer, Map<String, List<Interest>>> interests = new HashMap<>();
  /** Files that may be arriving, with their last look. Confined to the watcher thread. */
  private final Map<Path, FileFingerprint> settling = new LinkedHashMap<>();
  /**
   * Files opened since they settled and not closed yet, with how many opens: a linker creates its
   * output long before it writes it, so a file held open never settles. Confined to the watcher
   * thread.
   */
  private final Map<Path, Integer> open = new HashMap<>();
  private final Thread thread;
  /** Set by close(); read by the watcher thread. */
  private volatile boolean closing;
  /** Guards {@link #descriptorsClosed}: no write may reach a descriptor number after its close. */
  private final Object descriptors = new Object();
  /** Guarded by {@link #descriptors}. */
  private boolean descriptorsClosed;

  private InotifyWatcher(Map<Path, FileFingerprint> baseline, Consumer<Path> onChange,
      Duration settleInterval, String threadName) {
    this.files = new LinkedHashSet<>(baseline.keySet());
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
  static InotifyWatcher start(Map<Path, FileFingerprint> baseline, Consumer<Path> onChange,
      Duration settleInterval, String threadName) {
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
    return new UncheckedIOException(new IOException("cannot watch the plugin files " + files
        + " with inotify: " + e.getMessage() + limitHint(e), e));
  }

  private static String limitHint(LastErrorException e) {
    return switch (e.getErrorCode()) {
      case EMFILE -> "; the user is out of inotify instances: raise fs.inotify.max_user_instances"
          + " or set reload.watch.mode = poll";
      case ENOSPC -> "; the user is out of inotify watches: raise fs.inotify.max_user_watches"
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
    Map<Path, PathChain> chains = new LinkedHashMap<>();
    Map<Path, Integer> masks = new LinkedHashMap<>();
    for (Path file : files) {
      PathChain chain = PathChain.of(file);
      chains.put(file, chain);
      for (PathChain.Link link : chain.links()) {
        masks.merge(link.dir(), chain.endsAt(link) ? CONTENT : STRUCTURE, (a, b) -> a | b);
      }
    }
    Map<Path, Integer> armed = new HashMap<>();
    for (Map.Entry<Path, Integer> dir : masks.entrySet()) {
      try {
        armed.put(dir.getKey(), libc.inotify_add_watch(inotify, dir.getKey().toString(),
            dir.getValue()));
      } catch (LastErrorException e) {
        if (e.getErrorCode() == ENOSPC || e.getErrorCode() == EMFILE) {
          throw e;
        }
        log.debug("cannot watch {}: {}", dir.getKey(), e.getMessage());
      }
    }
    Map<Integer, Map<String, List<Interest>>> armedInterests = new HashMap<>();
    chains.forEach((file, chain) -> {
      for (PathChain.Link link : chain.links()) {
        Integer wd = armed.get(link.dir());
        if (wd != null) {
          armedInterests.computeIfAbsent(wd, any -> new HashMap<>())
              .computeIfAbsent(link.name(), any -> new ArrayList<>())
              .add(new Interest(file, chain.endsAt(link)));
        }
      }
    });
    Set<Integer> unused = new HashSet<>(watches.values());
    unused.removeAll(armed.values());
    unused.forEach(wd -> libc.inotify_rm_watch(inotify, wd)); // gone already: EINVAL, harmless
    watches = armed;
    interests = armedInterests;
  }

  private void run() {
    // Anything that changed between loading and the watches being set is seen once it settles.
    files.forEach(this::settle);
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
      int timeout = settling.isEmpty() ? -1
          : (int) Math.max(0, (nextSettle - System.nanoTime() + 999_999) / 1_000_000);
      try {
        libc.poll(pollFds, two, timeout);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == EINTR) {
          continue;
        }
        log.error("inotify watcher stops: poll failed: {}; plugin files are no longer watched",
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
        log.warn("cannot watch the plugin files {}: {}{}", files, e.getMessage(), limitHint(e));
      }
    }
  }

  @Override
  public void watch(Path file, FileFingerprint baseline) {
    command(() -> {
      files.add(file);
      changes.track(file, baseline);
      settle(file);
    });
  }

  @Override
  public void unwatch(Path file) {
    command(() -> {
      files.remove(file);
      changes.forget(file);
      settling.remove(file);
      open.remove(file);
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

  /** What one batch of events asks for. Confined to the watcher thread. */
  private static final class Batch {
    boolean rearm;
    final Set<Path> now = new LinkedHashSet<>();
    final Set<Path> settle = new LinkedHashSet<>();
  }

  /** Reads every pending event, re-arms once if the walks changed, then checks the files. */
  private void drain(Memory buffer, NativeLong capacity) {
    Batch batch = new Batch();
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
      for (long offset = 0; offset + EVENT_HEADER <= length; ) {
        int wd = buffer.getInt(offset);
        int mask = buffer.getInt(offset + 4);
        int nameLength = buffer.getInt(offset + 12);
        String name = nameLength > 0 ? buffer.getString(offset + EVENT_HEADER) : "";
        offset += EVENT_HEADER + nameLength;
        handle(wd, mask, name, batch);
      }
    }
    if (batch.rearm) {
      try {
        arm();
      } catch (LastErrorException e) {
        log.warn("cannot watch the plugin files again after a directory changed: {}{}",
            e.getMessage(), limitHint(e));
      }
    }
    for (Path file : batch.now) {
      settling.remove(file);
      changes.offer(file, FileFingerprint.of(file));
    }
    batch.settle.removeAll(batch.now);
    batch.settle.forEach(this::settle);
  }

  private void handle(int wd, int mask, String name, Batch batch) {
    if ((mask & IN_Q_OVERFLOW) != 0) {
      log.info("inotify event queue overflowed; watching again and rescanning every plugin file");
      open.clear(); // closes may have been lost with the overflow
      batch.rearm = true;
      batch.settle.addAll(files);
      return;
    }
    Map<String, List<Interest>> byName = interests.get(wd);
    if (byName == null) {
      return; // a watch dropped by an earlier re-arm
    }
    if ((mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) != 0) {
      if ((mask & IN_DELETE_SELF) == 0) { // a deletion also brings IN_IGNORED: say it once
        log.info("watched directory {} was {}; watching the plugin files' paths again and"
            + " rescanning them", directoryOf(wd), (mask & IN_MOVE_SELF) != 0
                ? "renamed away" : "removed or unmounted");
      }
      batch.rearm = true;
      byName.values().forEach(list -> list.forEach(interest -> {
        batch.settle.add(interest.file());
        open.remove(interest.file()); // its directory is gone: so are the opens counted in it
      }));
      return;
    }
    List<Interest> affected = byName.get(name);
    if (affected == null) {
      return;
    }
    Path dir = directoryOf(wd);
    for (Interest interest : affected) {
      if (interest.last()) {
        countOpens(mask, interest.file());
      }
      classify(mask, dir == null ? null : dir.resolve(name), interest, batch);
    }
  }

  private void countOpens(int mask, Path file) {
    if ((mask & IN_OPEN) != 0) {
      open.merge(file, 1, Integer::sum);
    }
    if ((mask & (IN_CLOSE_WRITE | IN_CLOSE_NOWRITE)) != 0) {
      open.computeIfPresent(file, (any, count) -> count > 1 ? count - 1 : null);
    }
    if ((mask & (IN_DELETE | IN_MOVED_FROM | IN_CREATE | IN_MOVED_TO)) != 0) {
      open.remove(file); // another file now: what was open was the old one
    }
  }

  /** Decides what an event on an entry of {@code interest}'s walk means for its file. */
  private static void classify(int mask, Path entry, Interest interest, Batch batch) {
    Path file = interest.file();
    boolean removed = (mask & (IN_DELETE | IN_MOVED_FROM)) != 0;
    if (!interest.last() || (mask & IN_ISDIR) != 0) {
      // A directory or symlink on the way changed: the walk may lead elsewhere now.
      batch.rearm = true;
    }
    if (removed) {
      return; // a deletion is never a reload; the reappearance will be
    }
    if ((mask & IN_MOVED_TO) != 0 || (mask & IN_CLOSE_WRITE) != 0 && interest.last()) {
      batch.now.add(file); // renamed into place, or a write finished: complete
    } else if ((mask & IN_CREATE) != 0) {
      if (entry != null && Files.isSymbolicLink(entry)) {
        batch.rearm = true;
        batch.now.add(file);
      } else if (interest.last() && (mask & IN_ISDIR) == 0 && hardLink(entry)) {
        batch.now.add(file); // complete the moment it appears, as cargo publishes
      } else {
        batch.settle.add(file); // a new file being written, or a recreated directory
      }
    }
  }

  /** Whether {@code entry} is a second name of an existing file (link count above one). */
  private static boolean hardLink(Path entry) {
    try {
      return entry != null
          && ((Number) Files.getAttribute(entry, "unix:nlink", LinkOption.NOFOLLOW_LINKS))
              .intValue() > 1;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return false;
    }
  }

  private Path directoryOf(int wd) {
    for (Map.Entry<Path, Integer> watch : watches.entrySet()) {
      if (watch.getValue() == wd) {
        return watch.getKey();
      }
    }
    return null;
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
      } else if (now.equals(entry.getValue()) && !open.containsKey(entry.getKey())) {
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
      log.warn("inotify watcher thread {} did not stop within 5s; leaving its descriptors open",
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
