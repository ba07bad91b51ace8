package dev.reload.core.internal.admission;

import java.util.List;

/**
 * The preflight's wire protocol, the one place where both ends ({@link Preflight} in the server,
 * {@link ProbeMain} in the probe) spell it. Every message is one line of tab-separated fields
 * that starts with the id it belongs to:
 *
 * <ul>
 *   <li>server to probe, on the probe's stdin: {@code <id>\t<open flags>\t<path>\t<sym,sym,...>};
 *   <li>probe to server, on the probe's answer channel: {@code <id>\tREADY} once, with the id the
 *       probe was started with, then {@code <id>\tOK} or {@code <id>\tFAIL\t<reason>} for each
 *       request.
 * </ul>
 *
 * <p>Ids are unguessable, so whatever a library writes, wherever it writes it, cannot forge an
 * answer; the server looks for {@link #marker(String) the id's marker} anywhere in a line, so
 * output glued in front of an answer (a library's last line without a newline) cannot hide it
 * either. An answer line is at most {@link #MAX_ANSWER_BYTES} bytes, small enough for one
 * atomic {@code write(2)} to a pipe, so no other writer can tear it.
 *
 * <p>Stateless and thread-safe.
 */
final class ProbeProtocol {

  /** The longest answer line, newline included: under the 4096-byte {@code PIPE_BUF} of Linux. */
  static final int MAX_ANSWER_BYTES = 4000;

  private static final char SEPARATOR = '\t';
  private static final String SYMBOL_SEPARATOR = ",";
  private static final String READY = "READY";
  private static final String OK = "OK";
  private static final String FAIL = "FAIL";
  /** Longer ids are not read back from a malformed request (the server's are 16 hex digits). */
  private static final int MAX_ID_CHARS = 64;
  /** Reasons are cut to this many chars: at most 4 bytes each in UTF-8, with room for the id. */
  private static final int MAX_REASON_CHARS = 900;

  private ProbeProtocol() {}

  /** A request as the probe reads it. */
  record Request(String id, int openFlags, String path, List<String> symbols) {}

  /** What an answer says. */
  enum Verdict {
    READY,
    PASSED,
    REFUSED
  }

  /** What the probe answered; {@code reason} is null unless {@link Verdict#REFUSED}. */
  record Answer(Verdict verdict, String reason) {}

  /**
   * The request line (newline included) asking the probe to check {@code path}.
   *
   * @throws IllegalArgumentException if a field holds a tab, a line break or (a symbol) a comma
   */
  static String request(String id, int openFlags, String path, List<String> symbols) {
    requireField("library path", path, "\t\r\n");
    symbols.forEach(symbol -> requireField("symbol name", symbol, "\t\r\n,"));
    return id + SEPARATOR + openFlags + SEPARATOR + path + SEPARATOR
        + String.join(SYMBOL_SEPARATOR, symbols) + "\n";
  }

  /**
   * Reads a request line (without its newline).
   *
   * @throws IllegalArgumentException if it is not one; its message says why
   */
  static Request parseRequest(String line) {
    String[] fields = line.split(String.valueOf(SEPARATOR), -1);
    if (fields.length != 4) {
      throw new IllegalArgumentException(
          "malformed probe request: " + fields.length + " fields instead of 4");
    }
    int openFlags;
    try {
      openFlags = Integer.parseInt(fields[1]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "malformed probe request: open flags '" + fields[1] + "' are not a number");
    }
    return new Request(
        fields[0],
        openFlags,
        fields[2],
        fields[3].isEmpty() ? List.of() : List.of(fields[3].split(SYMBOL_SEPARATOR)));
  }

  /** The id a request line starts with, even of a malformed one: where its refusal goes. */
  static String idOf(String line) {
    int end = line.indexOf(SEPARATOR);
    return end < 0 || end > MAX_ID_CHARS ? "malformed" : line.substring(0, end);
  }

  /** The probe's first line, newline included: it is started and ready for requests. */
  static String ready(String id) {
    return id + SEPARATOR + READY + "\n";
  }

  /** The answer line (newline included) of a library that passed every check. */
  static String passed(String id) {
    return id + SEPARATOR + OK + "\n";
  }

  /**
   * The answer line (newline included) refusing a library; {@code reason} is put on one line and
   * cut short enough to keep the line within {@link #MAX_ANSWER_BYTES}.
   */
  static String refused(String id, String reason) {
    String oneLine = reason == null
        ? "no reason given"
        : reason.replace('\n', ' ').replace('\r', ' ').replace(SEPARATOR, ' ');
    if (oneLine.length() > MAX_REASON_CHARS) {
      int cut = MAX_REASON_CHARS;
      if (Character.isHighSurrogate(oneLine.charAt(cut - 1))) {
        cut--;
      }
      oneLine = oneLine.substring(0, cut) + "...";
    }
    return id + SEPARATOR + FAIL + SEPARATOR + oneLine + "\n";
  }

  /** What starts every line about {@code id}; the server looks for it anywhere in a line. */
  static String marker(String id) {
    return id + SEPARATOR;
  }

  /**
   * Reads an answer: {@code line} starts with {@link #marker(String) id's marker}. A line that is
   * no answer (the probe never writes one) reads as a refusal that quotes it.
   */
  static Answer parseAnswer(String id, String line) {
    String rest = line.substring(marker(id).length());
    if (rest.equals(READY)) {
      return new Answer(Verdict.READY, null);
    }
    if (rest.equals(OK)) {
      return new Answer(Verdict.PASSED, null);
    }
    if (rest.startsWith(FAIL + SEPARATOR)) {
      return new Answer(Verdict.REFUSED, rest.substring(FAIL.length() + 1));
    }
    return new Answer(Verdict.REFUSED, "got a malformed answer from the probe: '" + rest + "'");
  }

  private static void requireField(String what, String value, String forbidden) {
    for (char c : forbidden.toCharArray()) {
      if (value.indexOf(c) >= 0) {
        throw new IllegalArgumentException("the " + what + " '" + value
            + "' cannot be sent to the preflight probe: it holds " + describe(c));
      }
    }
  }

  private static String describe(char c) {
    return c == '\t' ? "a tab" : c == ',' ? "a comma" : "a line break";
  }
}
