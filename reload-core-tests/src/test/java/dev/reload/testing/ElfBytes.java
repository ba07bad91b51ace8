package dev.reload.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Edits of a real 64-bit little-endian ELF library (what gcc builds on x86-64 and aarch64), for
 * tests of files that must never be mapped. Stateless.
 */
public final class ElfBytes {

  /** {@code p_type} of a loadable segment. */
  public static final int PT_LOAD = 1;
  /** {@code p_type} of the dynamic section's segment. */
  public static final int PT_DYNAMIC = 2;
  /** Offset of {@code p_filesz} in an ELF64 program header. */
  public static final int P_FILESZ = 32;
  /** Offset of {@code p_memsz} in an ELF64 program header. */
  public static final int P_MEMSZ = 40;

  private ElfBytes() {}

  /** {@code library} to be read and written in place, in its byte order. */
  public static ByteBuffer buffer(byte[] library) {
    return ByteBuffer.wrap(library).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** A program header: its index in the table and its offset in the file. */
  public record ProgramHeader(int index, int offset) {}

  /** The program headers of {@code type}, in table order. */
  public static List<ProgramHeader> programHeaders(ByteBuffer elf, int type) {
    long phoff = elf.getLong(32);
    int phentsize = Short.toUnsignedInt(elf.getShort(54));
    int phnum = Short.toUnsignedInt(elf.getShort(56));
    List<ProgramHeader> found = new ArrayList<>();
    for (int i = 0; i < phnum; i++) {
      int header = (int) phoff + i * phentsize;
      if (elf.getInt(header) == type) {
        found.add(new ProgramHeader(i, header));
      }
    }
    return found;
  }

  /**
   * Makes the last loadable segment of {@code library} claim {@code extra} more bytes of the file
   * than there are (its {@code p_filesz} and {@code p_memsz} grow), as if the file's tail were
   * missing while its headers, section header table included, are intact.
   *
   * @return the index of that segment in the program header table
   */
  public static int growLastLoadableSegment(byte[] library, long extra) {
    ByteBuffer elf = buffer(library);
    List<ProgramHeader> loads = programHeaders(elf, PT_LOAD);
    ProgramHeader last = loads.get(loads.size() - 1);
    int header = last.offset();
    long fileEnd = elf.getLong(header + 8) + elf.getLong(header + P_FILESZ);
    if (fileEnd > library.length) {
      throw new IllegalArgumentException("the segment already runs past the end of the file");
    }
    elf.putLong(header + P_FILESZ, elf.getLong(header + P_FILESZ) + extra);
    elf.putLong(header + P_MEMSZ, elf.getLong(header + P_MEMSZ) + extra);
    return last.index();
  }
}
