package dev.reload.core.internal;

import com.sun.jna.Native;
import dev.reload.ReloadStep;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The crash-safe preflight: before a candidate is mapped into the server, a separate, long-lived
 * probe JVM ({@link ProbeMain}) maps it, which runs its constructors, resolves its required
 * symbols and calls its optional {@code reload_init}, {@code reload_selftest} and {@code
 * reload_shutdown}. A probe that crashes (SIGSEGV, abort), exits or hangs past the timeout
 * rejects the candidate with what happened; a new probe is started for the next candidate. glibc
 * and HotSpot cannot recover from a crash inside the server, so this is where a crashing build
 * must fail.
 *
 * <p>The probe's stdout is read by a reader thread into a queue, and answers carry the request's
 * id: whatever a library prints there is skipped (and kept for the crash report), a stale answer
 * is never taken for the current one, and a wait never outlasts the timeout, even if a library
 * forked a child that keeps the pipe open.
 *
 * <p>Thread-safe: one probe request at a time ({@code synchronized}); every mutable field is
 * guarded by {@code this}.
 */
final class Preflight implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Preflight.class);
  /** A probe is replaced after this many candidates, bounding what libraries may leave behind. */
  private static final int RECYCLE_AFTER = 200;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final String END = "\u0000end of probe output";
  private static final int KEPT_OUTPUT_LINES = 40;
  private static final Map<Integer, String> SIGNALS = Map.of(4, "SIGILL", 6, "SIGABRT", 7, "SIGBUS",
      8, "SIGFPE", 9, "SIGKILL", 11, "SIGSEGV", 15, "SIGTERM");

  private final int openFlags;
  private final Duration timeout;
  private final Path workDir;
  private final String threadName;

  /** Null until started, and after the probe died. */
  private Process process;
  /** Reads {@link #process}'s stdout; ends when it does. */
  private Thread reader;
  private BlockingQueue<String> output;
  private Writer requests;
  private int served;
  private final java.security.SecureRandom ids = new java.security.SecureRandom();
  private boolean closed;
  /** What the probe printed besides answers, the latest lines only. */
  private final Deque<String> printed = new ArrayDeque<>();

  Preflight(Platform platform, Duration timeout, Path workDir, String threadName) {
    this.openFlags = platform.openFlags();
    this.timeout = timeout;
    this.workDir = workDir;
    this.threadName = threadName;
  }

  /**
   * Loads {@code copy} in the probe.
   *
   * @throws StepFailure at {@link ReloadStep#LOAD} saying how the probe refused or died
   */
  synchronized void check(ShadowStore.StagedCopy copy, List<String> requiredSymbols)
      throws StepFailure {
    if (closed) {
      throw new StepFailure(ReloadStep.LOAD, "preflight: the registry is closing");
    }
    long start = System.nanoTime();
    ensureStarted();
    // Unguessable, so a library printing on stdout cannot forge the answer to its own request.
    String id = Long.toHexString(ids.nextLong());
    String answer;
    try {
      requests.write(id + "\t" + openFlags + "\t" + copy.path() + "\t"
          + String.join(",", requiredSymbols) + "\n");
      requests.flush();
      answer = awaitLine(id + "\t", start + timeout.toNanos());
    } catch (IOException e) {
      answer = END; // the pipe broke: the probe is gone
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop();
      throw new StepFailure(ReloadStep.LOAD, "preflight: interrupted while the probe loaded "
          + copy.source(), e);
    }
    if (answer != null && answer.equals(id + "\tOK")) {
      log.debug("preflight of {} passed in {} µs", copy.source(), (System.nanoTime() - start) / 1000);
      if (++served >= RECYCLE_AFTER) {
        stop();
      }
      return;
    }
    if (answer != null && answer.startsWith(id + "\tFAIL\t")) {
      throw new StepFailure(ReloadStep.LOAD, "preflight: library " + copy.source() + " "
          + answer.substring((id + "\tFAIL\t").length()));
    }
    throw new StepFailure(ReloadStep.LOAD, "preflight: the probe process loading library "
        + copy.source() + " " + death(answer == null) + "; the library was not loaded into the"
        + " server");
  }

  /**
   * Waits for a line starting with {@code prefix}, keeping other lines in {@link #printed}.
   *
   * @return the line, {@link #END} if the probe's output ended, or null at the deadline
   */
  private String awaitLine(String prefix, long deadline) throws InterruptedException {
    while (true) {
      long left = deadline - System.nanoTime();
      String line = left <= 0 ? null : output.poll(left, TimeUnit.NANOSECONDS);
      if (line == null || line.equals(END) || line.startsWith(prefix)) {
        return line;
      }
      printed.addLast(line);
      if (printed.size() > KEPT_OUTPUT_LINES) {
        printed.removeFirst();
      }
    }
  }

  /** Kills what is left of the probe, reaps it, and says how it ended. */
  private String death(boolean timedOut) {
    Process dead = process;
    process = null;
    Thread deadReader = reader;
    dead.descendants().forEach(ProcessHandle::destroyForcibly);
    if (timedOut) {
      dead.destroyForcibly();
    }
    int status = -1;
    try {
      if (dead.waitFor(5, TimeUnit.SECONDS)) {
        status = dead.exitValue();
      } else {
        dead.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    join(deadReader);
    for (String line; (line = output.poll()) != null; ) {
      printed.addLast(line);
    }
    deleteCrashLogs();
    if (timedOut) {
      return "did not answer within " + timeout + " (a constructor, reload_init or"
          + " reload_selftest hangs?) and was killed";
    }
    String crash = printed.stream().filter(line -> line.startsWith("#  SIG")).findFirst()
        .map(line -> line.substring(3).split(" \\(")[0]).orElse(null);
    printed.clear();
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

  private void ensureStarted() throws StepFailure {
    if (process != null && process.isAlive()) {
      return;
    }
    List<String> command = List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx32m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
        "-XX:-CreateCoredumpOnCrash",
        "-XX:ErrorFile=" + workDir.resolve("probe-crash-%p.log"),
        "-Djava.awt.headless=true",
        "-cp", classPath(),
        ProbeMain.class.getName());
    Process started;
    try {
      started = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      throw new StepFailure(ReloadStep.LOAD, "preflight: cannot start the probe process "
          + command.get(0) + ": " + e.getMessage(), e);
    }
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> readLines(started, lines), threadName);
    reader.setDaemon(true);
    reader.start();
    process = started;
    this.reader = reader;
    output = lines;
    requests = new OutputStreamWriter(started.getOutputStream(), StandardCharsets.UTF_8);
    served = 0;
    try {
      String ready = awaitLine("READY", System.nanoTime() + START_TIMEOUT.toNanos());
      if (ready == null || ready.equals(END)) {
        stop();
        throw new StepFailure(ReloadStep.LOAD, "preflight: the probe process did not start within "
            + START_TIMEOUT + "; set reload.preflight.enabled = false to load without it");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop();
      throw new StepFailure(ReloadStep.LOAD, "preflight: interrupted while starting the probe", e);
    }
    log.debug("preflight probe started, pid {}", started.pid());
  }

  /** The reader thread: every line of the probe's stdout into {@code lines}, then {@link #END}. */
  private static void readLines(Process probe, BlockingQueue<String> lines) {
    try (BufferedReader reader = new BufferedReader(
        new InputStreamReader(probe.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = reader.readLine()) != null; ) {
        lines.add(line);
      }
    } catch (IOException e) {
      // The pipe broke with the process.
    } finally {
      lines.add(END);
    }
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
    Process running = process;
    process = null;
    if (running == null) {
      return;
    }
    try {
      requests.close();
      if (!running.waitFor(2, TimeUnit.SECONDS)) {
        running.destroyForcibly().waitFor(2, TimeUnit.SECONDS);
      }
    } catch (IOException e) {
      running.destroyForcibly();
    } catch (InterruptedException e) {
      running.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    running.descendants().forEach(ProcessHandle::destroyForcibly);
    join(reader);
  }

  /** Waits briefly for a reader thread, which ends with the probe's output. */
  private static void join(Thread thread) {
    try {
      thread.join(TimeUnit.SECONDS.toMillis(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    stop();
  }
}
