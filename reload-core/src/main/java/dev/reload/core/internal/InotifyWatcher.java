package dev.reload.core.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the directories holding the library files with Linux inotify, through JNA. The JDK's
 * {@code WatchService} has no close-write event (a {@code gcc -o} arrives as DELETE, CREATE and
 * dozens of MODIFY), so this listens for exactly the events that mean a file is complete:
 * {@code IN_CLOSE_WRITE} (a write finished), {@code IN_MOVED_TO} (a rename into place, including a
 * Kubernetes {@code ..data} symlink swap) and {@code IN_CREATE} of a symlink ({@code ln -s}). Each
 * such event makes it compare the fingerprints of the watched files in that directory and signal
 * those that changed. A half-written file produces none of these events.
 *
 * <p>Thread-safe: one daemon thread blocks in {@code poll(2)} on the inotify descriptor and a
 * wake-up pipe; every map is confined to it once started. {@link #close()} writes to the pipe and
 * joins the thread.
 */
final class InotifyWatcher implements FileWatcher {

  private static final Logger log = LoggerFactory.getLogger(InotifyWatcher.class);

  private static final int IN_CLOSE_WRITE = 0x8;
  private static final int IN_MOVED_TO = 0x80;
  private static final int IN_CREATE = 0x100;
  private static final int IN_Q_OVERFLOW = 0x4000;
  private static final int IN_IGNORED = 0x8000;
  private static final int IN_ONLYDIR = 0x01000000;
  private static final int IN_CLOEXEC = 0x80000;
  private static final int IN_NONBLOCK = 0x800;
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
  /** Confined to the watcher thread after start. */
  private final ChangeSignal changes;
  /** Watched files per watched directory; read-only once built. */
  private final Map<Path, List<Path>> filesByDir;
  /** Directory of each watch descriptor; read-only once built. */
  private final Map<Integer, Path> dirsByWatch = new HashMap<>();
  private final Thread thread;
  /** Set by close(); read by the watcher thread. */
  private volatile boolean closing;

  private InotifyWatcher(Map<Path, FileFingerprint> baseline, Consumer<Path> onChange,
      String threadName) {
    this.filesByDir = new LinkedHashMap<>();
    for (Path file : baseline.keySet()) {
      filesByDir.computeIfAbsent(file.getParent(), dir -> new ArrayList<>()).add(file);
    }
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
      for (Path dir : filesByDir.keySet()) {
        int wd = libc.inotify_add_watch(inotify, dir.toString(),
            IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_ONLYDIR);
        dirsByWatch.put(wd, dir);
      }
    } catch (LastErrorException e) {
      closeDescriptors();
      throw cannotWatch(e);
    }
    this.thread = new Thread(this::run, threadName);
    this.thread.setDaemon(true);
  }

  static InotifyWatcher start(Map<Path, FileFingerprint> baseline, Consumer<Path> onChange,
      String threadName) {
    InotifyWatcher watcher = new InotifyWatcher(baseline, onChange, threadName);
    try {
      watcher.thread.start();
    } catch (RuntimeException | Error e) {
      watcher.closeDescriptors();
      throw e;
    }
    return watcher;
  }

  private UncheckedIOException cannotWatch(LastErrorException e) {
    String hint = switch (e.getErrorCode()) {
      case EMFILE -> "; the user is out of inotify instances: raise fs.inotify.max_user_instances"
          + " or set reload.watch.mode = poll";
      case ENOSPC -> "; the user is out of inotify watches: raise fs.inotify.max_user_watches"
          + " or set reload.watch.mode = poll";
      default -> "";
    };
    return new UncheckedIOException(new java.io.IOException("cannot watch the plugin directories "
        + filesByDir.keySet() + " with inotify: " + e.getMessage() + hint, e));
  }

  private void run() {
    // Anything that changed between loading and the watches being set is seen now.
    filesByDir.keySet().forEach(this::checkDirectory);
    Memory pollFds = new Memory(16);
    Memory buffer = new Memory(BUFFER_SIZE);
    NativeLong two = new NativeLong(2);
    NativeLong capacity = new NativeLong(BUFFER_SIZE);
    while (!closing) {
      pollFds.setInt(0, inotify);
      pollFds.setShort(4, POLLIN);
      pollFds.setShort(6, (short) 0);
      pollFds.setInt(8, wakeRead);
      pollFds.setShort(12, POLLIN);
      pollFds.setShort(14, (short) 0);
      try {
        libc.poll(pollFds, two, -1);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == EINTR) {
          continue;
        }
        log.error("inotify watcher stops: poll failed: {}; plugin files are no longer watched",
            e.getMessage());
        return;
      }
      if (closing || pollFds.getShort(14) != 0) {
        return;
      }
      if (pollFds.getShort(6) != 0) {
        drain(buffer, capacity);
      }
    }
  }

  /** Reads every pending event, then checks each directory they touched once. */
  private void drain(Memory buffer, NativeLong capacity) {
    Set<Path> touched = new LinkedHashSet<>();
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
        if ((mask & IN_Q_OVERFLOW) != 0) {
          touched.addAll(filesByDir.keySet());
          continue;
        }
        Path dir = dirsByWatch.get(wd);
        if (dir == null) {
          continue;
        }
        if ((mask & IN_IGNORED) != 0) {
          log.warn("plugin directory {} was removed or unmounted; its files are no longer watched",
              dir);
        } else if (completes(mask, dir, name)) {
          touched.add(dir);
        }
      }
    }
    touched.forEach(this::checkDirectory);
  }

  /** Whether an event means some file of {@code dir} may now be complete and different. */
  private static boolean completes(int mask, Path dir, String name) {
    if ((mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) != 0) {
      return true;
    }
    return (mask & IN_CREATE) != 0 && !name.isEmpty() && Files.isSymbolicLink(dir.resolve(name));
  }

  private void checkDirectory(Path dir) {
    for (Path file : filesByDir.get(dir)) {
      changes.offer(file, FileFingerprint.of(file));
    }
  }

  @Override
  public void close() {
    if (closing) {
      return;
    }
    closing = true;
    try {
      libc.write(wakeWrite, new byte[] {1}, new NativeLong(1));
    } catch (LastErrorException e) {
      log.debug("waking the watcher thread failed: {}", e.getMessage());
    }
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
    libc.close(inotify);
    libc.close(wakeRead);
    libc.close(wakeWrite);
  }
}
