package dev.reload.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Runs a shell command line the way a deploy script does ({@code rm -rf plugins && mkdir plugins
 * && cp ...}), with the real {@code sh}, {@code cp}, {@code ln}, {@code mv}. Thread-safe.
 */
public final class Shell {

  private Shell() {}

  /**
   * Runs {@code script} with {@code sh -e -c} in {@code dir}.
   *
   * @throws IllegalStateException with the script's output if it fails
   */
  public static void run(Path dir, String script) {
    try {
      Process process = new ProcessBuilder("sh", "-e", "-c", script).directory(dir.toFile())
          .redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("timed out: " + script);
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException("`" + script + "` failed with status "
            + process.exitValue() + ":\n" + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run sh", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
