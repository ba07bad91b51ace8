package dev.reload.core.internal.admission;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Reads the parts of an ELF file that {@link ElfCheck} needs: the identification bytes, the file
 * header, the program headers, the dynamic section and the dynamic symbol table, of either class
 * and byte order. It decides nothing: it reports what is in the file, and throws a {@link
 * MalformedElfException} saying what and where when a structure it is asked for cannot be read.
 * Every table is checked to lie inside the file before it is read.
 *
 * <p>The first bytes of the file are read once, on {@link #open}; every other accessor reads the
 * file again, so that a caller reads only what it asks for, in the order it asks. Fields follow
 * the ELF specification's names ({@code phoff}, {@code shentsize}, ...).
 *
 * <p>Thread-safe: its fields are final and it reads with positional reads, which {@link
 * FileChannel} allows from several threads at once. Nothing may be read after {@link #close}.
 */
final class ElfFile implements Closeable {

  static final int ELFCLASS32 = 1;
  static final int ELFCLASS64 = 2;
  static final int ELFDATA2LSB = 1;
  static final int ELFDATA2MSB = 2;
  static final int PT_LOAD = 1;
  static final int PT_DYNAMIC = 2;
  private static final int SHT_DYNSYM = 11;
  private static final int SHN_UNDEF = 0;
  private static final long DT_NULL = 0;
  private static final int IDENT_SIZE = 16;
  private static final int LARGEST_HEADER = 64;

  private final FileChannel channel;
  private final long size;
  /** The first bytes of the file, zero-padded to the largest header; never written after open. */
  private final byte[] head;

  private ElfFile(FileChannel channel) throws IOException {
    this.channel = channel;
    this.size = channel.size();
    this.head =
        Arrays.copyOf(read(0, (int) Math.min(LARGEST_HEADER, size)).array(), LARGEST_HEADER);
  }

  /** Opens {@code file} for reading and reads its first bytes. */
  static ElfFile open(Path file) throws IOException {
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
    try {
      return new ElfFile(channel);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /** The file's size in bytes, as it was when it was opened. */
  long size() {
    return size;
  }

  /** The class and data encoding of the identification bytes, raw. */
  record Identity(int elfClass, int data) {}

  /**
   * The identification of a file that starts with the ELF magic.
   *
   * @throws MalformedElfException if the file is too short for it or does not start with the magic
   */
  Identity identity() throws MalformedElfException {
    if (size < IDENT_SIZE) {
      throw new MalformedElfException("is " + size + " bytes long, too short for an ELF header"
          + " (empty or truncated file?)");
    }
    if (head[0] != 0x7f || head[1] != 'E' || head[2] != 'L' || head[3] != 'F') {
      throw new MalformedElfException("is not an ELF file (its first bytes are not \\x7fELF)");
    }
    return new Identity(head[4], head[5]);
  }

  /** The fields of the ELF file header that the checks use. */
  record Header(
      boolean wide,
      ByteOrder order,
      int type,
      int machine,
      long phoff,
      int phentsize,
      int phnum,
      long shoff,
      int shentsize,
      int shnum) {

    /** Bytes of the program header table, {@code phentsize * phnum}. */
    long programHeaderTableSize() {
      return (long) phentsize * phnum;
    }

    /** Bytes of the section header table, {@code shentsize * shnum}. */
    long sectionHeaderTableSize() {
      return (long) shentsize * shnum;
    }

    /** The size of one program header of this class, the least {@code phentsize} can be. */
    int minProgramHeaderSize() {
      return wide ? 56 : 32;
    }

    /** The size of one section header of this class, the least {@code shentsize} can be. */
    int minSectionHeaderSize() {
      return wide ? 64 : 40;
    }
  }

  /**
   * The file header, after {@link #identity}.
   *
   * @throws MalformedElfException if {@link #identity} does, the class or byte order is neither
   *     of the two ELF defines, or the file is shorter than the header
   */
  Header header() throws MalformedElfException {
    Identity identity = identity();
    if (identity.elfClass() != ELFCLASS32 && identity.elfClass() != ELFCLASS64) {
      throw new MalformedElfException("has an unknown ELF class (" + identity.elfClass() + ")");
    }
    if (identity.data() != ELFDATA2LSB && identity.data() != ELFDATA2MSB) {
      throw new MalformedElfException("has an unknown ELF byte order (" + identity.data() + ")");
    }
    boolean wide = identity.elfClass() == ELFCLASS64;
    if (size < (wide ? 64 : 52)) {
      throw new MalformedElfException(
          "is " + size + " bytes long, shorter than its ELF header (truncated)");
    }
    ByteOrder order =
        identity.data() == ELFDATA2LSB ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
    ByteBuffer header = ByteBuffer.wrap(head).order(order);
    return new Header(
        wide,
        order,
        Short.toUnsignedInt(header.getShort(16)),
        Short.toUnsignedInt(header.getShort(18)),
        wide ? header.getLong(32) : Integer.toUnsignedLong(header.getInt(28)),
        Short.toUnsignedInt(header.getShort(wide ? 54 : 42)),
        Short.toUnsignedInt(header.getShort(wide ? 56 : 44)),
        wide ? header.getLong(40) : Integer.toUnsignedLong(header.getInt(32)),
        Short.toUnsignedInt(header.getShort(wide ? 58 : 46)),
        Short.toUnsignedInt(header.getShort(wide ? 60 : 48)));
  }

  /** One program header: its type and the bytes of the file it covers. */
  record Segment(int type, long offset, long fileSize) {}

  /**
   * The program headers, in table order; none if {@code phnum} is 0.
   *
   * @throws MalformedElfException if {@link #header} does, the entries are smaller than a program
   *     header, or the table runs past the end of the file
   */
  List<Segment> segments() throws MalformedElfException, IOException {
    Header elf = header();
    int phentsize = elf.phentsize();
    if (elf.phnum() > 0 && phentsize < elf.minProgramHeaderSize()) {
      throw new MalformedElfException("has program headers of " + phentsize + " bytes, too small");
    }
    ByteBuffer table =
        table(elf.phoff(), elf.programHeaderTableSize(), "program header table", elf.order());
    boolean wide = elf.wide();
    List<Segment> segments = new ArrayList<>(elf.phnum());
    for (int i = 0; i < elf.phnum(); i++) {
      int base = i * phentsize;
      segments.add(new Segment(
          table.getInt(base),
          wide ? table.getLong(base + 8) : Integer.toUnsignedLong(table.getInt(base + 4)),
          wide ? table.getLong(base + 32) : Integer.toUnsignedLong(table.getInt(base + 16))));
    }
    return segments;
  }

  /** One entry of the dynamic section. */
  record DynamicEntry(long tag, long value) {}

  /**
   * The entries of the dynamic section (the first {@code PT_DYNAMIC} segment) before its {@code
   * DT_NULL}; none if there is no such segment.
   *
   * @throws MalformedElfException if {@link #segments} does or the section runs past the end of
   *     the file
   */
  List<DynamicEntry> dynamicSection() throws MalformedElfException, IOException {
    Header elf = header();
    boolean wide = elf.wide();
    for (Segment segment : segments()) {
      if (segment.type() != PT_DYNAMIC) {
        continue;
      }
      long size = segment.fileSize();
      ByteBuffer dynamic = table(segment.offset(), size, "dynamic section", elf.order());
      int entry = wide ? 16 : 8;
      List<DynamicEntry> entries = new ArrayList<>();
      for (int at = 0; at + entry <= size; at += entry) {
        long tag = wide ? dynamic.getLong(at) : dynamic.getInt(at);
        if (tag == DT_NULL) {
          break;
        }
        entries.add(new DynamicEntry(
            tag, wide ? dynamic.getLong(at + 8) : Integer.toUnsignedLong(dynamic.getInt(at + 4))));
      }
      return entries;
    }
    return List.of();
  }

  /** One entry of the dynamic symbol table, {@code binding} and {@code visibility} raw. */
  record DynamicSymbol(String name, int binding, int visibility, boolean defined) {}

  /**
   * Every entry of the dynamic symbol table (the first {@code SHT_DYNSYM} section) but the null
   * one at index 0; empty if the file has no section headers or no such table.
   *
   * @throws MalformedElfException if {@link #header} does, the section headers are too small or
   *     run past the end of the file, the table's entry size or string table is impossible, the
   *     table or its strings run past the end of the file, or a name lies outside the strings
   */
  Optional<List<DynamicSymbol>> dynamicSymbols() throws MalformedElfException, IOException {
    Header elf = header();
    List<Section> sections = sections(elf);
    for (Section section : sections) {
      if (section.type() == SHT_DYNSYM) {
        return Optional.of(symbols(elf, section, sections));
      }
    }
    return Optional.empty();
  }

  /** One section header: the fields the dynamic symbol table needs. */
  private record Section(int type, long offset, long size, int link, long entrySize) {}

  private List<Section> sections(Header elf) throws MalformedElfException, IOException {
    if (elf.shoff() == 0 || elf.shnum() == 0) {
      return List.of();
    }
    int shentsize = elf.shentsize();
    if (shentsize < elf.minSectionHeaderSize()) {
      throw new MalformedElfException("has section headers of " + shentsize + " bytes, too small");
    }
    ByteBuffer table =
        table(elf.shoff(), elf.sectionHeaderTableSize(), "section header table", elf.order());
    boolean wide = elf.wide();
    List<Section> sections = new ArrayList<>(elf.shnum());
    for (int i = 0; i < elf.shnum(); i++) {
      int base = i * shentsize;
      sections.add(new Section(
          table.getInt(base + 4),
          wide ? table.getLong(base + 24) : Integer.toUnsignedLong(table.getInt(base + 16)),
          wide ? table.getLong(base + 32) : Integer.toUnsignedLong(table.getInt(base + 20)),
          table.getInt(base + (wide ? 40 : 24)),
          wide ? table.getLong(base + 56) : Integer.toUnsignedLong(table.getInt(base + 36))));
    }
    return sections;
  }

  private List<DynamicSymbol> symbols(Header elf, Section dynsym, List<Section> sections)
      throws MalformedElfException, IOException {
    boolean wide = elf.wide();
    long entry = dynsym.entrySize();
    int link = dynsym.link();
    if (entry < (wide ? 24 : 16) || link <= 0 || link >= sections.size()) {
      throw new MalformedElfException("has a malformed dynamic symbol table (entry size " + entry
          + ", string table " + link + ")");
    }
    Section strings = sections.get(link);
    ByteBuffer symbols = table(dynsym.offset(), dynsym.size(), "dynamic symbol table", elf.order());
    ByteBuffer names = table(strings.offset(), strings.size(), "dynamic string table", elf.order());
    List<DynamicSymbol> entries = new ArrayList<>();
    for (long at = entry; at + entry <= dynsym.size(); at += entry) {
      int symbol = (int) at;
      int name = symbols.getInt(symbol);
      if (name < 0 || name >= names.limit()) {
        throw new MalformedElfException("has a symbol whose name lies outside its string table");
      }
      int info = Byte.toUnsignedInt(symbols.get(symbol + (wide ? 4 : 12)));
      int other = Byte.toUnsignedInt(symbols.get(symbol + (wide ? 5 : 13)));
      int section = Short.toUnsignedInt(symbols.getShort(symbol + (wide ? 6 : 14)));
      entries.add(
          new DynamicSymbol(cString(names, name), info >> 4, other & 0x3, section != SHN_UNDEF));
    }
    return entries;
  }

  /**
   * Throws unless the {@code length} bytes at {@code offset} lie inside the file; {@code what}
   * names them in the message ("loadable segment 3").
   */
  void requireInside(long offset, long length, String what) throws MalformedElfException {
    if (offset < 0 || length < 0 || offset + length > size || offset + length < 0) {
      throw new MalformedElfException("is truncated: its " + what + " ends at byte "
          + (offset + length) + " but the file has " + size + " bytes (was it copied while still"
          + " being written?)");
    }
  }

  /** The {@code length} bytes at {@code offset}, after {@link #requireInside}, in {@code order}. */
  private ByteBuffer table(long offset, long length, String what, ByteOrder order)
      throws MalformedElfException, IOException {
    requireInside(offset, length, what);
    if (length > Integer.MAX_VALUE) {
      throw new MalformedElfException(
          "has a " + what + " of " + length + " bytes, too large to read");
    }
    return read(offset, (int) length).order(order);
  }

  private ByteBuffer read(long position, int length) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length);
    while (buffer.hasRemaining()) {
      if (channel.read(buffer, position + buffer.position()) < 0) {
        throw new IOException("unexpected end of file at byte " + (position + buffer.position()));
      }
    }
    return buffer.flip();
  }

  private static String cString(ByteBuffer strings, int start) {
    int end = start;
    while (end < strings.limit() && strings.get(end) != 0) {
      end++;
    }
    byte[] bytes = new byte[end - start];
    strings.get(start, bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
