package dev.reload.example;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * One end of a TCP connection held by another process, read as that process sees it: the
 * socket's inode from {@code /proc/<pid>/net/tcp} and {@code tcp6}, its descriptor from
 * {@code /proc/<pid>/fd}, a copy of that descriptor taken with {@code pidfd_getfd(2)} (Linux 5.6+;
 * needs the right to ptrace the process, which its parent has), and the option asked of the copy
 * with {@code getsockopt(2)}. Stateless and thread-safe.
 */
final class RemoteSocket {

  private static final long SYS_PIDFD_OPEN = 434; // the same number on every architecture
  private static final long SYS_PIDFD_GETFD = 438;
  private static final int ENOSYS = 38;
  private static final int IPPROTO_TCP = 6;
  private static final int TCP_NODELAY = 1;

  /** The libc calls used; JNA keeps errno for {@link Native#getLastError()}. */
  private interface LibC extends Library {
    LibC INSTANCE = Native.load("c", LibC.class);

    long syscall(long number, Object... args);

    int getsockopt(int fd, int level, int name, int[] value, int[] length);

    int close(int fd);
  }

  private RemoteSocket() {}

  /**
   * Whether process {@code pid}'s end of the connection between its {@code localPort} and the
   * peer's {@code remotePort} on the loopback has {@code TCP_NODELAY} set. Skips the test on a
   * kernel without {@code pidfd_getfd}.
   */
  static boolean tcpNoDelay(long pid, int localPort, int remotePort) {
    int fd = descriptorOf(pid, inodeOf(pid, localPort, remotePort));
    int pidfd = (int) syscall(SYS_PIDFD_OPEN, pid, 0L);
    try {
      int copy = (int) syscall(SYS_PIDFD_GETFD, (long) pidfd, (long) fd, 0L);
      try {
        int[] value = {-1};
        int[] length = {Integer.BYTES};
        if (LibC.INSTANCE.getsockopt(copy, IPPROTO_TCP, TCP_NODELAY, value, length) != 0) {
          throw new IllegalStateException("getsockopt(TCP_NODELAY) of descriptor " + fd
              + " of process " + pid + " failed: errno " + Native.getLastError());
        }
        return value[0] != 0;
      } finally {
        LibC.INSTANCE.close(copy);
      }
    } finally {
      LibC.INSTANCE.close(pidfd);
    }
  }

  private static long syscall(long number, Object... args) {
    long result = LibC.INSTANCE.syscall(number, args);
    if (result < 0) {
      int errno = Native.getLastError();
      Assumptions.assumeTrue(errno != ENOSYS, "this kernel has no pidfd_open/pidfd_getfd");
      throw new IllegalStateException("syscall " + number + " failed: errno " + errno);
    }
    return result;
  }

  /** The inode of the socket with those ports, from the process's view of its TCP sockets. */
  private static String inodeOf(long pid, int localPort, int remotePort) {
    String local = String.format(":%04X", localPort);
    String remote = String.format(":%04X", remotePort);
    for (String table : List.of("tcp", "tcp6")) {
      for (String line : lines(Path.of("/proc", String.valueOf(pid), "net", table))) {
        // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
        String[] fields = line.trim().split("\\s+");
        if (fields.length > 9 && fields[1].endsWith(local) && fields[2].endsWith(remote)) {
          return fields[9];
        }
      }
    }
    throw new IllegalStateException("process " + pid + " holds no TCP socket from port " + localPort
        + " to port " + remotePort);
  }

  /** The descriptor through which process {@code pid} holds socket {@code inode}. */
  private static int descriptorOf(long pid, String inode) {
    String target = "socket:[" + inode + "]";
    try (Stream<Path> fds = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
      Optional<Path> fd = fds.filter(link -> target.equals(linkTarget(link))).findFirst();
      return Integer.parseInt(fd.orElseThrow(() ->
              new IllegalStateException("process " + pid + " has no descriptor for " + target))
          .getFileName()
          .toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String linkTarget(Path link) {
    try {
      return Files.readSymbolicLink(link).toString();
    } catch (IOException e) {
      return ""; // closed since the listing
    }
  }

  private static List<String> lines(Path file) {
    try {
      return Files.exists(file) ? Files.readAllLines(file) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
