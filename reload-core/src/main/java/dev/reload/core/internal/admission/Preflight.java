package dev.reload.core.internal.admission;

import dev.reload.ReloadStep;
import dev.reload.core.internal.platform.Platform;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
 * <p>This class gives the verdicts: what an answer, a death or a hang of the probe means for the
 * candidate, in words a person can act on. {@link ProbeProcess} runs the probe and drains its
 * pipes, {@link ProbeOutput} tells its answers from other output, {@link ProbeProtocol} spells
 * the messages.
 *
 * <p><b>The probe's output.</b> Answers come on the probe's stdout, which on POSIX systems
 * carries nothing else: the probe moves whatever libraries (and HotSpot's crash summary) write to
 * descriptor 1 over to its stderr. Both pipes are drained continuously and cut into lines of
 * bounded length; only a line holding the marker of the unguessable id awaited is an answer, so
 * no output, however long, hides or forges one. A wait never outlasts its deadline, even if a
 * library forked a child that keeps the pipes open.
 *
 * <p><b>Time.</b> A candidate's timeout starts once the probe is ready. Starting a probe has a
 * limit of its own, {@link ProbeProcess#START_TIMEOUT}, so a tight {@code
 * reload.preflight.timeout} does not fail the first candidate after each start. A probe is
 * replaced after {@value #RECYCLE_AFTER} candidates, and its successor is started at once, so that
 * it starts while the server serves rather than while the next reload waits.
 *
 * <p>Thread-safe: one probe request at a time ({@code synchronized}); {@link #probe}, {@link
 * #served} and {@link #closed} are guarded by {@code this}.
 */
public final class Preflight implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Preflight.class);
  /** A probe is replaced after this many candidates, bounding what libraries may leave behind. */
  private static final int RECYCLE_AFTER = 200;

  private static final Map<Integer, String> SIGNALS = Map.of(
      4, "SIGILL", 6, "SIGABRT", 7, "SIGBUS", 8, "SIGFPE", 9, "SIGKILL", 11, "SIGSEGV", 15,
      "SIGTERM");

  private final int openFlags;
  private final Duration timeout;
  private final Path workDir;
  private final String threadName;
  private final SecureRandom ids = new SecureRandom();

  /** Null until started, and after the probe died or was stopped. Guarded by {@code this}. */
  private ProbeProcess probe;
  /** Candidates {@link #probe} has passed. Guarded by {@code this}. */
  private int served;
  /** Guarded by {@code this}. */
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
  synchronized void check(Path copy, Path source, List<String> requiredSymbols) throws StepFailure {
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
    ProbeProcess running = ensureStarted();
    long start = System.nanoTime();
    String line;
    try {
      line = running.ask(id, request, start + timeout.toNanos());
    } catch (IOException e) {
      line = ProbeOutput.END; // the pipe broke: the probe is gone
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop();
      throw new StepFailure(
          ReloadStep.PREFLIGHT, "interrupted while the probe loaded library " + source, e);
    }
    if (line == null || line.equals(ProbeOutput.END)) {
      throw new StepFailure(
          ReloadStep.PREFLIGHT,
          "the probe process loading library "
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
    throw new StepFailure(
        ReloadStep.PREFLIGHT,
        "library " + source + " "
            + (answer.verdict() == ProbeProtocol.Verdict.REFUSED
                ? answer.reason()
                : "got an unexpected answer from the probe: '" + line + "'"));
  }

  private String newId() {
    return Long.toHexString(ids.nextLong());
  }

  /** Ends what is left of the probe and says how it ended. */
  private String death(boolean timedOut) {
    ProbeProcess dead = probe;
    probe = null;
    int status = dead.killAndReap(timedOut);
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
  private ProbeProcess ensureStarted() throws StepFailure {
    if (probe == null || !probe.isAlive()) {
      stop(); // reaps a probe that died between checks
      spawn();
    }
    if (!probe.isReady()) {
      awaitReady();
    }
    return probe;
  }

  /**
   * Replaces the probe by a new one whose JVM starts while the server goes on: a candidate that
   * comes after its start-up does not wait for it (up to a second on a busy machine), one that
   * comes sooner waits for the rest only. Failing to start one is left for the next check to
   * report.
   */
  private void recycle() {
    // Stopped here, before the gate: stopped on a thread of its own, its exit overlapped gates.
    stop();
    try {
      spawn();
    } catch (StepFailure e) {
      log.debug("cannot start the next preflight probe yet: {}", e.getMessage());
    }
  }

  /** Starts a probe process; {@link #awaitReady} waits until it can take requests. */
  private void spawn() throws StepFailure {
    try {
      probe = ProbeProcess.start(workDir, threadName, newId());
    } catch (IOException e) {
      throw new StepFailure(
          ReloadStep.PREFLIGHT,
          "cannot start the probe process " + ProbeProcess.launcher() + ": " + e.getMessage(),
          e);
    }
    served = 0;
  }

  private void awaitReady() throws StepFailure {
    ProbeProcess.Readiness readiness;
    try {
      readiness = probe.awaitReady();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop();
      throw new StepFailure(ReloadStep.PREFLIGHT, "interrupted while starting the probe", e);
    }
    if (readiness != ProbeProcess.Readiness.READY) {
      List<String> printed = probe.printed();
      stop();
      throw new StepFailure(
          ReloadStep.PREFLIGHT,
          "the probe process "
              + (readiness == ProbeProcess.Readiness.TIMED_OUT
                  ? "was not ready within " + ProbeProcess.START_TIMEOUT
                  : "ended before it was ready")
              + (printed.isEmpty()
                  ? ""
                  : " (its last output: "
                      + String.join(
                          " | ", printed.subList(Math.max(0, printed.size() - 5), printed.size()))
                      + ")")
              + "; set reload.preflight.enabled = false to load without it");
    }
  }

  /** Stops the probe process, if one runs; a later check starts a new one. */
  private void stop() {
    ProbeProcess running = probe;
    probe = null;
    if (running != null) {
      running.stop();
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    stop();
  }
}
