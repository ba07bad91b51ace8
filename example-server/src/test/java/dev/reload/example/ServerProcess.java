package dev.reload.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The example server's shaded jar ({@code target/example-server.jar}) running with {@code java
 * -jar} in a process of its own, on a free port of 127.0.0.1, its stdout and stderr written to
 * files. It is started by the same {@code java} executable that runs the tests, so the JDK 25
 * pass of {@code .ci/run} checks the server on JDK 25. Not thread-safe: one test class drives it.
 */
final class ServerProcess implements AutoCloseable {

  static final Duration WAIT = Duration.ofSeconds(30);
  private static final Pattern LISTENING =
      Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");

  private final Process process;
  private final Path stdout;
  private final Path stderr;
  private final int port;

  private ServerProcess(Process process, Path stdout, Path stderr, int port) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
    this.port = port;
  }

  /**
   * Starts the jar against {@code dirs} with {@code jvmOptions} (such as {@code -Dname=value}) and
   * waits until it listens.
   */
  static ServerProcess start(ServerDirs dirs, String... jvmOptions) throws IOException {
    List<String> command = new ArrayList<>(List.of(java(), "-Dexample.http.port=0"));
    command.addAll(dirs.properties());
    command.addAll(List.of(jvmOptions));
    command.addAll(List.of("-jar", Path.of("target", "example-server.jar").toString()));
    Path stdout = dirs.root().resolve("server.out");
    Path stderr = dirs.root().resolve("server.err");
    Process process = new ProcessBuilder(command)
        .redirectOutput(stdout.toFile())
        .redirectError(stderr.toFile())
        .start();
    await()
        .atMost(WAIT)
        .until(() -> !process.isAlive() || LISTENING.matcher(read(stderr)).find());
    assertThat(process.isAlive()).as("server exited: %s", read(stderr)).isTrue();
    Matcher listening = LISTENING.matcher(read(stderr));
    assertThat(listening.find()).isTrue();
    return new ServerProcess(process, stdout, stderr, Integer.parseInt(listening.group(1)));
  }

  /** The {@code java} executable of this JVM. */
  static String java() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  URI base() {
    return URI.create("http://127.0.0.1:" + port);
  }

  int port() {
    return port;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** What the server has written to stderr so far. */
  String stderr() {
    return read(stderr);
  }

  /** What the server has written to stdout so far. */
  String stdout() {
    return read(stdout);
  }

  /** Sends SIGTERM and waits for the process to end. */
  int stop() throws InterruptedException {
    process.destroy();
    assertThat(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS))
        .as("server still running %s after SIGTERM", WAIT)
        .isTrue();
    return process.exitValue();
  }

  /** Kills the server if a test left it running. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
