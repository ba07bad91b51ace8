package dev.reload.core.internal.admission;

import dev.reload.ReloadStep;
import dev.reload.UnloadHazard;
import dev.reload.core.internal.platform.Platform;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Checks, before a file is mapped, that it is a shared ELF object this JVM can load and that it is
 * complete: glibc maps a 95%-written library without complaint and raises SIGBUS on a truncated
 * one, so every loadable segment and both header tables must lie inside the file. Also reads
 * what in a library can keep it mapped after {@code dlclose} ({@link UnloadHazard}). These are
 * {@link Admission}'s {@link ReloadStep#VERIFY} checks. Stateless and thread-safe.
 */
final class ElfCheck {

  private static final int ET_DYN = 3;
  private static final int PT_LOAD = 1;
  private static final int SHT_DYNSYM = 11;
  private static final int SHN_UNDEF = 0;
  private static final int STB_GLOBAL = 1;
  private static final int STB_WEAK = 2;
  private static final int STB_GNU_UNIQUE = 10;
  private static final int PT_DYNAMIC = 2;
  private static final long DT_NULL = 0;
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
    return read(file, source, e -> "cannot read " + file + ": " + e.getMessage(), channel -> {
      check(channel, Platform.elfClass(), Platform.elfData(), Platform.elfMachine());
      List<DynamicSymbol> symbols = null;
      if (!required.isEmpty()) {
        symbols = dynamicSymbols(channel);
        requireExported(symbols, required);
      }
      boolean nodelete = nodelete(channel);
      return hazards(nodelete, required.isEmpty() ? dynamicSymbols(channel) : symbols);
    });
  }

  /**
   * Throws a {@link ReloadStep#VERIFY} failure naming what is wrong with {@code file}, a copy of
   * {@code source} (the name messages give).
   */
  static void check(Path file, Path source) throws StepFailure {
    read(file, source, e -> "cannot read " + file + ": " + e.getMessage(), channel -> {
      check(channel, Platform.elfClass(), Platform.elfData(), Platform.elfMachine());
      return null;
    });
  }

  /** Reads a file's ELF structures; {@link #bad} failures say what is wrong, unprefixed. */
  private interface Reading<T> {
    T from(FileChannel file) throws IOException, StepFailure;
  }

  /**
   * Runs {@code reading} on {@code file} opened once, turning every failure into one at {@link
   * ReloadStep#VERIFY} that names {@code source}: {@link #bad} ones prefixed with the library, I/O
   * errors as {@code ioMessage} says, anything else as malformed headers.
   */
  private static <T> T read(Path file, Path source,
      java.util.function.Function<IOException, String> ioMessage, Reading<T> reading)
      throws StepFailure {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      return reading.from(channel);
    } catch (IOException e) {
      throw new StepFailure(ReloadStep.VERIFY, ioMessage.apply(e), e);
    } catch (StepFailure e) {
      throw new StepFailure(ReloadStep.VERIFY, "library " + source + " " + e.getMessage());
    } catch (RuntimeException e) {
      throw malformed(source, e);
    }
  }

  private static StepFailure malformed(Path source, RuntimeException e) {
    return new StepFailure(ReloadStep.VERIFY, "library " + source + " has malformed ELF headers ("
        + e + "); refused", e);
  }

  /** Checks the file's headers; failures say what is wrong, without naming the file. */
  private static void check(FileChannel file, int wantClass, int wantData, OptionalInt wantMachine)
      throws IOException, StepFailure {
    long size = file.size();
    if (size < 16) {
      throw bad("is " + size + " bytes long, too short for an ELF header (empty or truncated file?)");
    }
    ByteBuffer ident = read(file, 0, 16);
    if (ident.get(0) != 0x7f || ident.get(1) != 'E' || ident.get(2) != 'L' || ident.get(3) != 'F') {
      throw bad("is not an ELF file (its first bytes are not \\x7fELF)");
    }
    int elfClass = ident.get(4);
    int data = ident.get(5);
    if (elfClass != wantClass) {
      throw bad("is a " + bits(elfClass) + " library, this JVM is " + bits(wantClass));
    }
    if (data != wantData) {
      throw bad("is " + endian(data) + ", this JVM is " + endian(wantData));
    }
    Header elf = Header.of(file);
    if (size < elf.size()) {
      throw bad("is " + size + " bytes long, shorter than its ELF header (truncated)");
    }
    if (elf.type() != ET_DYN) {
      throw bad("is an ELF file of type " + elf.type() + ", not a shared library (ET_DYN); link it with -shared");
    }
    if (wantMachine.isPresent() && elf.machine() != wantMachine.getAsInt()) {
      throw bad("is built for ELF machine " + elf.machine() + ", this JVM runs on machine "
          + wantMachine.getAsInt() + " (" + System.getProperty("os.arch") + ")");
    }
    requireInside(size, elf.phoff(), (long) elf.phentsize() * elf.phnum(), "program header table");
    if (elf.shoff() != 0) {
      requireInside(size, elf.shoff(), (long) elf.shentsize() * elf.shnum(), "section header table");
    }
    if (elf.phnum() == 0 || elf.phentsize() < (elf.wide() ? 56 : 32)) {
      throw bad("has no usable program headers");
    }
    List<Segment> segments = segments(file, elf);
    for (int i = 0; i < segments.size(); i++) {
      Segment segment = segments.get(i);
      if (segment.type() == PT_LOAD) {
        requireInside(size, segment.offset(), segment.fileSize(), "loadable segment " + i);
      }
    }
  }

  /** One program header: its type and the bytes of the file it covers. */
  private record Segment(int type, long offset, long fileSize) {}

  /** The program headers, read after checking that their table lies inside the file. */
  private static List<Segment> segments(FileChannel file, Header elf)
      throws IOException, StepFailure {
    boolean wide = elf.wide();
    int phentsize = elf.phentsize();
    requireInside(file.size(), elf.phoff(), (long) phentsize * elf.phnum(), "program header table");
    ByteBuffer table = read(file, elf.phoff(), phentsize * elf.phnum()).order(elf.order());
    List<Segment> segments = new ArrayList<>(elf.phnum());
    for (int i = 0; i < elf.phnum(); i++) {
      int base = i * phentsize;
      segments.add(new Segment(table.getInt(base),
          wide ? table.getLong(base + 8) : Integer.toUnsignedLong(table.getInt(base + 4)),
          wide ? table.getLong(base + 32) : Integer.toUnsignedLong(table.getInt(base + 16))));
    }
    return segments;
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
    read(file, source, e -> "cannot read the symbols of " + source + ": " + e, channel -> {
      requireExported(dynamicSymbols(channel), required);
      return null;
    });
  }

  /** {@link #bad} if {@code symbols} (null: no section headers, nothing to check) lacks one. */
  private static void requireExported(List<DynamicSymbol> symbols, List<String> required)
      throws StepFailure {
    Set<String> exported = exportedSymbols(symbols);
    if (exported == null) {
      return;
    }
    for (String symbol : required) {
      if (!exported.contains(symbol)) {
        throw bad("does not export required symbol '" + symbol + "' (not in its dynamic symbol"
            + " table)");
      }
    }
  }

  /**
   * Defined global, weak or unique symbols of default or protected visibility; null if the file
   * has no section headers ({@code symbols} is null).
   */
  private static Set<String> exportedSymbols(List<DynamicSymbol> symbols) {
    if (symbols == null) {
      return null;
    }
    Set<String> exported = new HashSet<>();
    for (DynamicSymbol symbol : symbols) {
      boolean global = symbol.binding() == STB_GLOBAL || symbol.binding() == STB_WEAK
          || symbol.binding() == STB_GNU_UNIQUE;
      if (global && symbol.defined()
          && (symbol.visibility() == 0 || symbol.visibility() == 3)) {
        exported.add(symbol.name());
      }
    }
    return exported;
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
    return read(file, source, e -> "cannot read the dynamic section of " + source + ": " + e,
        ElfCheck::unloadHazards);
  }

  private static Set<UnloadHazard> unloadHazards(FileChannel file)
      throws IOException, StepFailure {
    boolean nodelete = nodelete(file);
    return hazards(nodelete, dynamicSymbols(file));
  }

  /** Whether the dynamic section sets {@code DF_1_NODELETE}. */
  private static boolean nodelete(FileChannel file) throws IOException, StepFailure {
    return (dynamicEntry(file, DT_FLAGS_1) & DF_1_NODELETE) != 0;
  }

  /** The hazards of a library with that flag and those dynamic symbols (null: none readable). */
  private static Set<UnloadHazard> hazards(boolean nodelete, List<DynamicSymbol> symbols) {
    Set<UnloadHazard> hazards = EnumSet.noneOf(UnloadHazard.class);
    if (nodelete) {
      hazards.add(UnloadHazard.NODELETE);
    }
    for (DynamicSymbol symbol : symbols == null ? List.<DynamicSymbol>of() : symbols) {
      if (symbol.defined() && symbol.binding() == STB_GNU_UNIQUE) {
        hazards.add(UnloadHazard.GNU_UNIQUE);
      } else if (!symbol.defined() && TLS_DESTRUCTOR_REGISTRARS.contains(symbol.name())) {
        hazards.add(UnloadHazard.THREAD_LOCAL_DESTRUCTORS);
      }
    }
    return hazards;
  }

  /**
   * The value of the first {@code tag} entry of the {@code PT_DYNAMIC} segment, or 0 if there is
   * none. Reads the program headers, which {@link #check} has bounded.
   */
  private static long dynamicEntry(FileChannel file, long tag) throws IOException, StepFailure {
    long fileSize = file.size();
    Header elf = Header.of(file);
    boolean wide = elf.wide();
    ByteOrder order = elf.order();
    for (Segment segment : segments(file, elf)) {
      if (segment.type() != PT_DYNAMIC) {
        continue;
      }
      long offset = segment.offset();
      long size = segment.fileSize();
      requireInside(fileSize, offset, size, "dynamic section");
      int entry = wide ? 16 : 8;
      ByteBuffer dynamic = read(file, offset, (int) size).order(order);
      for (int at = 0; at + entry <= size; at += entry) {
        long entryTag = wide ? dynamic.getLong(at) : dynamic.getInt(at);
        if (entryTag == DT_NULL) {
          break;
        }
        if (entryTag == tag) {
          return wide ? dynamic.getLong(at + 8) : Integer.toUnsignedLong(dynamic.getInt(at + 4));
        }
      }
      return 0;
    }
    return 0;
  }

  /** The fields of the ELF file header this class uses, for either class and byte order. */
  private record Header(boolean wide, ByteOrder order, int type, int machine, long phoff,
      int phentsize, int phnum, long shoff, int shentsize, int shnum) {

    /** The header's size in the file. */
    int size() {
      return wide ? 64 : 52;
    }

    /** Reads the header of a file whose identification bytes are those of an ELF file. */
    static Header of(FileChannel file) throws IOException {
      ByteBuffer ident = ElfCheck.read(file, 0, 16);
      boolean wide = ident.get(4) == 2;
      ByteOrder order = ident.get(5) == 1 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
      ByteBuffer header = ByteBuffer.allocate(64).order(order)
          .put(ElfCheck.read(file, 0, (int) Math.min(64, file.size())));
      return new Header(wide, order,
          Short.toUnsignedInt(header.getShort(16)),
          Short.toUnsignedInt(header.getShort(18)),
          wide ? header.getLong(32) : Integer.toUnsignedLong(header.getInt(28)),
          Short.toUnsignedInt(header.getShort(wide ? 54 : 42)),
          Short.toUnsignedInt(header.getShort(wide ? 56 : 44)),
          wide ? header.getLong(40) : Integer.toUnsignedLong(header.getInt(32)),
          Short.toUnsignedInt(header.getShort(wide ? 58 : 46)),
          Short.toUnsignedInt(header.getShort(wide ? 60 : 48)));
    }
  }

  /** One entry of the dynamic symbol table. */
  private record DynamicSymbol(String name, int binding, int visibility, boolean defined) {}

  /**
   * Every entry of the dynamic symbol table; null if the file has no section headers or no such
   * table. Every table read is first checked to lie inside the file.
   */
  private static List<DynamicSymbol> dynamicSymbols(FileChannel file)
      throws IOException, StepFailure {
    long fileSize = file.size();
    Header elf = Header.of(file);
    boolean wide = elf.wide();
    ByteOrder order = elf.order();
    long shoff = elf.shoff();
    int shentsize = elf.shentsize();
    int shnum = elf.shnum();
    if (shoff == 0 || shnum == 0) {
      return null;
    }
    if (shentsize < (wide ? 64 : 40)) {
      throw bad("has section headers of " + shentsize + " bytes, too small");
    }
    requireInside(fileSize, shoff, (long) shentsize * shnum, "section header table");
    ByteBuffer sections = read(file, shoff, shentsize * shnum).order(order);
    for (int i = 0; i < shnum; i++) {
      int base = i * shentsize;
      if (sections.getInt(base + 4) != SHT_DYNSYM) {
        continue;
      }
      long offset = wide ? sections.getLong(base + 24) : Integer.toUnsignedLong(sections.getInt(base + 16));
      long size = wide ? sections.getLong(base + 32) : Integer.toUnsignedLong(sections.getInt(base + 20));
      int link = sections.getInt(base + (wide ? 40 : 24));
      long entry = wide ? sections.getLong(base + 56) : Integer.toUnsignedLong(sections.getInt(base + 36));
      if (entry < (wide ? 24 : 16) || link <= 0 || link >= shnum) {
        throw bad("has a malformed dynamic symbol table (entry size " + entry + ", string table "
            + link + ")");
      }
      int stringsBase = link * shentsize;
      long stringsOffset = wide ? sections.getLong(stringsBase + 24)
          : Integer.toUnsignedLong(sections.getInt(stringsBase + 16));
      long stringsSize = wide ? sections.getLong(stringsBase + 32)
          : Integer.toUnsignedLong(sections.getInt(stringsBase + 20));
      requireInside(fileSize, offset, size, "dynamic symbol table");
      requireInside(fileSize, stringsOffset, stringsSize, "dynamic string table");
      ByteBuffer symbols = read(file, offset, (int) size).order(order);
      ByteBuffer strings = read(file, stringsOffset, (int) stringsSize);
      List<DynamicSymbol> entries = new ArrayList<>();
      for (long at = entry; at + entry <= size; at += entry) {
        int symbol = (int) at;
        int name = symbols.getInt(symbol);
        if (name < 0 || name >= strings.limit()) {
          throw bad("has a symbol whose name lies outside its string table");
        }
        int info = Byte.toUnsignedInt(symbols.get(symbol + (wide ? 4 : 12)));
        int other = Byte.toUnsignedInt(symbols.get(symbol + (wide ? 5 : 13)));
        int section = Short.toUnsignedInt(symbols.getShort(symbol + (wide ? 6 : 14)));
        entries.add(new DynamicSymbol(cString(strings, name), info >> 4, other & 0x3,
            section != SHN_UNDEF));
      }
      return entries;
    }
    return null;
  }

  private static String cString(ByteBuffer strings, int start) {
    int end = start;
    while (end < strings.limit() && strings.get(end) != 0) {
      end++;
    }
    byte[] bytes = new byte[end - start];
    strings.get(start, bytes);
    return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
  }

  private static void requireInside(long size, long offset, long length, String what)
      throws StepFailure {
    if (offset < 0 || length < 0 || offset + length > size || offset + length < 0) {
      throw bad("is truncated: its " + what + " ends at byte " + (offset + length)
          + " but the file has " + size + " bytes (was it copied while still being written?)");
    }
  }

  private static ByteBuffer read(FileChannel file, long position, int length) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length);
    while (buffer.hasRemaining()) {
      if (file.read(buffer, position + buffer.position()) < 0) {
        throw new IOException("unexpected end of file at byte " + (position + buffer.position()));
      }
    }
    return buffer.flip();
  }

  private static StepFailure bad(String what) {
    return new StepFailure(ReloadStep.VERIFY, what);
  }

  private static String bits(int elfClass) {
    return elfClass == 2 ? "64-bit" : elfClass == 1 ? "32-bit" : "unknown-class (" + elfClass + ")";
  }

  private static String endian(int data) {
    return data == 1 ? "little-endian" : data == 2 ? "big-endian" : "of unknown byte order (" + data + ")";
  }
}
