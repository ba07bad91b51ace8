package dev.reload.core.internal.admission;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sorts the lines a probe prints into answers and the rest. Only a line holding the {@link
 * ProbeProtocol#marker marker} of the id awaited is an answer, handed on from the marker on, so
 * output glued in front of an answer cannot hide it and, the id being unguessable, no output can
 * forge one. Every other line, of either pipe, is kept for the crash report, the latest {@value
 * #KEPT_OUTPUT_LINES} only, and the signal named by HotSpot's crash summary is remembered apart.
 *
 * <p>Thread-safe. One waiting thread calls {@link #expect} and {@link #await}; the pipes' readers
 * call {@link #offer}, {@link #keep} and {@link #end}.
 */
final class ProbeOutput {

  /** What {@link #await} returns once the answer pipe has ended and every line before it. */
  static final String END = "\u0000end of probe output";

  private static final int KEPT_OUTPUT_LINES = 40;
  /** HotSpot's crash summary line naming the signal: {@code #  SIGSEGV (0xb) at pc=...}. */
  private static final Pattern CRASH_SUMMARY = Pattern.compile("#  (SIG[A-Z0-9]+) \\(");

  /** Lines from an awaited marker on, then {@link #END}. Thread-safe queue. */
  private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
  /** The latest lines of both pipes other than answers. Guarded by itself. */
  private final Deque<String> printed = new ArrayDeque<>();
  /** The signal of the last crash summary since {@link #expect}. Guarded by {@link #printed}. */
  private String crashSignal;
  /** The marker of the answer waited for; written by the waiting thread, read by a reader. */
  private volatile String awaited;

  /** Output that awaits the answer to {@code firstId} (the probe's ready line) first. */
  ProbeOutput(String firstId) {
    this.awaited = ProbeProtocol.marker(firstId);
  }

  /**
   * Awaits the answer to {@code id} from now on, and forgets what was printed before: a crash
   * report tells of this request only.
   */
  void expect(String id) {
    awaited = ProbeProtocol.marker(id);
    synchronized (printed) {
      printed.clear();
      crashSignal = null;
    }
  }

  /**
   * Waits for the line about {@code id}.
   *
   * @return the answer line, {@link #END} if the answer pipe ended first, or null at the deadline
   *     ({@code System.nanoTime()})
   */
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

  /** A line of the answer pipe: one holding the awaited marker is an answer. */
  void offer(String line) {
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

  /** The answer pipe has ended: {@link #await} returns {@link #END} after the lines before. */
  void end() {
    answers.add(END);
  }

  /** A line that is no answer, kept for the crash report. */
  void keep(String line) {
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
   * The signal named by the last crash summary line printed since {@link #expect} (HotSpot's
   * summary comes after the library's own output), or null.
   */
  String crashSignal() {
    synchronized (printed) {
      return crashSignal;
    }
  }
}
