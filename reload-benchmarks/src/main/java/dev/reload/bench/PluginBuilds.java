package dev.reload.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Builds one example plugin with gcc, each build with distinct bytes (an extra export {@code
 * plugin_build()} returning its number, so the registry never sees it as unchanged), and
 * publishes it as a deploy does: built next to the watched directory, then renamed onto the
 * library in one atomic step.
 *
 * <p>Not thread-safe: one thread at a time builds (the republisher, or the caller before and
 * after it runs).
 */
final class PluginBuilds {

  /** The flags of {@code native-plugins/Makefile}. */
  private static final List<String> GCC =
      List.of("gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-std=c11", "-fPIC", "-shared");

  private final String source;
  private final Path workDir;
  private final Path target;
  /** The number of the next build; confined to the building thread. */
  private int next = 1;
  /** SHA-256 (hex) of the build last renamed onto the target; confined like {@link #next}. */
  private String lastSha256;

  /**
   * @param source the plugin's C source
   * @param workDir where builds are made: on the same file system as {@code target}
   * @param target the library the server watches
   */
  PluginBuilds(String source, Path workDir, Path target) {
    this.source = source;
    this.workDir = workDir;
    this.target = target;
  }

  /** Builds the next variant and renames it onto the target. */
  void publishNext() {
    publish(build());
  }

  /** Builds the next variant next to the target, without publishing it. */
  Path build() {
    int build = next++;
    Path c = workDir.resolve("plugin-" + build + ".c");
    Path library = workDir.resolve("build-" + build + ".so");
    try {
      Files.createDirectories(workDir);
      Files.writeString(
          c,
          source + "\nint plugin_build(void) { return " + build + "; }\n",
          StandardCharsets.UTF_8);
      gcc(c, library);
      Files.delete(c);
      return library;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Renames {@code library}, a {@link #build()} of this plugin, onto the target. */
  void publish(Path library) {
    try {
      String sha256 = sha256(library);
      Files.move(
          library, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      lastSha256 = sha256;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** SHA-256 (hex) of the build last published, as the server's {@code /plugins} shows it. */
  String lastSha256() {
    if (lastSha256 == null) {
      throw new IllegalStateException("nothing published yet");
    }
    return lastSha256;
  }

  private static String sha256(Path file) throws IOException {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static void gcc(Path source, Path out) throws IOException {
    List<String> command = new ArrayList<>(GCC);
    command.addAll(List.of("-o", out.toString(), source.toString()));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    // gcc's temporary files go next to its output, not to /tmp: the server watches every
    // directory on its plugin directory's path, /tmp too when that is where it lies, and gcc's
    // churn there would wake its watcher with events that have nothing to do with the plugin.
    builder.environment().put("TMPDIR", out.getParent().toString());
    Process gcc = builder.start();
    String output = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!gcc.waitFor(60, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
        gcc.destroyForcibly();
        throw new IllegalStateException("gcc failed: " + command + "\n" + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while gcc built " + out, e);
    }
  }
}
