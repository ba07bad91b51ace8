package dev.reload.core.internal.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reload.ReloadStep;
import dev.reload.UnloadHazard;
import dev.reload.fixtures.ElfBytes;
import dev.reload.fixtures.Sources;
import dev.reload.testkit.NativeBuild;
import dev.reload.testkit.Toolchains;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** Files that must never be mapped, made by editing a real gcc build. */
@EnabledOnOs(OS.LINUX)
class ElfCheckTest {

  @TempDir
  Path root;

  private byte[] good;

  @BeforeEach
  void buildALibrary() throws Exception {
    good = Files.readAllBytes(new NativeBuild(root).compile(Sources.counter(1)));
  }

  private Path write(byte[] bytes) throws Exception {
    return Files.write(root.resolve("candidate.so"), bytes);
  }

  private Path edited(Consumer<ByteBuffer> edit) throws Exception {
    return write(ElfBytes.edited(good, edit));
  }

  /** The good library with {@code edit} applied to its .dynsym section header (ELF64 offsets). */
  private Path editedDynamicSymbolTable(java.util.function.ObjIntConsumer<ByteBuffer> edit)
      throws Exception {
    return edited(ElfBytes.inDynamicSymbolTableHeader(edit));
  }

  @Test
  void acceptsACompleteLibrary() throws Exception {
    Path file = write(good);
    assertThatCode(() -> ElfCheck.check(file, file)).doesNotThrowAnyException();
  }

  @Test
  void refusesA32BitLibrary() throws Exception {
    Path file = edited(buffer -> buffer.put(4, (byte) 1));
    assertThatThrownBy(() -> ElfCheck.check(file, Path.of("/plugins/libx.so")))
        .isInstanceOfSatisfying(
            StepFailure.class, e -> assertThat(e.step()).isEqualTo(ReloadStep.VERIFY))
        .hasMessage("library /plugins/libx.so is a 32-bit library, this JVM is 64-bit");
  }

  @Test
  void refusesTheOtherByteOrder() throws Exception {
    Path file = edited(buffer -> buffer.put(5, (byte) 2));
    assertThatThrownBy(() -> ElfCheck.check(file, file)).hasMessageContaining("is big-endian");
  }

  @Test
  void refusesAnExecutable() throws Exception {
    Path file = edited(buffer -> buffer.putShort(16, (short) 2));
    assertThatThrownBy(() -> ElfCheck.check(file, file))
        .hasMessageContaining("not a shared library");
  }

  @Test
  void refusesAFileCutInsideItsHeaders() throws Exception {
    Path file = write(Arrays.copyOf(good, 40));
    assertThatThrownBy(() -> ElfCheck.check(file, file))
        .hasMessageContaining("shorter than its ELF header");
  }

  @Test
  void malformedSymbolTableIsRefusedNotLoopedOver() throws Exception {
    Path file = editedDynamicSymbolTable(
        (buffer, header) -> buffer.putLong(header + ElfBytes.SH_ENTSIZE, 0));
    assertThatThrownBy(() -> ElfCheck.requireExports(file, file, java.util.List.of("add")))
        .isInstanceOf(StepFailure.class)
        .hasMessageContaining("malformed dynamic symbol table");
  }

  @Test
  void symbolTableRunningPastTheFileIsRefused() throws Exception {
    Path file = editedDynamicSymbolTable(
        (buffer, header) -> buffer.putLong(header + ElfBytes.SH_SIZE, 0x7fff_ffffL)); // 2 GiB
    assertThatThrownBy(() -> ElfCheck.requireExports(file, file, java.util.List.of("add")))
        .isInstanceOf(StepFailure.class)
        .hasMessageContaining("dynamic symbol table ends at byte");
  }

  @Test
  void findsTheExportsOfARealBuild() throws Exception {
    Path file = write(good);
    assertThatCode(() -> ElfCheck.requireExports(
            file, file, java.util.List.of("add", "counter_next", "version")))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> ElfCheck.requireExports(file, file, java.util.List.of("missing")))
        .hasMessageContaining("does not export required symbol 'missing'");
  }

  @Test
  void refusesAFileMissingItsTail() throws Exception {
    Path file = write(Arrays.copyOf(good, good.length - 1));
    assertThatThrownBy(() -> ElfCheck.check(file, file)).hasMessageContaining("is truncated");
  }

  @Test
  void readsWhatCanKeepACLibraryMapped() throws Exception {
    NativeBuild build = new NativeBuild(root);
    assertThat(ElfCheck.unloadHazards(write(good), Path.of("libx.so"))).isEmpty();
    Path nodelete = build.compile(Sources.counter(1), "-Wl,-z,nodelete");
    assertThat(ElfCheck.unloadHazards(nodelete, nodelete)).containsExactly(UnloadHazard.NODELETE);
  }

  @Test
  void readsWhatCanKeepACppLibraryMapped() {
    Toolchains.assumeGxx();
    NativeBuild build = new NativeBuild(root);
    Path unique = build.compileCpp(Sources.cppWithGnuUnique(1));
    Path notUnique = build.compileCpp(Sources.cppWithGnuUnique(1), "-fno-gnu-unique");
    Path threadLocal = build.compileCpp(Sources.cppWithThreadLocalDestructor(1));

    assertThat(hazards(unique)).containsExactly(UnloadHazard.GNU_UNIQUE);
    assertThat(hazards(notUnique)).isEmpty();
    assertThat(hazards(threadLocal)).containsExactly(UnloadHazard.THREAD_LOCAL_DESTRUCTORS);
  }

  private static java.util.Set<UnloadHazard> hazards(Path file) {
    try {
      return ElfCheck.unloadHazards(file, file);
    } catch (StepFailure e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void dynamicSectionRunningPastTheFileIsRefused() throws Exception {
    Path file = edited(buffer -> {
      for (ElfBytes.ProgramHeader dynamic : ElfBytes.programHeaders(buffer, ElfBytes.PT_DYNAMIC)) {
        buffer.putLong(dynamic.offset() + ElfBytes.P_FILESZ, 0x7fff_ffffL); // 2 GiB
      }
    });
    assertThatThrownBy(() -> ElfCheck.unloadHazards(file, file))
        .isInstanceOf(StepFailure.class)
        .hasMessageContaining("dynamic section ends at byte");
  }

  @Test
  void loadableSegmentRunningPastTheEndIsRefusedThoughEveryOtherTableIsInside() throws Exception {
    // glibc would map it and raise SIGBUS at the first touch of a page past the end of the file.
    byte[] bytes = good.clone();
    int segment = ElfBytes.growLastLoadableSegment(bytes, 64 * 1024);
    Path file = write(bytes);
    // The header tables, the dynamic section and the symbol tables all lie inside the file ...
    assertThatCode(() -> ElfCheck.requireExports(file, file, java.util.List.of("counter_next")))
        .doesNotThrowAnyException();
    assertThatCode(() -> ElfCheck.unloadHazards(file, file)).doesNotThrowAnyException();
    // ... so only the bounds of the loadable segments tell that this one is cut short.
    assertThatThrownBy(() -> ElfCheck.check(file, Path.of("/plugins/libx.so")))
        .isInstanceOfSatisfying(
            StepFailure.class, e -> assertThat(e.step()).isEqualTo(ReloadStep.VERIFY))
        .hasMessageStartingWith("library /plugins/libx.so is truncated: its loadable segment "
            + segment + " ends at byte ")
        .hasMessageContaining("but the file has " + bytes.length + " bytes");
  }
}
