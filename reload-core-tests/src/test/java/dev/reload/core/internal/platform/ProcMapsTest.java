package dev.reload.core.internal.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ProcMaps} on maps written here (every kind of line, read through buffers smaller than a
 * line and larger than the file) and on this JVM's own maps, with a file it maps and unlinks.
 */
class ProcMapsTest {

  private static final String MAPS = String.join(
      "\n",
      "55d0c0a00000-55d0c0a01000 r--p 00000000 fd:01 1234   /usr/lib/jvm/bin/java",
      "55d0c1000000-55d0c1021000 rw-p 00000000 00:00 0      [heap]",
      "7f0000000000-7f0000001000 rw-p 00000000 00:00 0 ",
      "7f0000001000-7f0000002000 r-xp 00000000 fd:01 5678  "
          + " /srv/plugins/.shadow/counter-7-libcounter.so"
          + " (deleted)",
      "7f0000002000-7f0000003000 r-xp 00000000 fd:01 5679  "
          + " /srv/plugins/.shadow/counter-8-libcounter.so.1",
      "7f0000003000-7f0000004000 r-xp 00000000 fd:01 5680   /srv/with space/libgreeter.so",
      "7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0      [stack]",
      "");

  @TempDir
  Path dir;

  @ParameterizedTest
  @ValueSource(ints = {8, 40, 16 * 1024})
  void findsExactlyThePathsTheMapsNameUnlinkedOrNot(int bufferBytes) throws IOException {
    Path maps = Files.writeString(dir.resolve("maps"), MAPS);

    assertThat(new ProcMaps(maps, bufferBytes)
            .find(List.of(
                "/srv/plugins/.shadow/counter-7-libcounter.so", // unlinked
                "/srv/plugins/.shadow/counter-8-libcounter.so", // only a longer name is mapped
                "/srv/with space/libgreeter.so",
                "/usr/lib/jvm/bin/java",
                "[heap]", // not a path
                "/srv/plugins/.shadow/counter-9-libcounter.so")))
        .containsExactlyInAnyOrder(
            "/srv/plugins/.shadow/counter-7-libcounter.so",
            "/srv/with space/libgreeter.so",
            "/usr/lib/jvm/bin/java");
  }

  @Test
  void aLastLineWithoutNewlineIsNotReadAndNoNamesReadNothing() throws IOException {
    Path maps = Files.writeString(
        dir.resolve("maps"), "7f0000003000-7f0000004000 r-xp 00000000 fd:01 5680   /srv/libcut.so");

    assertThat(new ProcMaps(maps, 16).find(List.of("/srv/libcut.so"))).isEmpty();
    assertThat(new ProcMaps(dir.resolve("missing"), 16).find(List.of())).isEmpty();
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void findsAFileThisProcessMapsAfterItIsUnlinked() throws IOException {
    Path file = Files.write(dir.toRealPath().resolve("mapped.bin"), new byte[4096]);
    try (FileChannel channel = FileChannel.open(file)) {
      MappedByteBuffer mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, 4096);
      ProcMaps self = new ProcMaps(Path.of("/proc/self/maps"), 16 * 1024);
      String name = file.toString();
      String other = dir.toRealPath().resolve("never-mapped.bin").toString();

      assertThat(self.find(List.of(name, other))).containsExactly(name);
      Files.delete(file);
      assertThat(self.find(List.of(name, other))).containsExactly(name);
      assertThat(mapping.get(0)).isZero(); // still mapped while the assertions run
    }
  }
}
