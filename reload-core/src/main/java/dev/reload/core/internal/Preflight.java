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
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The crash-safe preflight: before a candidate is mapped into the server, a separate, long-lived
 * probe JVM ({@link ProbeMain}) maps it, which runs its constructors, resolves its required
 * symbols and calls its optional {@code reload_selftest}. A probe that crashes (SIGSEGV, abort),
 * exits or hangs past the timeout rejects the candidate with what happened; a new probe is started
 * for the next candidate. glibc and HotSpot cannot recover from a crash inside the server, so this
 * is the only place a crashing build can safely fail.
 *
 * <p>Thread-safe: one probe request at a time ({@code synchronized}); the probe process and its
 * streams are guarded by {@code this}.
 */
final class Preflight implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Preflight.class);
  /** A probe is replaced after this many candidates, bounding what libraries may leave behind. */
  private static final int RECYCLE_AFTER = 200;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Map<Integer, String> SIGNALS = Map.of(4, "SIGILL", 6, "SIGABRT", 7, "SIGBUS",
      8, "SIGFPE", 9, "SIGKILL", 11, "SIGSEGV", 15, "SIGTERM");

  private final int openFlags;
  private final Duration timeout;
  private final Path workDir;
  private final ScheduledExecutorService watchdog;

  /** Guarded by this. Null until started, and after the probe died. */
  private Process process;
  private BufferedReader replies;
  private Writer requests;
  private int served;

  Preflight(Platform platform, Duration timeout, Path workDir, String threadName) {
    this.openFlags = platform.openFlags();
    this.timeout = timeout;
    this.workDir = workDir;
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
      Thread thread = new Thread(runnable, threadName);
      thread.setDaemon(true);
      return thread;
    });
    executor.setRemoveOnCancelPolicy(true);
    this.watchdog = executor;
  }

  /**
   * Loads {@code copy} in the probe.
   *
   * @throws StepFailure at {@link ReloadStep#LOAD} saying how the probe refused or died
   */
  synchronized void check(ShadowStore.StagedCopy copy, List<String> requiredSymbols)
      throws StepFailure {
    long start = System.nanoTime();
    ensureStarted();
    AtomicBoolean timedOut = new AtomicBoolean();
    Process probe = process;
    ScheduledFuture<?> kill = watchdog.schedule(() -> {
      timedOut.set(true);
      probe.destroyForcibly();
    }, timeout.toNanos(), TimeUnit.NANOSECONDS);
    String reply;
    try {
      requests.write(openFlags + "\t" + copy.path() + "\t" + String.join(",", requiredSymbols) + "\n");
      requests.flush();
      reply = replies.readLine();
    } catch (IOException e) {
      reply = null;
    } finally {
      kill.cancel(false);
    }
    if (reply != null && reply.equals("OK")) {
      log.debug("preflight of {} passed in {} µs", copy.source(), (System.nanoTime() - start) / 1000);
      if (++served >= RECYCLE_AFTER) {
        stop();
      }
      return;
    }
    if (reply != null && reply.startsWith("FAIL\t")) {
      throw new StepFailure(ReloadStep.LOAD, "preflight: library " + copy.source() + " "
          + reply.substring("FAIL\t".length()));
    }
    throw new StepFailure(ReloadStep.LOAD, "preflight: the probe process loading library "
        + copy.source() + " " + death(reply, timedOut.get())
        + "; the library was not loaded into the server");
  }

  /** Reads what the dead probe printed (HotSpot's crash banner names the signal), and reaps it. */
  private String death(String firstLine, boolean timedOut) {
    Process dead = process;
    List<String> printed = new ArrayList<>();
    if (firstLine != null) {
      printed.add(firstLine);
    }
    try {
      String line;
      while ((line = replies.readLine()) != null) {
        printed.add(line);
      }
    } catch (IOException e) {
      // The pipe broke with the process: what was read is all there is.
    }
    process = null;
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
    deleteCrashLogs();
    if (timedOut) {
      return "did not answer within " + timeout + " (a constructor or reload_selftest hangs?) and"
          + " was killed";
    }
    String crash = printed.stream().filter(line -> line.startsWith("#  SIG")).findFirst()
        .map(line -> line.substring(3).split(" \\(")[0]).orElse(null);
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
    return how + " while running its constructors or reload_selftest";
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
    try {
      Process started = new ProcessBuilder(command)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      replies = new BufferedReader(new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8));
      requests = new OutputStreamWriter(started.getOutputStream(), StandardCharsets.UTF_8);
      process = started;
      ScheduledFuture<?> kill = watchdog.schedule(started::destroyForcibly,
          START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      String ready = replies.readLine();
      kill.cancel(false);
      if (!"READY".equals(ready)) {
        process = null;
        started.destroyForcibly();
        throw new StepFailure(ReloadStep.LOAD, "preflight: the probe process did not start (it"
            + " printed '" + ready + "'); set reload.preflight.enabled = false to load without it");
      }
      served = 0;
      log.debug("preflight probe started, pid {}", started.pid());
    } catch (IOException e) {
      process = null;
      throw new StepFailure(ReloadStep.LOAD, "preflight: cannot start the probe process "
          + command.get(0) + ": " + e.getMessage(), e);
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

  /** Stops the probe process; a later check starts a new one. */
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
  }

  @Override
  public synchronized void close() {
    stop();
    watchdog.shutdownNow();
  }
}
