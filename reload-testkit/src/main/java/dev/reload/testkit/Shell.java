package dev.reload.testkit;

import java.nio.file.Path;

/**
 * Runs a shell command line the way a deploy script does ({@code rm -rf plugins && mkdir plugins
 * && cp ...}), with the real {@code sh}, {@code cp}, {@code ln}, {@code mv}. Thread-safe.
 */
public final class Shell {

  private Shell() {}

  /**
   * Runs {@code script} with {@code sh -e -c} in {@code dir}.
   *
   * @param dir the working directory
   * @param script the shell script
   * @throws IllegalStateException with the script and its output if it fails
   */
  public static void run(Path dir, String script) {
    NativeBuild.run(new ProcessBuilder("sh", "-e", "-c", script).directory(dir.toFile()), "sh");
  }
}
