package dev.reload.testkit;

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
 * Builds real shared libraries for tests with the real toolchains: C with gcc, C++ with g++, Rust
 * with {@code cargo --offline} (through {@link CargoCrate}). Every build lands at a fresh path in
 * the work directory; {@link Publish} puts it where a registry watches. A failed build throws an
 * {@link IllegalStateException} holding the command and the compiler's whole output.
 *
 * <pre>{@code
 * NativeBuild build = new NativeBuild(tempDir);
 * Path counter = build.compile("long counter_next(void) { static long n; return ++n; }");
 * Path greeter = build.compileCpp(Files.readString(Path.of("src/greeter.cpp")));
 * Path rusty = build.rust("rusty", "#[no_mangle] pub extern \"C\" fn answer() -> i32 { 42 }");
 * }</pre>
 *
 * <p>Thread-safe: every build uses its own file names.
 */
public final class NativeBuild {

  private static final AtomicInteger BUILDS = new AtomicInteger();

  private final Path workDir;

  /**
   * Builds in {@code workDir} (sources and intermediate files).
   *
   * @param workDir the directory builds are made in
   */
  public NativeBuild(Path workDir) {
    this.workDir = workDir;
  }

  /** {@return the directory builds are made in} */
  public Path workDir() {
    return workDir;
  }

  /**
   * Compiles C {@code source} with gcc into a shared library at a fresh path and returns it.
   * {@code extraFlags} go last on gcc's command line ({@code -DVERSION=2}, {@code -lm}).
   *
   * @param source the C source
   * @param extraFlags go last on gcc's command line
   * @return the built library
   */
  public Path compile(String source, String... extraFlags) {
    return compile(writeSource(source, ".c"), extraFlags);
  }

  /**
   * Compiles C++ {@code source} with g++ into a shared library at a fresh temporary path and
   * returns it. g++ emits {@code STB_GNU_UNIQUE} symbols unless {@code -fno-gnu-unique} is among
   * {@code extraFlags}.
   *
   * @param source the C++ source
   * @param extraFlags go last on the compiler's command line
   * @return the built library
   */
  public Path compileCpp(String source, String... extraFlags) {
    return compileCppInPlace(source, freshOutput(), extraFlags);
  }

  /**
   * Compiles C++ with {@code g++ -o target}, writing straight into the compiler's output dir.
   *
   * @param source the C++ source
   * @param target where g++ writes the library
   * @param extraFlags go last on the compiler's command line
   * @return {@code target}
   */
  public Path compileCppInPlace(String source, Path target, String... extraFlags) {
    createDirectories(target.toAbsolutePath().getParent());
    compile("g++", writeSource(source, ".cpp"), target, extraFlags);
    return target;
  }

  /**
   * Compiles the C file {@code source} (its includes resolve beside it) at a fresh path.
   *
   * @param source the C file
   * @param extraFlags go last on the compiler's command line
   * @return the built library
   */
  public Path compile(Path source, String... extraFlags) {
    Path out = freshOutput();
    gcc(source.toAbsolutePath(), out, extraFlags);
    return out;
  }

  /**
   * Compiles the C++ file {@code source} with g++ at a fresh path.
   *
   * @param source the C++ file
   * @param extraFlags go last on the compiler's command line
   * @return the built library
   */
  public Path compileCpp(Path source, String... extraFlags) {
    Path out = freshOutput();
    compile("g++", source.toAbsolutePath(), out, extraFlags);
    return out;
  }

  /**
   * Builds a Rust {@code cdylib} crate named {@code crateName}, without dependencies, whose {@code
   * src/lib.rs} is {@code libRs}, with {@code cargo build --release --offline}; returns the
   * library, {@code lib<crateName>.so}.
   *
   * @param crateName the crate's package name
   * @param libRs the Rust source of {@code src/lib.rs}
   * @return the built library
   */
  public Path rust(String crateName, String libRs) {
    return CargoCrate.create(workDir.resolve("crate-" + BUILDS.incrementAndGet()), crateName, libRs)
        .build();
  }

  /**
   * Builds a copy of the crate in {@code crateDir} (its manifest, lock file and sources; never
   * its {@code target}) offline, so the crate's own tree is not written to; returns the library.
   * The crate must build without fetching: vendored or no dependencies.
   *
   * @param crateDir the crate to copy and build
   * @return the built library
   */
  public Path rust(Path crateDir) {
    return CargoCrate.copyOf(crateDir, workDir.resolve("crate-" + BUILDS.incrementAndGet()))
        .build();
  }

  /**
   * Compiles and renames the library into {@code target} in one step, as {@code make} does.
   *
   * @param source the C source
   * @param target where the library is renamed to
   * @return {@code target}
   */
  public Path publish(String source, Path target) {
    Path built = compile(source);
    move(built, target);
    return target;
  }

  /**
   * Compiles with {@code gcc -o target}, writing straight onto the watched file.
   *
   * @param source the C source
   * @param target where gcc writes the library
   * @return {@code target}
   */
  public Path compileInPlace(String source, Path target) {
    gcc(writeSource(source, ".c"), target);
    return target;
  }

  /**
   * Atomically renames {@code file} onto {@code target}.
   *
   * @param file the file to move
   * @param target where it goes, replaced if it exists
   */
  public static void move(Path file, Path target) {
    try {
      Files.createDirectories(target.getParent());
      Files.move(file, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes {@code bytes} to a temporary file and renames it onto {@code target}.
   *
   * @param bytes the file's content
   * @param target where it goes, replaced if it exists
   */
  public void publishBytes(byte[] bytes, Path target) {
    Path temp = workDir.resolve("bytes-" + BUILDS.incrementAndGet());
    createDirectories(workDir);
    try {
      Files.write(temp, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    move(temp, target);
  }

  /** Writes {@code source} to a fresh file with {@code extension} in the work directory. */
  private Path writeSource(String source, String extension) {
    Path file = workDir.resolve("src-" + BUILDS.incrementAndGet() + extension);
    createDirectories(workDir);
    try {
      return Files.writeString(file, source, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fresh path for a build's library in the work directory, which it creates. */
  private Path freshOutput() {
    createDirectories(workDir);
    return workDir.resolve("build-" + BUILDS.incrementAndGet() + ".so");
  }

  private static void createDirectories(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void gcc(Path source, Path out, String... extraFlags) {
    compile("gcc", source, out, extraFlags);
  }

  private static void compile(String compiler, Path source, Path out, String... extraFlags) {
    List<String> command = new ArrayList<>(
        List.of(compiler, "-shared", "-fPIC", "-O1", "-o", out.toString(), source.toString()));
    command.addAll(List.of(extraFlags));
    run(new ProcessBuilder(command), compiler);
  }

  /**
   * Runs a build tool and waits up to two minutes for it.
   *
   * @throws IllegalStateException with the command and the tool's whole output if it fails
   */
  static void run(ProcessBuilder command, String tool) {
    // Messages in plain ASCII, whatever the machine's locale: they end up in test reports.
    command.environment().put("LC_ALL", "C");
    try {
      Process process = command.redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(tool + " timed out: " + command.command());
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(tool + " failed (" + process.exitValue() + "): "
            + command.command()
            + (command.directory() == null ? "" : " in " + command.directory()) + "\n" + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + tool + " (" + command.command() + ")", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
