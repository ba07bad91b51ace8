package dev.reload.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Builds real shared libraries with gcc (C) or g++ (C++) for tests, and publishes them the ways a
 * build or a deployment does: atomic rename into place, {@code gcc -o} straight onto the file, a
 * symlink swap. Rust crates are built by {@link CargoCrate}. Thread-safe enough for tests: every
 * build uses its own temporary names.
 */
public final class NativeBuild {

  private static final AtomicInteger BUILDS = new AtomicInteger();

  private final Path workDir;

  /** Builds in {@code workDir} (sources and intermediate files). */
  public NativeBuild(Path workDir) {
    this.workDir = workDir;
  }

  /** Compiles {@code source} into a shared library at a fresh temporary path and returns it. */
  public Path compile(String source, String... extraFlags) {
    int build = BUILDS.incrementAndGet();
    Path c = workDir.resolve("src-" + build + ".c");
    Path out = workDir.resolve("build-" + build + ".so");
    try {
      Files.createDirectories(workDir);
      Files.writeString(c, source, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    gcc(c, out, extraFlags);
    return out;
  }

  /**
   * Compiles C++ {@code source} with g++ into a shared library at a fresh temporary path and
   * returns it. g++ emits {@code STB_GNU_UNIQUE} symbols unless {@code -fno-gnu-unique} is among
   * {@code extraFlags}.
   */
  public Path compileCpp(String source, String... extraFlags) {
    int build = BUILDS.incrementAndGet();
    Path out = workDir.resolve("build-" + build + ".so");
    compileCppInPlace(source, out, extraFlags);
    return out;
  }

  /** Compiles C++ with {@code g++ -o target}, writing straight into the compiler's output dir. */
  public Path compileCppInPlace(String source, Path target, String... extraFlags) {
    Path cpp = workDir.resolve("src-" + BUILDS.incrementAndGet() + ".cpp");
    try {
      Files.createDirectories(workDir);
      Files.createDirectories(target.toAbsolutePath().getParent());
      Files.writeString(cpp, source, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    compile("g++", cpp, target, extraFlags);
    return target;
  }

  /** Compiles and renames the library into {@code target} in one step, as {@code make} here does. */
  public Path publish(String source, Path target) {
    Path built = compile(source);
    move(built, target);
    return target;
  }

  /** Compiles with {@code gcc -o target}, writing straight onto the watched file. */
  public Path compileInPlace(String source, Path target) {
    Path c = workDir.resolve("src-" + BUILDS.incrementAndGet() + ".c");
    try {
      Files.createDirectories(workDir);
      Files.writeString(c, source, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    gcc(c, target);
    return target;
  }

  /** Atomically renames {@code file} onto {@code target}. */
  public static void move(Path file, Path target) {
    try {
      Files.createDirectories(target.getParent());
      Files.move(file, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes {@code bytes} to a temporary file and renames it onto {@code target}. */
  public void publishBytes(byte[] bytes, Path target) {
    Path temp = workDir.resolve("bytes-" + BUILDS.incrementAndGet());
    try {
      Files.createDirectories(workDir);
      Files.write(temp, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    move(temp, target);
  }

  private static void gcc(Path source, Path out, String... extraFlags) {
    compile("gcc", source, out, extraFlags);
  }

  private static void compile(String compiler, Path source, Path out, String... extraFlags) {
    List<String> command = new ArrayList<>(List.of(compiler, "-shared", "-fPIC", "-O1", "-o",
        out.toString(), source.toString()));
    command.addAll(List.of(extraFlags));
    run(new ProcessBuilder(command), compiler);
  }

  /**
   * Runs a build tool and waits up to two minutes for it.
   *
   * @throws IllegalStateException with the command and the tool's whole output if it fails
   */
  static void run(ProcessBuilder command, String tool) {
    try {
      Process process = command.redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(tool + " timed out: " + command.command());
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(tool + " failed (" + process.exitValue() + "): "
            + command.command() + " in " + command.directory() + "\n" + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + tool + " (" + command.command() + ")", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
