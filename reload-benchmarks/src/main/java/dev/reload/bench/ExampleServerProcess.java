package dev.reload.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The example server's shaded jar, started with {@code java -jar} and the settings it ships with
 * (only its port, plugin directory and shadow directory are given), on a free port of 127.0.0.1,
 * by the same {@code java} that runs this class. Its stdout and stderr go to files next to its
 * plugin directory; read it through its HTTP endpoints.
 *
 * <p>Thread-safe: its HTTP client is; {@link #stop()} is called once, at the end.
 */
final class ExampleServerProcess implements AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Pattern LISTENING =
      Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");

  private final Process process;
  private final URI base;
  private final HttpClient http = HttpClient.newHttpClient();

  private ExampleServerProcess(Process process, int port) {
    this.process = process;
    this.base = URI.create("http://127.0.0.1:" + port);
  }

  /** Starts {@code jar} serving the plugins in {@code plugins}, and waits until it listens. */
  static ExampleServerProcess start(Path jar, Path plugins, Path shadow, Path logs)
      throws IOException {
    Path stderr = logs.resolve("server.err");
    Process process = new ProcessBuilder(List.of(
            java(),
            "-Dexample.http.port=0",
            "-Dexample.plugin-dir=" + plugins,
            "-Dreload.shadow-dir=" + shadow,
            "-jar",
            jar.toString()))
        .redirectOutput(logs.resolve("server.out").toFile())
        .redirectError(stderr.toFile())
        .start();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (process.isAlive() && System.nanoTime() < deadline) {
      Matcher listening = LISTENING.matcher(Files.readString(stderr));
      if (listening.find()) {
        return new ExampleServerProcess(process, Integer.parseInt(listening.group(1)));
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
    process.destroyForcibly();
    throw new IllegalStateException("the example server did not start within " + START_TIMEOUT
        + ":\n" + Files.readString(stderr));
  }

  /** The {@code java} executable of this JVM. */
  private static String java() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /** The URL of {@code path} on the server. */
  URI uri(String path) {
    return base.resolve(path);
  }

  /** {@code GET /count}: the counter after its own increment. */
  long nextCount() {
    return Long.parseLong(get("/count").trim());
  }

  /** The counter plugin's entry in {@code GET /plugins}. */
  String counterFacts() {
    Matcher entry = Pattern.compile("\\{\"name\": \"counter\", [^}]*}").matcher(get("/plugins"));
    if (!entry.find()) {
      throw new IllegalStateException("/plugins lists no counter");
    }
    return entry.group();
  }

  /** The counter's generation: one more for every reload that swapped. */
  long counterGeneration() {
    Matcher generation = Pattern.compile("\"generation\": (\\d+)").matcher(counterFacts());
    if (!generation.find()) {
      throw new IllegalStateException("no generation in " + counterFacts());
    }
    return Long.parseLong(generation.group(1));
  }

  /** {@code GET /metrics}: Prometheus text. */
  String metrics() {
    return get("/metrics");
  }

  /** CPU time of the server's JVM and of its live children (the preflight probe), in seconds. */
  double cpuSeconds() {
    return Stream.concat(Stream.of(process.toHandle()), process.descendants())
            .mapToLong(handle ->
                handle.info().totalCpuDuration().map(Duration::toNanos).orElse(0L))
            .sum()
        / 1e9;
  }

  /** Waits until the counter serves the build with {@code sha256}. */
  void awaitCounterBuild(String sha256, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!counterFacts().contains("\"sha256\": \"" + sha256 + "\"")) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the counter did not reach build " + sha256 + " within "
            + timeout + ": " + counterFacts());
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  private String get(String path) {
    try {
      HttpResponse<String> response = http.send(
          HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "GET " + path + " answered " + response.statusCode() + ": " + response.body());
      }
      return response.body();
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during GET " + path, e);
    }
  }

  /** Sends SIGTERM and returns the exit status. */
  int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("the example server ignored SIGTERM for 30 s");
    }
    return process.exitValue();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
