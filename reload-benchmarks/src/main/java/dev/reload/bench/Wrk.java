package dev.reload.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs Debian's {@code wrk} (HTTP/1.1 keep-alive, one thread) and reads its exact figures from a
 * Lua {@code done} hook: completed requests, errors by kind, and latency percentiles from its
 * full histogram (the text report rounds them). A {@code done} hook costs nothing per request,
 * unlike a {@code response} hook. Immutable and thread-safe.
 */
final class Wrk {

  /** Prints one line that {@link Result#parse} reads. Latencies are in microseconds. */
  static final String DONE_SCRIPT = """
      done = function(summary, latency, requests)
        local e = summary.errors
        io.write(string.format("wrk-result requests=%d duration_us=%d connect=%d read=%d"
          .. " write=%d status=%d timeout=%d p50_us=%d p99_us=%d max_us=%d\\n",
          summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
          latency:percentile(50), latency:percentile(99), latency.max))
      end
      """;

  private final int connections;
  private final Duration duration;
  private final Path script;

  /**
   * A load of {@code connections} connections for {@code duration}; the script goes in {@code
   * work}.
   */
  Wrk(int connections, Duration duration, Path work) throws IOException {
    this.connections = connections;
    this.duration = duration;
    this.script = Files.writeString(work.resolve("done.lua"), DONE_SCRIPT);
  }

  int connections() {
    return connections;
  }

  /** The command line, as docs/PERFORMANCE.md quotes it. */
  String commandLine(URI uri) {
    return String.join(" ", command(uri));
  }

  private List<String> command(URI uri) {
    return List.of(
        "wrk",
        "-t1",
        "-c" + connections,
        "-d" + duration.toSeconds() + "s",
        "--latency",
        "-s",
        script.toString(),
        uri.toString());
  }

  /** Runs the load against {@code uri} and returns wrk's figures. */
  Result run(URI uri) throws IOException, InterruptedException {
    Process wrk = new ProcessBuilder(command(uri)).redirectErrorStream(true).start();
    String output = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!wrk.waitFor(duration.toSeconds() + 60, TimeUnit.SECONDS) || wrk.exitValue() != 0) {
      wrk.destroyForcibly();
      throw new IllegalStateException("wrk failed: " + command(uri) + "\n" + output);
    }
    return Result.parse(output);
  }

  /**
   * What wrk measured.
   *
   * @param requests responses completed, whatever their status
   * @param non2xx responses with a status of 400 or more (wrk's "Non-2xx or 3xx responses"; the
   *     server never answers {@code /count} with 1xx or 3xx)
   * @param socketErrors connect, read and write errors and timeouts
   */
  record Result(
      long requests,
      long durationMicros,
      long non2xx,
      long socketErrors,
      long p50Micros,
      long p99Micros,
      long maxMicros) {

    private static final Pattern LINE = Pattern.compile("wrk-result requests=(\\d+)"
        + " duration_us=(\\d+) connect=(\\d+) read=(\\d+) write=(\\d+) status=(\\d+)"
        + " timeout=(\\d+) p50_us=(\\d+) p99_us=(\\d+) max_us=(\\d+)");

    /** Reads the line of {@link #DONE_SCRIPT} in wrk's output. */
    static Result parse(String output) {
      Matcher line = LINE.matcher(output);
      if (!line.find()) {
        throw new IllegalStateException("no wrk-result line in wrk's output:\n" + output);
      }
      long[] n = new long[line.groupCount()];
      for (int i = 0; i < n.length; i++) {
        n[i] = Long.parseLong(line.group(i + 1));
      }
      return new Result(n[0], n[1], n[5], n[2] + n[3] + n[4] + n[6], n[7], n[8], n[9]);
    }

    double requestsPerSecond() {
      return durationMicros == 0 ? 0 : requests * 1e6 / durationMicros;
    }

    /** Responses with a 2xx status: each is one increment of the counter. */
    long served() {
      return requests - non2xx;
    }

    String json() {
      return String.format(
          Locale.ROOT,
          "\"requests\": %d, \"seconds\": %.3f,"
              + " \"requestsPerSecond\": %.1f, \"latencyMillis\": {\"p50\": %.3f, \"p99\": %.3f,"
              + " \"max\": %.3f}, \"non2xx\": %d, \"socketErrors\": %d",
          requests,
          durationMicros / 1e6,
          requestsPerSecond(),
          p50Micros / 1e3,
          p99Micros / 1e3,
          maxMicros / 1e3,
          non2xx,
          socketErrors);
    }
  }
}
