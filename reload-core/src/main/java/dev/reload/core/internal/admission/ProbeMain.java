package dev.reload.core.internal.admission;

import com.sun.jna.Function;
import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.NativeLong;
import dev.reload.core.internal.platform.Platform;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * The crash-safe preflight's probe: a separate JVM that loads candidate libraries so that a
 * constructor or self-test that crashes, aborts, exits or hangs takes down this process, not the
 * server. Reads one request per line on stdin and answers each on its answer channel, in the
 * {@link ProbeProtocol wire protocol}: it maps the library (running its constructors), resolves
 * the symbols, calls the optional exports {@code int reload_init(void)} and {@code int
 * reload_selftest(void)} (non-zero fails) and {@code void reload_shutdown(void)}, and unmaps it.
 *
 * <p><b>The answer channel.</b> On POSIX systems, before anything else, the probe moves its
 * stdout pipe to a private, close-on-exec descriptor numbered 100 or above and points descriptor
 * 1 at its stderr: everything a library writes to stdout or stderr, whatever its newlines, and
 * HotSpot's crash summary go to the server's output reader; only answers, written there with one
 * {@code write(2)} each, reach the server's answer reader. Where that cannot be arranged (Windows)
 * answers share stdout with the libraries, as the ids let the server find them there too.
 *
 * <p>It says it is ready only after running the path of a check once on the C library, so the
 * first candidate does not pay for loading JNA. The argument is the id of that first line. Uses
 * only the JDK and JNA. Not API; single-threaded.
 */
public final class ProbeMain {

  private ProbeMain() {}

  public static void main(String[] args) throws IOException {
    Platform platform = Platform.current();
    Answers answers = Answers.open(platform);
    warmUp(platform);
    answers.send(ProbeProtocol.ready(args.length == 1 ? args[0] : ""));
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String answer;
      try {
        ProbeProtocol.Request request = ProbeProtocol.parseRequest(line);
        String refusal = probe(request.openFlags(), request.path(), request.symbols());
        answer = refusal == null
            ? ProbeProtocol.passed(request.id())
            : ProbeProtocol.refused(request.id(), refusal);
      } catch (IllegalArgumentException e) {
        answer = ProbeProtocol.refused(ProbeProtocol.idOf(line), e.getMessage());
      }
      answers.send(answer);
    }
  }

  /** Checks one library; returns null if it passed, or why it is refused. */
  private static String probe(int flags, String path, Iterable<String> symbols) {
    NativeLibrary library;
    try {
      library = NativeLibrary.getInstance(path, Map.of(Library.OPTION_OPEN_FLAGS, flags));
    } catch (UnsatisfiedLinkError e) {
      return "cannot load: " + (e.getMessage() == null ? "no reason given" : e.getMessage());
    }
    try {
      for (String symbol : symbols) {
        if (!exports(library, symbol)) {
          return "does not export required symbol '" + symbol + "'";
        }
      }
      for (String check : new String[] {LifecycleExports.INIT, LifecycleExports.SELF_TEST}) {
        if (exports(library, check)) {
          int status = library.getFunction(check).invokeInt(new Object[0]);
          if (status != 0) {
            return check + "() returned " + status;
          }
        }
      }
      if (exports(library, LifecycleExports.SHUTDOWN)) {
        library.getFunction(LifecycleExports.SHUTDOWN).invokeVoid(new Object[0]);
      }
      return null;
    } finally {
      library.close();
    }
  }

  private static boolean exports(NativeLibrary library, String symbol) {
    try {
      Function function = library.getFunction(symbol);
      return function != null;
    } catch (UnsatisfiedLinkError e) {
      return false;
    }
  }

  /**
   * Runs what a check runs (JNA's native part and classes, a symbol found, one missing, a call)
   * on the C library, which is mapped already and never closed here. Best effort: a failure only
   * leaves the first candidate slower.
   */
  private static void warmUp(Platform platform) {
    try {
      NativeLibrary libc = NativeLibrary.getInstance(
          platform == Platform.WINDOWS ? "msvcrt" : "c",
          Map.of(Library.OPTION_OPEN_FLAGS, platform.openFlags()));
      exports(libc, LifecycleExports.SELF_TEST);
      if (exports(libc, "abs")) {
        libc.getFunction("abs").invokeInt(new Object[] {-1});
      }
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      System.err.println("probe: warm-up failed, the first check will be slower: " + e);
    }
  }

  /** The few libc calls that give answers a descriptor of their own. */
  interface LibC extends Library {
    int fcntl(int fd, int command, Object... argument) throws LastErrorException;

    int dup2(int from, int to) throws LastErrorException;

    NativeLong write(int fd, byte[] bytes, NativeLong count) throws LastErrorException;
  }

  /** Where answers go: a private descriptor on POSIX, stdout where that cannot be arranged. */
  private static final class Answers {

    /** The same on Linux, macOS and the BSDs. */
    private static final int F_DUPFD = 0;

    private static final int F_SETFD = 2;
    private static final int FD_CLOEXEC = 1;
    private static final int EINTR = 4;
    private static final int STDOUT = 1;
    private static final int STDERR = 2;
    /** Above the descriptors a library that scribbles on "the next few" is likely to hit. */
    private static final int LOWEST_ANSWER_FD = 100;

    /** Null when answering on stdout. */
    private final LibC libc;

    private final int fd;
    private final OutputStream stdout = new FileOutputStream(FileDescriptor.out);

    private Answers(LibC libc, int fd) {
      this.libc = libc;
      this.fd = fd;
    }

    static Answers open(Platform platform) {
      if (platform == Platform.WINDOWS) {
        return new Answers(null, STDOUT);
      }
      try {
        LibC libc = Native.load("c", LibC.class);
        int fd;
        try {
          fd = libc.fcntl(STDOUT, F_DUPFD, LOWEST_ANSWER_FD);
        } catch (LastErrorException e) { // EINVAL: fewer descriptors than that are allowed
          fd = libc.fcntl(STDOUT, F_DUPFD, STDERR + 1);
        }
        libc.fcntl(fd, F_SETFD, FD_CLOEXEC);
        libc.dup2(STDERR, STDOUT);
        return new Answers(libc, fd);
      } catch (LastErrorException | UnsatisfiedLinkError e) {
        System.err.println("probe: answering on stdout, shared with the libraries: " + e);
        return new Answers(null, STDOUT);
      }
    }

    /** Writes one answer line in one piece. */
    void send(String line) throws IOException {
      byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
      if (libc == null) {
        stdout.write(bytes);
        stdout.flush();
        return;
      }
      while (bytes.length > 0) {
        long written;
        try {
          written = libc.write(fd, bytes, new NativeLong(bytes.length)).longValue();
        } catch (LastErrorException e) {
          if (e.getErrorCode() == EINTR) {
            continue;
          }
          throw new IOException("cannot answer on descriptor " + fd + ": " + e.getMessage(), e);
        }
        bytes = Arrays.copyOfRange(bytes, (int) written, bytes.length);
      }
    }
  }
}
