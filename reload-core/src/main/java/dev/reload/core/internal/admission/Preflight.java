package dev.reload.core.internal.admission;

import com.sun.jna.Native;
import dev.reload.ReloadStep;
import dev.reload.core.internal.platform.Platform;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The crash-safe preflight: before a candidate is mapped into the server, a separate, long-lived
 * probe JVM ({@link ProbeMain}) maps it, which runs its constructors, resolves its required
 * symbols and calls its optional {@code reload_init}, {@code reload_selftest} and {@code
 * reload_shutdown}. A probe that crashes (SIGSEGV, abort), exits or hangs past the timeout
 * rejects the candidate with what happened; a new probe is started for the next candidate. glibc
 * and HotSpot cannot recover from a crash inside the server, so this is where a crashing build
 * must fail: {@link Admission}'s last step, {@link ReloadStep#PREFLIGHT}.
 *
 * <p><b>The probe's output.</b> Answers ({@link ProbeProtocol}) come on the probe's stdout, which
 * on POSIX systems carries nothing else: the probe moves whatever libraries (and HotSpot's crash
 * summary) write to descriptor 1 over to its stderr. Two reader threads drain the two pipes
 * continuously, so a chatty library never blocks on a full pipe, and cut them into lines of at
 * most {@value #MAX_LINE_BYTES} bytes (the tail of a longer line), so no output, however long and
 * with or without newlines, costs more than a fixed amount of memory. The answer reader hands on
 * only a line holding the marker of the id awaited, from the marker on, so output glued in front
 * of an answer cannot hide it and, the id being unguessable, no output can forge one. Every other
 * line of either pipe is kept, the latest {@value #KEPT_OUTPUT_LINES} only, for the crash report.
 * A wait never outlasts its deadline, even if a library forked a child that keeps the pipes open.
 *
 * <p><b>Time.</b> A candidate's timeout starts once the probe is ready. Starting a probe (a JVM
 * that also loads JNA before it says so) has a limit of its own, {@link #START_TIMEOUT}, so a
 * tight {@code reload.preflight.timeout} does not fail the first candidate after each start. A
 * probe is replaced after {@value #RECYCLE_AFTER} candidates, and its successor is started at once,
 * so that it starts while the server serves rather than while the next reload waits.
 *
 * <p>Thread-safe: one probe request at a time ({@code synchronized}); {@link #probe}, {@link
 * #served} and {@link #closed} are guarded by {@code this}. {@link Probe} says what its reader
 * threads share.
 */
public final class Preflight implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Preflight.class);
  /** A probe is replaced after this many candidates, bounding what libraries may leave behind. */
  private static final int RECYCLE_AFTER = 200;
  /** How much lower than the server the probe runs, in nice steps. */
  static final int NICENESS = 10;
  /**
   * The command that starts the probe below the server's CPU priority: {@code nice} where it is
   * installed (not in distroless images, say), or nothing. The probe's JVM start-up and JIT
   * threads then yield the CPU to the server's request threads, which may be waiting at a gate.
   */
  private static final List<String> BELOW_THE_SERVER = niceCommand();
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  /** Queued after the last answer when the probe's stdout ends. */
  private static final String END = "\u0000end of probe output";
  private static final int KEPT_OUTPUT_LINES = 40;
  /** Twice the longest answer: a longer line keeps its last this many bytes. */
  private static final int MAX_LINE_BYTES = 2 * ProbeProtocol.MAX_ANSWER_BYTES;
  /** The line of HotSpot's crash summary that names the signal: {@code #  SIGSEGV (0xb) at pc=...}. */
  private static final Pattern CRASH_SUMMARY = Pattern.compile("#  (SIG[A-Z0-9]+) \\(");
  private static final Map<Integer, String> SIGNALS = Map.of(4, "SIGILL", 6, "SIGABRT", 7, "SIGBUS",
      8, "SIGFPE", 9, "SIGKILL", 11, "SIGSEGV", 15, "SIGTERM");

  private final int openFlags;
  private final Duration timeout;
  private final Path workDir;
  private final String threadName;
  private final SecureRandom ids = new SecureRandom();

  /** Null until started, and after the probe died or was stopped. */
  private Probe probe;
  /** Candidates {@link #probe} has passed. */
  private int served;
  private boolean closed;

  public Preflight(Platform platform, Duration timeout, Path workDir, String threadName) {
    this.openFlags = platform.openFlags();
    this.timeout = timeout;
    this.workDir = workDir;
    this.threadName = threadName;
  }

  /**
   * Loads {@code copy}, a private copy of the library file {@code source} (the name messages
   * give), in the probe, starting one first if none runs. The timeout counts from when the probe
   * is ready.
   *
   * @throws StepFailure at {@link ReloadStep#PREFLIGHT} saying how the probe refused or died
   */
  synchronized void check(Path copy, Path source, List<String> requiredSymbols)
      throws StepFailure {
    if (closed) {
      throw new StepFailure(ReloadStep.PREFLIGHT, "the registry is closing");
    }
    // Unguessable, so nothing a library writes can forge the answer to its own request.
    String id = newId();
    String request;
    try {
      request = ProbeProtocol.request(id, openFlags, copy.toString(), requiredSymbols);
    } catch (IllegalArgumentException e) {
      throw new StepFailure(ReloadStep.PREFLIGHT, e.getMessage(), e);
    }
    Probe running = ensureStarted();
    long start = System.nanoTime();
    String line;
    try {
      line = running.ask(id, request, start + timeout.toNanos());
    } catch (IOException e) {
      line = END; // the pipe broke: the probe is gone
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop();
      throw new StepFailure(ReloadStep.PREFLIGHT, "interrupted while the probe loaded library "
          + source, e);
    }
    if (line == null || line.equals(END)) {
      throw new StepFailure(ReloadStep.PREFLIGHT, "the probe process loading library "
          + source + " " + death(line == null) + "; the library was not loaded into the"
          + " server");
    }
    ProbeProtocol.Answer answer = ProbeProtocol.parseAnswer(id, line);
    if (answer.verdict() == ProbeProtocol.Verdict.PASSED) {
      log.debug("preflight of {} passed in {} µs", source, (System.nanoTime() - start) / 1000);
      if (++served >= RECYCLE_AFTER) {
        recycle();
      }
      return;
    }
    throw new StepFailure(ReloadStep.PREFLIGHT, "library " + source + " "
        + (answer.verdict() == ProbeProtocol.Verdict.REFUSED ? answer.reason()
            : "got an unexpected answer from the probe: '" + line + "'"));
  }

  private String newId() {
    return Long.toHexString(ids.nextLong());
  }

  /** Kills what is left of the probe, reaps it, and says how it ended. */
  private String death(boolean timedOut) {
    Probe dead = probe;
    probe = null;
    dead.process.descendants().forEach(ProcessHandle::destroyForcibly);
    if (timedOut) {
      dead.process.destroyForcibly();
    }
    int status = -1;
    try {
      if (dead.process.waitFor(5, TimeUnit.SECONDS)) {
        status = dead.process.exitValue();
      } else {
        dead.process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    dead.joinReaders();
    deleteCrashLogs();
    if (timedOut) {
      return "did not answer within " + timeout + " (a constructor, reload_init or"
          + " reload_selftest hangs?) and was killed";
    }
    String crash = dead.crashSignal();
    String how;
    if (crash != null) {
      how = "crashed with " + crash;
    } else if (status > 128 && SIGNALS.containsKey(status - 128)) {
      how = "was killed by " + SIGNALS.get(status - 128);
    } else if (status > 128) {
      how = "was killed by signal " + (status - 128);
    } else {
      how = "exited with status " + status;
    }
    return how + " while running its constructors, reload_init or reload_selftest";
  }

  /** The running probe, started (and ready) first if there is none. */
  private Probe ensureStarted() throws StepFailure {
    if (probe == null || !probe.process.isAlive()) {
      stop(); // reaps a probe that died between checks
      spawn();
    }
    if (!probe.ready) {
      awaitReady();
    }
    return probe;
  }

  /**
   * Replaces the probe by a new one whose JVM starts while the server goes on: a candidate that
   * comes after its start-up does not wait for it (up to a second on a busy machine, an admission
   * 20 times its usual length), one that comes sooner waits for the rest only. Failing to start
   * one is left for the next check to report.
   *
   * <p>The old probe is stopped here, on the reload thread before its gate, although its JVM takes
   * about 0.1 s to exit: stopped on a thread of its own, its exit overlapped the gates of the
   * reloads that followed, and the preflight harness's gate pause p99 rose from 0.65-0.76 ms to
   * 0.87-1.31 ms (4 of 5 runs).
   */
  private void recycle() {
    stop();
    try {
      spawn();
    } catch (StepFailure e) {
      log.debug("cannot start the next preflight probe yet: {}", e.getMessage());
    }
  }

  /** Starts a probe process; {@link #awaitReady} waits until it can take requests. */
  private void spawn() throws StepFailure {
    String readyId = newId();
    List<String> command = new ArrayList<>(BELOW_THE_SERVER);
    command.addAll(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx32m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
        "-XX:-CreateCoredumpOnCrash",
        "-XX:ErrorFile=" + workDir.resolve("probe-crash-%p.log"),
        "-Djava.awt.headless=true"));
    if (Runtime.version().feature() >= 22) {
      // JNA's System.load is a restricted method: without this, JDK 24+ warns on the probe's stderr.
      command.add("--enable-native-access=ALL-UNNAMED");
    }
    command.addAll(List.of("-cp", classPath(), ProbeMain.class.getName(), readyId));
    long begin = System.nanoTime();
    Process started;
    try {
      started = new ProcessBuilder(command).start();
    } catch (IOException e) {
      throw new StepFailure(ReloadStep.PREFLIGHT, "cannot start the probe process "
          + String.join(" ", command.subList(0, BELOW_THE_SERVER.size() + 1)) + ": "
          + e.getMessage(), e);
    }
    probe = new Probe(started, readyId, begin, threadName);
    served = 0;
  }

  private void awaitReady() throws StepFailure {
    String line;
    try {
      line = probe.await(probe.readyId, probe.started + START_TIMEOUT.toNanos());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop();
      throw new StepFailure(ReloadStep.PREFLIGHT, "interrupted while starting the probe", e);
    }
    if (line == null || line.equals(END)
        || ProbeProtocol.parseAnswer(probe.readyId, line).verdict() != ProbeProtocol.Verdict.READY) {
      List<String> printed = probe.printed();
      stop();
      throw new StepFailure(ReloadStep.PREFLIGHT, "the probe process "
          + (line == null ? "was not ready within " + START_TIMEOUT : "ended before it was ready")
          + (printed.isEmpty() ? "" : " (its last output: " + String.join(" | ",
              printed.subList(Math.max(0, printed.size() - 5), printed.size())) + ")")
          + "; set reload.preflight.enabled = false to load without it");
    }
    probe.ready = true;
    log.debug("preflight probe ready {} ms after its start, pid {}",
        (System.nanoTime() - probe.started) / 1_000_000, probe.process.pid());
  }

  private static List<String> niceCommand() {
    if (Platform.current() == Platform.WINDOWS) {
      return List.of();
    }
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : path.split(File.pathSeparator)) {
      Path nice = Path.of(dir.isEmpty() ? "." : dir, "nice");
      if (Files.isExecutable(nice)) {
        return List.of(nice.toString(), "-n", Integer.toString(NICENESS));
      }
    }
    log.debug("no nice command on the PATH: the preflight probe runs at the server's priority");
    return List.of();
  }

  /** The jars (or class directories) of this engine and of JNA: all the probe needs. */
  private static String classPath() {
    Set<String> entries = new LinkedHashSet<>();
    for (Class<?> type : List.of(ProbeMain.class, Native.class)) {
      CodeSource source = type.getProtectionDomain().getCodeSource();
      try {
        if (source != null && source.getLocation() != null) {
          entries.add(Path.of(source.getLocation().toURI()).toString());
        }
      } catch (URISyntaxException | IllegalArgumentException e) {
        log.debug("no file location for {}: {}", type, e.toString());
      }
    }
    if (entries.size() < 2) {
      entries.add(System.getProperty("java.class.path"));
    }
    return String.join(File.pathSeparator, entries);
  }

  private void deleteCrashLogs() {
    try (var files = Files.newDirectoryStream(workDir, "probe-crash-*.log")) {
      for (Path file : files) {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      log.debug("cannot delete probe crash logs: {}", e.toString());
    }
  }

  /** Stops the probe process (closing its stdin ends it); a later check starts a new one. */
  private void stop() {
    Probe running = probe;
    probe = null;
    if (running == null) {
      return;
    }
    // Taken first: once the probe is gone, its children are no longer its descendants.
    List<ProcessHandle> children = running.process.descendants().toList();
    try {
      running.requests.close();
      if (!running.process.waitFor(2, TimeUnit.SECONDS)) {
        running.process.destroyForcibly().waitFor(2, TimeUnit.SECONDS);
      }
    } catch (IOException e) {
      running.process.destroyForcibly();
    } catch (InterruptedException e) {
      running.process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    children.forEach(ProcessHandle::destroyForcibly);
    running.process.descendants().forEach(ProcessHandle::destroyForcibly);
    running.joinReaders();
  }

  @Override
  public synchronized void close() {
    closed = true;
    stop();
  }

  /**
   * One probe process and the two daemon threads that drain its stdout (answers) and its stderr
   * until they end. The checking thread, holding the {@link Preflight}'s lock, sets {@link
   * #awaited} before it sends a request, then takes from {@link #answers}; the readers only add.
   */
  private static final class Probe {

    final Process process;
    /** The id the probe says it is ready with. */
    final String readyId;
    /** When the process was started ({@code System.nanoTime()}). */
    final long started;
    /**
     * Whether the probe has said it is ready; it may still be starting after a recycle. Read and
     * written by the checking thread only.
     */
    boolean ready;
    /** Written by the checking thread; closed by {@link Preflight#stop}, after the last request. */
    final Writer requests;
    /** Lines from an awaited marker on, then {@link #END}. Thread-safe queue. */
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    /** The latest lines of both pipes other than answers. Guarded by itself. */
    private final Deque<String> printed = new ArrayDeque<>();
    /** The signal of the last crash summary line since the request. Guarded by {@link #printed}. */
    private String crashSignal;
    /** The marker of the answer waited for; written by the checking thread, read by a reader. */
    private volatile String awaited;
    private final Thread answerReader;
    private final Thread outputReader;

    Probe(Process process, String readyId, long started, String threadName) {
      this.process = process;
      this.readyId = readyId;
      this.started = started;
      this.requests = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      this.awaited = ProbeProtocol.marker(readyId);
      this.answerReader = daemon(threadName, () -> {
        readLines(process.getInputStream(), this::offer);
        answers.add(END);
      });
      this.outputReader = daemon(threadName + "-output",
          () -> readLines(process.getErrorStream(), this::keep));
    }

    private static Thread daemon(String name, Runnable task) {
      Thread thread = new Thread(task, name);
      thread.setDaemon(true);
      thread.start();
      return thread;
    }

    /**
     * Sends {@code request} and waits for the answer to {@code id}.
     *
     * @return the answer line, {@link #END} if the probe's stdout ended, or null at the deadline
     * @throws IOException if the request cannot be sent: the probe is gone
     */
    String ask(String id, String request, long deadline) throws IOException, InterruptedException {
      awaited = ProbeProtocol.marker(id);
      synchronized (printed) {
        printed.clear(); // a crash report tells of this request only
        crashSignal = null;
      }
      requests.write(request);
      requests.flush();
      return await(id, deadline);
    }

    /** Waits for the line about {@code id}: the line, {@link #END}, or null at the deadline. */
    String await(String id, long deadline) throws InterruptedException {
      String marker = ProbeProtocol.marker(id);
      while (true) {
        long left = deadline - System.nanoTime();
        // Past the deadline, a line already in still counts: a probe started by a recycle long
        // before the check that awaits its readiness.
        String line = left <= 0 ? answers.poll() : answers.poll(left, TimeUnit.NANOSECONDS);
        if (line == null || line.equals(END) || line.startsWith(marker)) {
          return line;
        }
        keep(line); // stale: about an earlier id
      }
    }

    /** The answer reader's sink: a line holding the awaited marker is an answer. */
    private void offer(String line) {
      String marker = awaited;
      int at = line.indexOf(marker);
      if (at < 0) {
        keep(line);
        return;
      }
      if (at > 0) {
        keep(line.substring(0, at));
      }
      answers.add(line.substring(at));
    }

    private void keep(String line) {
      Matcher summary = CRASH_SUMMARY.matcher(line);
      synchronized (printed) {
        if (summary.find()) {
          // Remembered apart from the bounded lines: output arriving on the other pipe after
          // HotSpot's summary must not push it out.
          crashSignal = summary.group(1);
        }
        printed.addLast(line);
        if (printed.size() > KEPT_OUTPUT_LINES) {
          printed.removeFirst();
        }
      }
    }

    /** The latest lines the probe printed besides answers, oldest first. */
    List<String> printed() {
      synchronized (printed) {
        return List.copyOf(printed);
      }
    }

    /**
     * The signal named by the last crash summary line printed since the request was sent (HotSpot's
     * summary comes after the library's own output), or null.
     */
    String crashSignal() {
      synchronized (printed) {
        return crashSignal;
      }
    }

    /** Waits briefly for the readers, which end with the probe's pipes. */
    void joinReaders() {
      try {
        answerReader.join(TimeUnit.SECONDS.toMillis(2));
        outputReader.join(TimeUnit.SECONDS.toMillis(2));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /**
     * Reads {@code in} to its end, handing each line to {@code sink} without its line break. A
     * line longer than {@link #MAX_LINE_BYTES} keeps only its last that many bytes (where an
     * answer glued to a library's output would be); an unfinished last line is handed on too.
     */
    private static void readLines(InputStream in, Consumer<String> sink) {
      byte[] chunk = new byte[8192];
      byte[] line = new byte[2 * MAX_LINE_BYTES];
      int length = 0;
      try (in) {
        for (int read; (read = in.read(chunk)) != -1; ) {
          for (int i = 0; i < read; i++) {
            if (chunk[i] == '\n') {
              sink.accept(decode(line, length));
              length = 0;
              continue;
            }
            if (length == line.length) {
              System.arraycopy(line, length - MAX_LINE_BYTES, line, 0, MAX_LINE_BYTES);
              length = MAX_LINE_BYTES;
            }
            line[length++] = chunk[i];
          }
        }
      } catch (IOException e) {
        // The pipe broke with the process.
      }
      if (length > 0) {
        sink.accept(decode(line, length));
      }
    }

    private static String decode(byte[] line, int length) {
      int start = Math.max(0, length - MAX_LINE_BYTES);
      int end = length > start && line[length - 1] == '\r' ? length - 1 : length;
      return new String(line, start, end - start, StandardCharsets.UTF_8);
    }
  }
}
