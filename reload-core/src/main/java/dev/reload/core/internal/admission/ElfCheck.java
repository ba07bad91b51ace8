package dev.reload.core.internal.admission;

import dev.reload.ReloadStep;
import dev.reload.UnloadHazard;
import dev.reload.core.internal.admission.ElfFile.DynamicEntry;
import dev.reload.core.internal.admission.ElfFile.DynamicSymbol;
import dev.reload.core.internal.admission.ElfFile.Header;
import dev.reload.core.internal.admission.ElfFile.Identity;
import dev.reload.core.internal.admission.ElfFile.Segment;
import dev.reload.core.internal.platform.Platform;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Function;

/**
 * {@link Admission}'s {@link ReloadStep#VERIFY} checks, run on a copy before it is mapped and
 * reading it through {@link ElfFile}: that it is a shared ELF object this JVM can load; that it is
 * complete, both header tables and every loadable segment inside the file, since glibc maps a
 * 95%-written library without complaint and raises SIGBUS on a truncated one; that it exports the
 * required symbols; and what in it can keep it mapped after {@code dlclose} ({@link
 * UnloadHazard}). Every refusal, a malformed file's included, is a {@link StepFailure} at VERIFY
 * that names the library. Stateless and thread-safe.
 */
final class ElfCheck {

  private static final int ET_DYN = 3;
  private static final int STB_GLOBAL = 1;
  private static final int STB_WEAK = 2;
  private static final int STB_GNU_UNIQUE = 10;
  private static final int STV_DEFAULT = 0;
  private static final int STV_PROTECTED = 3;
  private static final long DT_FLAGS_1 = 0x6ffffffbL;
  private static final long DF_1_NODELETE = 0x8;
  /** Functions a library calls to register a thread-local destructor: glibc's and libstdc++'s. */
  private static final Set<String> TLS_DESTRUCTOR_REGISTRARS =
      Set.of("__cxa_thread_atexit_impl", "__cxa_thread_atexit");

  private ElfCheck() {}

  /**
   * Everything the VERIFY step asks of {@code file}, a copy of {@code source}, from one open of it:
   * {@link #check}, {@link #requireExports} of {@code required}, then {@link #unloadHazards}, each
   * failing as that method does, and the dynamic symbol table read once.
   */
  static Set<UnloadHazard> verify(Path file, Path source, List<String> required)
      throws StepFailure {
    return read(file, source, e -> "cannot read " + file + ": " + e.getMessage(), elf -> {
      requireLoadable(elf, Platform.elfClass(), Platform.elfData(), Platform.elfMachine());
      Optional<List<DynamicSymbol>> symbols = Optional.empty();
      if (!required.isEmpty()) {
        symbols = elf.dynamicSymbols();
        requireExported(symbols, required);
      }
      boolean nodelete = nodelete(elf);
      return hazards(nodelete, required.isEmpty() ? elf.dynamicSymbols() : symbols);
    });
  }

  /**
   * Throws a {@link ReloadStep#VERIFY} failure naming what is wrong with {@code file}, a copy of
   * {@code source} (the name messages give).
   */
  static void check(Path file, Path source) throws StepFailure {
    read(file, source, e -> "cannot read " + file + ": " + e.getMessage(), elf -> {
      requireLoadable(elf, Platform.elfClass(), Platform.elfData(), Platform.elfMachine());
      return null;
    });
  }

  /**
   * Throws a {@link ReloadStep#VERIFY} failure if the dynamic symbol table of {@code file} (a copy
   * of {@code source}) lacks a defined, exported symbol of {@code required}: such a build would
   * fail at dlopen anyway, and is refused here before anything of it runs. A library without
   * section headers cannot be read this way and is left to the load step.
   */
  static void requireExports(Path file, Path source, List<String> required) throws StepFailure {
    if (required.isEmpty()) {
      return;
    }
    read(file, source, e -> "cannot read the symbols of " + source + ": " + e, elf -> {
      requireExported(elf.dynamicSymbols(), required);
      return null;
    });
  }

  /**
   * What in {@code file} (a copy of {@code source}, already through {@link #check}) can keep it
   * mapped after {@code dlclose}: the {@code DF_1_NODELETE} flag of its dynamic section, defined
   * {@code STB_GNU_UNIQUE} symbols, an undefined reference to a function that registers
   * thread-local destructors.
   *
   * @throws StepFailure at {@link ReloadStep#VERIFY} if the file cannot be read or its dynamic
   *     section or symbol table is malformed
   */
  static Set<UnloadHazard> unloadHazards(Path file, Path source) throws StepFailure {
    return read(
        file,
        source,
        e -> "cannot read the dynamic section of " + source + ": " + e,
        elf -> hazards(nodelete(elf), elf.dynamicSymbols()));
  }

  /** Reads and checks an ELF file; its refusals say what is wrong without naming the file. */
  private interface Reading<T> {
    T from(ElfFile elf) throws IOException, MalformedElfException, StepFailure;
  }

  /**
   * Runs {@code reading} on {@code file} opened once, turning every failure into one at {@link
   * ReloadStep#VERIFY} that names {@code source}: refusals and malformed structures prefixed with
   * the library, I/O errors as {@code ioMessage} says, anything else as malformed headers.
   */
  private static <T> T read(
      Path file, Path source, Function<IOException, String> ioMessage, Reading<T> reading)
      throws StepFailure {
    try (ElfFile elf = ElfFile.open(file)) {
      return reading.from(elf);
    } catch (IOException e) {
      throw new StepFailure(ReloadStep.VERIFY, ioMessage.apply(e), e);
    } catch (StepFailure | MalformedElfException e) {
      throw new StepFailure(ReloadStep.VERIFY, "library " + source + " " + e.getMessage());
    } catch (RuntimeException e) {
      throw new StepFailure(
          ReloadStep.VERIFY,
          "library " + source + " has malformed ELF headers (" + e + "); refused",
          e);
    }
  }

  /**
   * Refuses a file that is not a complete shared library of {@code wantClass}, {@code wantData}
   * and (if known) {@code wantMachine}; the policy questions come before the table bounds they
   * make sense of, so that an object file hears it is not a shared library.
   */
  private static void requireLoadable(
      ElfFile elf, int wantClass, int wantData, OptionalInt wantMachine)
      throws IOException, MalformedElfException, StepFailure {
    Identity identity = elf.identity();
    if (identity.elfClass() != wantClass) {
      throw refused(
          "is a " + bits(identity.elfClass()) + " library, this JVM is " + bits(wantClass));
    }
    if (identity.data() != wantData) {
      throw refused("is " + endian(identity.data()) + ", this JVM is " + endian(wantData));
    }
    Header header = elf.header();
    if (header.type() != ET_DYN) {
      throw refused("is an ELF file of type " + header.type() + ", not a shared library (ET_DYN);"
          + " link it with -shared");
    }
    if (wantMachine.isPresent() && header.machine() != wantMachine.getAsInt()) {
      throw refused("is built for ELF machine " + header.machine() + ", this JVM runs on machine "
          + wantMachine.getAsInt() + " (" + System.getProperty("os.arch") + ")");
    }
    elf.requireInside(header.phoff(), header.programHeaderTableSize(), "program header table");
    if (header.shoff() != 0) {
      elf.requireInside(header.shoff(), header.sectionHeaderTableSize(), "section header table");
    }
    if (header.phnum() == 0 || header.phentsize() < header.minProgramHeaderSize()) {
      throw refused("has no usable program headers");
    }
    List<Segment> segments = elf.segments();
    for (int i = 0; i < segments.size(); i++) {
      Segment segment = segments.get(i);
      if (segment.type() == ElfFile.PT_LOAD) {
        elf.requireInside(segment.offset(), segment.fileSize(), "loadable segment " + i);
      }
    }
  }

  /** Refuses if {@code symbols} (empty: no section headers, nothing to check) lacks one. */
  private static void requireExported(Optional<List<DynamicSymbol>> symbols, List<String> required)
      throws StepFailure {
    if (symbols.isEmpty()) {
      return;
    }
    Set<String> exported = exportedNames(symbols.get());
    for (String symbol : required) {
      if (!exported.contains(symbol)) {
        throw refused("does not export required symbol '" + symbol + "' (not in its dynamic"
            + " symbol table)");
      }
    }
  }

  /** Names of the defined global, weak or unique symbols of default or protected visibility. */
  private static Set<String> exportedNames(List<DynamicSymbol> symbols) {
    Set<String> exported = new HashSet<>();
    for (DynamicSymbol symbol : symbols) {
      boolean global = symbol.binding() == STB_GLOBAL
          || symbol.binding() == STB_WEAK
          || symbol.binding() == STB_GNU_UNIQUE;
      boolean visible = symbol.visibility() == STV_DEFAULT || symbol.visibility() == STV_PROTECTED;
      if (global && symbol.defined() && visible) {
        exported.add(symbol.name());
      }
    }
    return exported;
  }

  /** Whether the first {@code DT_FLAGS_1} entry of the dynamic section sets NODELETE. */
  private static boolean nodelete(ElfFile elf) throws IOException, MalformedElfException {
    for (DynamicEntry entry : elf.dynamicSection()) {
      if (entry.tag() == DT_FLAGS_1) {
        return (entry.value() & DF_1_NODELETE) != 0;
      }
    }
    return false;
  }

  /** The hazards of a library with that flag and those dynamic symbols (empty: none readable). */
  private static Set<UnloadHazard> hazards(
      boolean nodelete, Optional<List<DynamicSymbol>> symbols) {
    Set<UnloadHazard> hazards = EnumSet.noneOf(UnloadHazard.class);
    if (nodelete) {
      hazards.add(UnloadHazard.NODELETE);
    }
    for (DynamicSymbol symbol : symbols.orElse(List.of())) {
      if (symbol.defined() && symbol.binding() == STB_GNU_UNIQUE) {
        hazards.add(UnloadHazard.GNU_UNIQUE);
      } else if (!symbol.defined() && TLS_DESTRUCTOR_REGISTRARS.contains(symbol.name())) {
        hazards.add(UnloadHazard.THREAD_LOCAL_DESTRUCTORS);
      }
    }
    return hazards;
  }

  /** A refusal saying what is wrong; {@link #read} prefixes it with the library. */
  private static StepFailure refused(String what) {
    return new StepFailure(ReloadStep.VERIFY, what);
  }

  private static String bits(int elfClass) {
    return elfClass == ElfFile.ELFCLASS64
        ? "64-bit"
        : elfClass == ElfFile.ELFCLASS32 ? "32-bit" : "unknown-class (" + elfClass + ")";
  }

  private static String endian(int data) {
    return data == ElfFile.ELFDATA2LSB
        ? "little-endian"
        : data == ElfFile.ELFDATA2MSB ? "big-endian" : "of unknown byte order (" + data + ")";
  }
}
