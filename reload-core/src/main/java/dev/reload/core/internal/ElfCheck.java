package dev.reload.core.internal;

import dev.reload.ReloadStep;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Checks, before a file is mapped, that it is a shared ELF object this JVM can load and that it is
 * complete: glibc maps a 95%-written library without complaint and raises SIGBUS on a truncated
 * one, so every loadable segment and both header tables must lie inside the file. Stateless and
 * thread-safe.
 */
final class ElfCheck {

  private static final int ET_DYN = 3;
  private static final int PT_LOAD = 1;
  private static final int SHT_DYNSYM = 11;
  private static final int SHN_UNDEF = 0;
  private static final int STB_GLOBAL = 1;
  private static final int STB_WEAK = 2;
  private static final int STB_GNU_UNIQUE = 10;

  private ElfCheck() {}

  /**
   * Throws a {@link ReloadStep#STAGE} failure naming what is wrong with {@code file}, a copy of
   * {@code source} (the name messages give).
   */
  static void check(Path file, Path source) throws StepFailure {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      check(channel, Platform.elfClass(), Platform.elfData(), Platform.elfMachine());
    } catch (IOException e) {
      throw new StepFailure(ReloadStep.STAGE, "cannot read " + file + ": " + e.getMessage(), e);
    } catch (StepFailure e) {
      throw new StepFailure(ReloadStep.STAGE, "library " + source + " " + e.getMessage());
    } catch (RuntimeException e) {
      throw malformed(source, e);
    }
  }

  private static StepFailure malformed(Path source, RuntimeException e) {
    return new StepFailure(ReloadStep.STAGE, "library " + source + " has malformed ELF headers ("
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
    boolean wide = elfClass == 2;
    int headerSize = wide ? 64 : 52;
    if (size < headerSize) {
      throw bad("is " + size + " bytes long, shorter than its ELF header (truncated)");
    }
    ByteBuffer header = read(file, 0, headerSize)
        .order(data == 1 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
    int type = Short.toUnsignedInt(header.getShort(16));
    int machine = Short.toUnsignedInt(header.getShort(18));
    if (type != ET_DYN) {
      throw bad("is an ELF file of type " + type + ", not a shared library (ET_DYN); link it with -shared");
    }
    if (wantMachine.isPresent() && machine != wantMachine.getAsInt()) {
      throw bad("is built for ELF machine " + machine + ", this JVM runs on machine "
          + wantMachine.getAsInt() + " (" + System.getProperty("os.arch") + ")");
    }
    long phoff = wide ? header.getLong(32) : Integer.toUnsignedLong(header.getInt(28));
    long shoff = wide ? header.getLong(40) : Integer.toUnsignedLong(header.getInt(32));
    int phentsize = Short.toUnsignedInt(header.getShort(wide ? 54 : 42));
    int phnum = Short.toUnsignedInt(header.getShort(wide ? 56 : 44));
    int shentsize = Short.toUnsignedInt(header.getShort(wide ? 58 : 46));
    int shnum = Short.toUnsignedInt(header.getShort(wide ? 60 : 48));
    requireInside(size, phoff, (long) phentsize * phnum, "program header table");
    if (shoff != 0) {
      requireInside(size, shoff, (long) shentsize * shnum, "section header table");
    }
    if (phnum == 0 || phentsize < (wide ? 56 : 32)) {
      throw bad("has no usable program headers");
    }
    ByteBuffer table = read(file, phoff, phentsize * phnum).order(header.order());
    for (int i = 0; i < phnum; i++) {
      int base = i * phentsize;
      if (table.getInt(base) != PT_LOAD) {
        continue;
      }
      long offset = wide ? table.getLong(base + 8) : Integer.toUnsignedLong(table.getInt(base + 4));
      long fileSize = wide ? table.getLong(base + 32) : Integer.toUnsignedLong(table.getInt(base + 16));
      requireInside(size, offset, fileSize, "loadable segment " + i);
    }
  }

  /**
   * Throws a {@link ReloadStep#STAGE} failure if the dynamic symbol table of {@code file} (a copy
   * of {@code source}) lacks a defined, exported symbol of {@code required}: such a build would
   * fail at dlopen anyway, and is refused here before anything of it runs. A library without
   * section headers cannot be read this way and is left to the load step.
   */
  static void requireExports(Path file, Path source, List<String> required) throws StepFailure {
    if (required.isEmpty()) {
      return;
    }
    Set<String> exported;
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      exported = exportedSymbols(channel);
    } catch (IOException e) {
      throw new StepFailure(ReloadStep.STAGE, "cannot read the symbols of " + source + ": " + e, e);
    } catch (StepFailure e) {
      throw new StepFailure(ReloadStep.STAGE, "library " + source + " " + e.getMessage());
    } catch (RuntimeException e) {
      throw malformed(source, e);
    }
    if (exported == null) {
      return;
    }
    for (String symbol : required) {
      if (!exported.contains(symbol)) {
        throw new StepFailure(ReloadStep.STAGE, "library " + source
            + " does not export required symbol '" + symbol + "' (not in its dynamic symbol table)");
      }
    }
  }

  /**
   * Defined global, weak or unique symbols of default or protected visibility; null if the file
   * has no section headers. Every table read is first checked to lie inside the file.
   */
  static Set<String> exportedSymbols(FileChannel file) throws IOException, StepFailure {
    long fileSize = file.size();
    ByteBuffer ident = read(file, 0, 16);
    boolean wide = ident.get(4) == 2;
    ByteOrder order = ident.get(5) == 1 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
    ByteBuffer header = read(file, 0, wide ? 64 : 52).order(order);
    long shoff = wide ? header.getLong(40) : Integer.toUnsignedLong(header.getInt(32));
    int shentsize = Short.toUnsignedInt(header.getShort(wide ? 58 : 46));
    int shnum = Short.toUnsignedInt(header.getShort(wide ? 60 : 48));
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
      Set<String> exported = new HashSet<>();
      for (long at = entry; at + entry <= size; at += entry) {
        int symbol = (int) at;
        int name = symbols.getInt(symbol);
        if (name < 0 || name >= strings.limit()) {
          throw bad("has a symbol whose name lies outside its string table");
        }
        int info = Byte.toUnsignedInt(symbols.get(symbol + (wide ? 4 : 12)));
        int other = Byte.toUnsignedInt(symbols.get(symbol + (wide ? 5 : 13)));
        int section = Short.toUnsignedInt(symbols.getShort(symbol + (wide ? 6 : 14)));
        int binding = info >> 4;
        int visibility = other & 0x3;
        boolean global = binding == STB_GLOBAL || binding == STB_WEAK || binding == STB_GNU_UNIQUE;
        if (global && section != SHN_UNDEF && (visibility == 0 || visibility == 3)) {
          exported.add(cString(strings, name));
        }
      }
      return exported;
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
    return new StepFailure(ReloadStep.STAGE, what);
  }

  private static String bits(int elfClass) {
    return elfClass == 2 ? "64-bit" : elfClass == 1 ? "32-bit" : "unknown-class (" + elfClass + ")";
  }

  private static String endian(int data) {
    return data == 1 ? "little-endian" : data == 2 ? "big-endian" : "of unknown byte order (" + data + ")";
  }
}
