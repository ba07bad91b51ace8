package dev.reload.core.internal.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reload.core.internal.admission.ElfFile.DynamicEntry;
import dev.reload.core.internal.admission.ElfFile.DynamicSymbol;
import dev.reload.core.internal.admission.ElfFile.Header;
import dev.reload.core.internal.admission.ElfFile.Segment;
import dev.reload.core.internal.platform.Platform;
import dev.reload.fixtures.ElfBytes;
import dev.reload.fixtures.Sources;
import dev.reload.testkit.NativeBuild;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.ObjIntConsumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** What {@link ElfFile} reads from a real gcc build, and how it reports one edited to be broken. */
@EnabledOnOs(OS.LINUX)
class ElfFileTest {

  private static final long DT_FLAGS_1 = 0x6ffffffbL;
  private static final long DF_1_NODELETE = 0x8;

  @TempDir
  Path root;

  private byte[] good;

  @BeforeEach
  void buildALibrary() throws Exception {
    good = Files.readAllBytes(new NativeBuild(root).compile(Sources.counter(1)));
  }

  private ElfFile open(byte[] bytes) throws Exception {
    return ElfFile.open(Files.write(root.resolve("candidate.so"), bytes));
  }

  private ElfFile edited(Consumer<ByteBuffer> edit) throws Exception {
    return open(ElfBytes.edited(good, edit));
  }

  private ElfFile editedDynamicSymbolTable(ObjIntConsumer<ByteBuffer> edit) throws Exception {
    return edited(ElfBytes.inDynamicSymbolTableHeader(edit));
  }

  @Test
  void readsTheIdentityAndHeaderOfARealBuild() throws Exception {
    try (ElfFile elf = open(good)) {
      assertThat(elf.size()).isEqualTo(good.length);
      assertThat(elf.identity())
          .isEqualTo(new ElfFile.Identity(Platform.elfClass(), Platform.elfData()));
      Header header = elf.header();
      assertThat(header.type()).isEqualTo(3); // ET_DYN
      Platform.elfMachine().ifPresent(machine -> assertThat(header.machine()).isEqualTo(machine));
      assertThat(header.phnum()).isPositive();
      assertThat(header.phentsize()).isEqualTo(header.minProgramHeaderSize());
      assertThat(header.shoff() + header.sectionHeaderTableSize()).isLessThanOrEqualTo(good.length);
    }
  }

  @Test
  void readsEveryProgramHeaderOfARealBuild() throws Exception {
    try (ElfFile elf = open(good)) {
      List<Segment> segments = elf.segments();
      assertThat(segments).hasSize(elf.header().phnum());
      assertThat(segments).extracting(Segment::type).contains(ElfFile.PT_LOAD, ElfFile.PT_DYNAMIC);
      assertThat(segments)
          .filteredOn(segment -> segment.type() == ElfFile.PT_LOAD)
          .allSatisfy(
              load -> assertThat(load.offset() + load.fileSize()).isLessThanOrEqualTo(good.length));
    }
  }

  @Test
  void readsTheDynamicSymbolsDefinedAndUndefined() throws Exception {
    try (ElfFile elf = open(good)) {
      List<DynamicSymbol> symbols = elf.dynamicSymbols().orElseThrow();
      assertThat(symbols).contains(new DynamicSymbol("add", 1, 0, true)); // STB_GLOBAL, default
      assertThat(symbols)
          .filteredOn(symbol -> symbol.name().equals("usleep"))
          .singleElement()
          .satisfies(usleep -> assertThat(usleep.defined()).isFalse());
      ByteBuffer bytes = ElfBytes.buffer(good);
      int dynsym = ElfBytes.sectionHeaders(bytes, ElfBytes.SHT_DYNSYM).get(0).offset();
      long entries =
          bytes.getLong(dynsym + ElfBytes.SH_SIZE) / bytes.getLong(dynsym + ElfBytes.SH_ENTSIZE);
      assertThat(symbols).hasSize((int) entries - 1); // all but the null symbol at index 0
    }
  }

  @Test
  void readsTheDynamicSectionUpToItsEnd() throws Exception {
    Path nodelete = new NativeBuild(root).compile(Sources.counter(1), "-Wl,-z,nodelete");
    try (ElfFile plain = open(good);
        ElfFile flagged = ElfFile.open(nodelete)) {
      assertThat(plain.dynamicSection())
          .isNotEmpty()
          .noneMatch(entry -> entry.tag() == 0) // DT_NULL ends it and is not reported
          .noneMatch(entry -> entry.tag() == DT_FLAGS_1 && (entry.value() & DF_1_NODELETE) != 0);
      assertThat(flagged.dynamicSection())
          .filteredOn(entry -> entry.tag() == DT_FLAGS_1)
          .extracting(DynamicEntry::value)
          .anySatisfy(flags -> assertThat(flags & DF_1_NODELETE).isEqualTo(DF_1_NODELETE));
    }
  }

  @Test
  void anEmptyFileIsTooShortForAnIdentification() throws Exception {
    try (ElfFile elf = open(new byte[0])) {
      assertThatThrownBy(elf::identity)
          .isInstanceOf(MalformedElfException.class)
          .hasMessage("is 0 bytes long, too short for an ELF header (empty or truncated file?)");
    }
  }

  @Test
  void aFileWithoutTheMagicIsNotElf() throws Exception {
    try (ElfFile elf = edited(buffer -> buffer.put(1, (byte) 'X'))) {
      assertThatThrownBy(elf::identity)
          .isInstanceOf(MalformedElfException.class)
          .hasMessage("is not an ELF file (its first bytes are not \\x7fELF)");
      assertThatThrownBy(elf::header).hasMessageContaining("is not an ELF file");
    }
  }

  @Test
  void aFileCutInsideItsHeaderHasAnIdentificationButNoHeader() throws Exception {
    try (ElfFile elf = open(Arrays.copyOf(good, 40))) {
      assertThat(elf.identity().elfClass()).isEqualTo(ElfFile.ELFCLASS64);
      assertThatThrownBy(elf::header)
          .isInstanceOf(MalformedElfException.class)
          .hasMessage("is 40 bytes long, shorter than its ELF header (truncated)");
    }
  }

  @Test
  void anUnknownClassOrByteOrderIsReportedNotGuessed() throws Exception {
    try (ElfFile elf = edited(buffer -> buffer.put(4, (byte) 3))) {
      assertThat(elf.identity().elfClass()).isEqualTo(3);
      assertThatThrownBy(elf::header).hasMessage("has an unknown ELF class (3)");
    }
    try (ElfFile elf = edited(buffer -> buffer.put(5, (byte) 0))) {
      assertThatThrownBy(elf::header).hasMessage("has an unknown ELF byte order (0)");
    }
  }

  @Test
  void aProgramHeaderTableRunningPastTheEndSaysWhereItEnds() throws Exception {
    try (ElfFile elf = edited(buffer -> buffer.putShort(56, (short) 0xffff))) { // e_phnum
      long end = elf.header().phoff() + 0xffffL * elf.header().phentsize();
      assertThatThrownBy(elf::segments)
          .isInstanceOf(MalformedElfException.class)
          .hasMessage("is truncated: its program header table ends at byte " + end
              + " but the file has " + good.length + " bytes (was it copied while still being"
              + " written?)");
    }
  }

  @Test
  void programHeadersTooSmallForTheirClassAreRefusedNotRead() throws Exception {
    try (ElfFile elf = edited(buffer -> buffer.putShort(54, (short) 8))) { // e_phentsize
      assertThatThrownBy(elf::segments).hasMessage("has program headers of 8 bytes, too small");
      assertThatThrownBy(elf::dynamicSection)
          .hasMessage("has program headers of 8 bytes, too small");
    }
  }

  @Test
  void noProgramHeadersAreNoSegments() throws Exception {
    try (ElfFile elf = edited(buffer -> buffer.putShort(56, (short) 0))) { // e_phnum
      assertThat(elf.segments()).isEmpty();
      assertThat(elf.dynamicSection()).isEmpty();
    }
  }

  @Test
  void aDynamicSectionRunningPastTheEndIsMalformed() throws Exception {
    try (ElfFile elf = edited(buffer -> {
      for (ElfBytes.ProgramHeader dynamic : ElfBytes.programHeaders(buffer, ElfBytes.PT_DYNAMIC)) {
        buffer.putLong(dynamic.offset() + ElfBytes.P_FILESZ, 0x7fff_ffffL);
      }
    })) {
      assertThat(elf.segments()).isNotEmpty();
      assertThatThrownBy(elf::dynamicSection)
          .isInstanceOf(MalformedElfException.class)
          .hasMessageContaining("is truncated: its dynamic section ends at byte ");
    }
  }

  @Test
  void aFileWithoutSectionHeadersHasNoDynamicSymbolTable() throws Exception {
    try (ElfFile elf = edited(buffer -> buffer.putLong(40, 0))) { // e_shoff
      assertThat(elf.dynamicSymbols()).isEmpty();
    }
  }

  @Test
  void sectionHeadersTooSmallForTheirClassAreRefusedNotRead() throws Exception {
    try (ElfFile elf = edited(buffer -> buffer.putShort(58, (short) 16))) { // e_shentsize
      assertThatThrownBy(elf::dynamicSymbols)
          .isInstanceOf(MalformedElfException.class)
          .hasMessage("has section headers of 16 bytes, too small");
    }
  }

  @Test
  void aSectionHeaderTableRunningPastTheEndIsMalformed() throws Exception {
    try (ElfFile elf = open(Arrays.copyOf(good, good.length - 1))) {
      assertThat(elf.segments()).isNotEmpty();
      assertThatThrownBy(elf::dynamicSymbols)
          .hasMessageStartingWith("is truncated: its section header table ends at byte "
              + good.length + " but the file has " + (good.length - 1) + " bytes");
    }
  }

  @Test
  void aSymbolTableWhoseStringTableIsNoSectionIsMalformed() throws Exception {
    try (ElfFile elf = editedDynamicSymbolTable(
        (buffer, header) -> buffer.putInt(header + ElfBytes.SH_LINK, 0xffff))) {
      assertThatThrownBy(elf::dynamicSymbols)
          .hasMessage("has a malformed dynamic symbol table (entry size 24, string table 65535)");
    }
  }

  @Test
  void aSymbolTableOfZeroSizedEntriesIsMalformedNotLoopedOver() throws Exception {
    try (ElfFile elf = editedDynamicSymbolTable(
        (buffer, header) -> buffer.putLong(header + ElfBytes.SH_ENTSIZE, 0))) {
      assertThatThrownBy(elf::dynamicSymbols)
          .hasMessageStartingWith(
              "has a malformed dynamic symbol table (entry size 0, string table ");
    }
  }

  @Test
  void aSymbolWhoseNameLiesPastItsStringsIsMalformed() throws Exception {
    try (ElfFile elf = editedDynamicSymbolTable((buffer, header) -> {
      int strings = ElfBytes.sectionHeader(buffer, buffer.getInt(header + ElfBytes.SH_LINK))
          .offset();
      buffer.putLong(strings + ElfBytes.SH_SIZE, 1); // only the empty name is left
    })) {
      assertThatThrownBy(elf::dynamicSymbols)
          .hasMessage("has a symbol whose name lies outside its string table");
    }
  }

  @Test
  void aRangeIsInsideOnlyIfItStartsAndEndsInTheFile() throws Exception {
    try (ElfFile elf = open(good)) {
      elf.requireInside(0, good.length, "whole file");
      assertThatThrownBy(() -> elf.requireInside(good.length, 1, "byte past the end"))
          .hasMessageStartingWith("is truncated: its byte past the end ends at byte "
              + (good.length + 1) + " but the file has " + good.length + " bytes");
      assertThatThrownBy(() -> elf.requireInside(-1, 1, "table"))
          .isInstanceOf(MalformedElfException.class);
      assertThatThrownBy(() -> elf.requireInside(Long.MAX_VALUE, Long.MAX_VALUE, "table"))
          .isInstanceOf(MalformedElfException.class);
    }
  }
}
