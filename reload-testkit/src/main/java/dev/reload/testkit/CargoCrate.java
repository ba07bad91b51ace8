package dev.reload.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Rust {@code cdylib} crate in a test's directory, built by cargo into the crate's own target
 * directory, as a developer builds it: {@code cargo build --release --offline} publishes {@code
 * target/release/lib<name>.so} (on Linux by removing the old file and hard-linking the new one
 * from {@code deps/}). Tests point a registry's search path straight at {@link #releaseDir()}.
 *
 * <p>Not thread-safe: one test drives one crate.
 */
public final class CargoCrate {

  private static final Pattern NAME = Pattern.compile("(?m)^name\\s*=\\s*\"([A-Za-z0-9_-]+)\"");

  private final Path dir;
  private final String name;

  private CargoCrate(Path dir, String name) {
    this.dir = dir;
    this.name = name;
  }

  /**
   * Writes a crate {@code name} in {@code dir}: a {@code cdylib} without dependencies whose {@code
   * src/lib.rs} is {@code libRs}.
   *
   * @param dir the crate's directory
   * @param name the crate's package name
   * @param libRs the Rust source of {@code src/lib.rs}
   * @return the crate
   */
  public static CargoCrate create(Path dir, String name, String libRs) {
    CargoCrate crate = new CargoCrate(dir, name);
    write(dir.resolve("Cargo.toml"), """
        [package]
        name = "%s"
        version = "0.1.0"
        edition = "2021"
        publish = false

        [lib]
        crate-type = ["cdylib"]
        """.formatted(name));
    crate.writeLib(libRs);
    return crate;
  }

  /**
   * Copies the crate at {@code source} (its manifest, lock file and sources; no build output).
   *
   * @param source the crate to copy
   * @param dir where the copy goes
   * @return the copy
   */
  public static CargoCrate copyOf(Path source, Path dir) {
    try (Stream<Path> files = Files.walk(source)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Path relative = source.relativize(file);
        if (!relative.startsWith("target")) {
          Files.createDirectories(dir.resolve(relative).getParent());
          Files.copy(file, dir.resolve(relative));
        }
      }
      Matcher name = NAME.matcher(Files.readString(dir.resolve("Cargo.toml")));
      if (!name.find()) {
        throw new IllegalArgumentException("no package name in " + source.resolve("Cargo.toml"));
      }
      return new CargoCrate(dir, name.group(1));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy the crate " + source + " to " + dir, e);
    }
  }

  /** {@return the crate's directory} */
  public Path dir() {
    return dir;
  }

  /** {@return where cargo publishes the release build: {@code <crate>/target/release}} */
  public Path releaseDir() {
    return dir.resolve("target").resolve("release");
  }

  /** {@return the release build of the library, {@code target/release/lib<name>.so}} */
  public Path library() {
    return releaseDir().resolve("lib" + name + ".so");
  }

  /**
   * Replaces {@code src/lib.rs}.
   *
   * @param libRs the new Rust source
   */
  public void writeLib(String libRs) {
    write(dir.resolve("src").resolve("lib.rs"), libRs);
  }

  /**
   * Rewrites {@code src/lib.rs} with {@code edit}.
   *
   * @param edit turns the old source into the new one, which must differ
   */
  public void editLib(UnaryOperator<String> edit) {
    Path lib = dir.resolve("src").resolve("lib.rs");
    try {
      String before = Files.readString(lib);
      String after = edit.apply(before);
      if (after.equals(before)) {
        throw new IllegalArgumentException("the edit left " + lib + " unchanged");
      }
      write(lib, after);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Runs {@code cargo build --release --offline} in the crate, into its own {@code target}
   * directory whatever the environment says, and returns {@link #library()}.
   *
   * @return the built library
   * @throws IllegalStateException with cargo's output if the build fails
   */
  public Path build() {
    Path cargo = Toolchains.cargo()
        .orElseThrow(
            () -> new IllegalStateException("cargo is neither on the PATH nor in ~/.cargo/bin"));
    ProcessBuilder command = new ProcessBuilder(
            List.of(cargo.toString(), "build", "--release", "--offline", "--quiet"))
        .directory(dir.toFile());
    command.environment().remove("CARGO_TARGET_DIR");
    command.environment().remove("CARGO_BUILD_TARGET_DIR");
    NativeBuild.run(command, "cargo");
    return library();
  }

  private static void write(Path file, String text) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
