package dev.reload.core.internal.admission;

import com.sun.jna.Native;
import dev.reload.core.internal.platform.Platform;
import java.io.File;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One probe child process ({@link ProbeMain}) and the two daemon threads that drain its stdout
 * (answers) and its stderr until they end, so a chatty library never blocks on a full pipe. Both
 * pipes are cut into lines by a {@link LineFramer} of {@value #MAX_LINE_BYTES} bytes and sorted
 * by a {@link ProbeOutput}. The probe runs below the server's CPU priority where {@code nice} is
 * installed, and HotSpot writes its crash log into the work directory, deleted once read.
 *
 * <p>Not thread-safe: one thread at a time (the {@link Preflight}'s lock holder) starts, asks and
 * stops it; the readers share only the {@link ProbeOutput}, which is thread-safe.
 */
final class ProbeProcess {

  // The preflight's logger: its messages keep the category they always had.
  private static final Logger log = LoggerFactory.getLogger(Preflight.class);
  /** How long a probe (a JVM that also loads JNA before it says so) may take to be ready. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  /** How much lower than the server the probe runs, in nice steps. */
  static final int NICENESS = 10;
  /**
   * The command that starts the probe below the server's CPU priority: {@code nice} where it is
   * installed (not in distroless images, say), or nothing. The probe's JVM start-up and JIT
   * threads then yield the CPU to the server's request threads, which may be waiting at a gate.
   */
  private static final List<String> BELOW_THE_SERVER = niceCommand();
  /** Twice the longest answer: a longer line keeps its last this many bytes. */
  private static final int MAX_LINE_BYTES = 2 * ProbeProtocol.MAX_ANSWER_BYTES;

  private static final LineFramer FRAMER = new LineFramer(MAX_LINE_BYTES);
  private static final String CRASH_LOGS = "probe-crash-*.log";

  /** What a wait for the probe's ready line found. */
  enum Readiness {
    READY,
    TIMED_OUT,
    ENDED
  }

  private final Process process;
  private final Path workDir;
  /** The id the probe says it is ready with. */
  private final String readyId;
  /** When the process was started ({@code System.nanoTime()}). */
  private final long started;
  /** Written by the owning thread; closed by {@link #stop}, after the last request. */
  private final Writer requests;

  private final ProbeOutput output;
  private final Thread answerReader;
  private final Thread outputReader;
  /**
   * Whether the probe has said it is ready; it may still be starting after a recycle. Read and
   * written by the owning thread only.
   */
  private boolean ready;

  private ProbeProcess(
      Process process, Path workDir, String readyId, long started, String threadName) {
    this.process = process;
    this.workDir = workDir;
    this.readyId = readyId;
    this.started = started;
    this.requests = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.output = new ProbeOutput(readyId);
    this.answerReader = daemon(threadName, () -> {
      FRAMER.drain(process.getInputStream(), output::offer);
      output.end();
    });
    this.outputReader =
        daemon(threadName + "-output", () -> FRAMER.drain(process.getErrorStream(), output::keep));
  }

  /**
   * Starts a probe that will say it is ready with {@code readyId}; {@link #awaitReady} waits until
   * it can take requests. Its readers are named {@code threadName} and {@code threadName-output}.
   *
   * @throws IOException if the process cannot be started; {@link #launcher()} names what was run
   */
  static ProbeProcess start(Path workDir, String threadName, String readyId) throws IOException {
    List<String> command = launcherCommand();
    command.addAll(List.of(
        "-Xmx32m",
        "-Xss512k",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        "-XX:-UsePerfData",
        "-XX:-CreateCoredumpOnCrash",
        "-XX:ErrorFile=" + workDir.resolve("probe-crash-%p.log"),
        "-Djava.awt.headless=true"));
    if (Runtime.version().feature() >= 22) {
      // JNA's System.load is restricted: without this, JDK 24+ warns on the probe's stderr.
      command.add("--enable-native-access=ALL-UNNAMED");
    }
    command.addAll(List.of("-cp", classPath(), ProbeMain.class.getName(), readyId));
    long begin = System.nanoTime();
    Process process = new ProcessBuilder(command).start();
    return new ProbeProcess(process, workDir, readyId, begin, threadName);
  }

  /** What starting a probe runs first: {@code nice} and its arguments if any, then the JVM. */
  static String launcher() {
    return String.join(" ", launcherCommand());
  }

  private static List<String> launcherCommand() {
    List<String> command = new ArrayList<>(BELOW_THE_SERVER);
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    return command;
  }

  private static Thread daemon(String name, Runnable task) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  boolean isReady() {
    return ready;
  }

  /**
   * Waits, until {@link #START_TIMEOUT} after the start, for the probe to say it is ready.
   *
   * @return {@link Readiness#READY}, or what it did instead: no ready line in time, or its output
   *     ended (or said something else) first
   */
  Readiness awaitReady() throws InterruptedException {
    String line = output.await(readyId, started + START_TIMEOUT.toNanos());
    if (line == null) {
      return Readiness.TIMED_OUT;
    }
    if (line.equals(ProbeOutput.END)
        || ProbeProtocol.parseAnswer(readyId, line).verdict() != ProbeProtocol.Verdict.READY) {
      return Readiness.ENDED;
    }
    ready = true;
    log.debug(
        "preflight probe ready {} ms after its start, pid {}",
        (System.nanoTime() - started) / 1_000_000,
        process.pid());
    return Readiness.READY;
  }

  /**
   * Sends {@code request} and waits for the answer to {@code id}.
   *
   * @return the answer line, {@link ProbeOutput#END} if the probe's stdout ended, or null at the
   *     deadline ({@code System.nanoTime()})
   * @throws IOException if the request cannot be sent: the probe is gone
   */
  String ask(String id, String request, long deadline) throws IOException, InterruptedException {
    output.expect(id);
    requests.write(request);
    requests.flush();
    return output.await(id, deadline);
  }

  /** The latest lines the probe printed besides answers, oldest first. */
  List<String> printed() {
    return output.printed();
  }

  /** The signal of the last crash summary printed since the last request, or null. */
  String crashSignal() {
    return output.crashSignal();
  }

  /**
   * Ends what is left of a probe that died or, if {@code hung}, would not answer: kills its
   * children (and it, if hung), reaps it, waits for its readers, so that {@link #crashSignal}
   * has read all it printed, and deletes its crash logs.
   *
   * @return its exit status, or -1 if it could not be had
   */
  int killAndReap(boolean hung) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    if (hung) {
      process.destroyForcibly();
    }
    int status = -1;
    try {
      if (process.waitFor(5, TimeUnit.SECONDS)) {
        status = process.exitValue();
      } else {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    joinReaders();
    deleteCrashLogs();
    return status;
  }

  /** Stops the probe: closing its stdin ends it; one that does not end is killed. */
  void stop() {
    // Taken first: once the probe is gone, its children are no longer its descendants.
    List<ProcessHandle> children = process.descendants().toList();
    try {
      requests.close();
      if (!process.waitFor(2, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(2, TimeUnit.SECONDS);
      }
    } catch (IOException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    children.forEach(ProcessHandle::destroyForcibly);
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    joinReaders();
  }

  /** Waits briefly for the readers, which end with the probe's pipes. */
  private void joinReaders() {
    try {
      answerReader.join(TimeUnit.SECONDS.toMillis(2));
      outputReader.join(TimeUnit.SECONDS.toMillis(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void deleteCrashLogs() {
    try (var files = Files.newDirectoryStream(workDir, CRASH_LOGS)) {
      for (Path file : files) {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      log.debug("cannot delete probe crash logs: {}", e.toString());
    }
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
}
