package dev.reload.core.internal.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Reading mount flags from {@code /proc/self/mountinfo} lines as the kernel writes them, so that a
 * shadow root on a {@code noexec} mount is refused before any load instead of failing every one.
 */
class MountTableTest {

  private static final MountTable TABLE = MountTable.parse(List.of(
      "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro",
      "25 22 0:23 / /tmp rw,nosuid,nodev,noexec,relatime shared:5 - tmpfs tmpfs rw,size=8g",
      "26 22 8:2 / /var/lib rw,relatime shared:6 master:2 - xfs /dev/sda2 rw,attr2",
      "27 22 0:24 / /home/app/my\\040shadow\\011dir rw,noexec - tmpfs none\\040x rw",
      "28 25 0:25 / /tmp/exec rw,relatime - tmpfs tmpfs rw",
      "29 28 0:26 / /tmp/exec ro,noexec,relatime - tmpfs tmpfs ro",
      "30 22 0:27 /sub /srv/back\\134slash rw - ext4 /dev/sdb1 rw"));

  private static MountTable.Mount mountOf(String path) {
    return TABLE.mountOf(Path.of(path)).orElseThrow();
  }

  @Test
  void fieldsOfALineAreReadAroundTheOptionalFields() {
    MountTable.Mount var = mountOf("/var/lib/app");

    assertThat(var.id()).isEqualTo(26);
    assertThat(var.parentId()).isEqualTo(22);
    assertThat(var.mountPoint()).isEqualTo(Path.of("/var/lib"));
    assertThat(var.options()).containsExactlyInAnyOrder("rw", "relatime");
    assertThat(var.type()).isEqualTo("xfs");
    assertThat(var.source()).isEqualTo("/dev/sda2");
    assertThat(var.noexec()).isFalse();
  }

  @Test
  void theLongestMountPointContainingThePathWins() {
    assertThat(mountOf("/tmp/reload-1-ab").mountPoint()).isEqualTo(Path.of("/tmp"));
    assertThat(mountOf("/tmp/reload-1-ab").noexec()).isTrue();
    assertThat(mountOf("/var/lib").mountPoint()).isEqualTo(Path.of("/var/lib"));
    assertThat(mountOf("/home/app").mountPoint()).isEqualTo(Path.of("/"));
    assertThat(mountOf("/home/app").noexec()).isFalse();
  }

  @Test
  void aMountPointIsMatchedByWholeNamesOnly() {
    assertThat(mountOf("/tmpfoo/x").mountPoint()).isEqualTo(Path.of("/"));
    assertThat(mountOf("/var/library").mountPoint()).isEqualTo(Path.of("/"));
  }

  @Test
  void octalEscapesInPathsAreDecoded() {
    MountTable.Mount escaped = mountOf("/home/app/my shadow\tdir/reload-1-ab");

    assertThat(escaped.mountPoint()).isEqualTo(Path.of("/home/app/my shadow\tdir"));
    assertThat(escaped.source()).isEqualTo("none x");
    assertThat(escaped.noexec()).isTrue();
    assertThat(mountOf("/srv/back\\slash").mountPoint()).isEqualTo(Path.of("/srv/back\\slash"));
    assertThat(MountTable.unescape("a\\012b\\134c\\9zz\\")).isEqualTo("a\nb\\c\\9zz\\");
    assertThat(MountTable.unescape("caf\u00e9\\040")).isEqualTo("caf\u00e9 ");
  }

  @Test
  void ofTwoMountsOnOnePointTheOneOnTopWins() {
    assertThat(mountOf("/tmp/exec/x").id()).isEqualTo(29);
    assertThat(mountOf("/tmp/exec/x").noexec()).isTrue();
    MountTable reversed = MountTable.parse(List.of(
        "29 28 0:26 / /tmp/exec ro,noexec - tmpfs tmpfs ro",
        "28 22 0:25 / /tmp/exec rw - tmpfs tmpfs rw",
        "22 1 8:1 / / rw - ext4 /dev/sda1 rw"));
    assertThat(reversed.mountOf(Path.of("/tmp/exec")).orElseThrow().id()).isEqualTo(29);
  }

  @Test
  void linesOfAnotherShapeAreSkipped() {
    MountTable table = MountTable.parse(List.of(
        "",
        "garbage",
        "22 1 8:1 / / rw,relatime shared:1 ext4 /dev/sda1 rw",
        "x 1 8:1 / /a rw - ext4 /dev/sda1 rw",
        "23 1 8:1 / relative rw - ext4 /dev/sda1 rw",
        "24 1 8:1 / /b rw -",
        "25 1 8:1 / /c rw,noexec - tmpfs tmpfs rw"));

    assertThat(table.mounts()).extracting(MountTable.Mount::id).containsExactly(25);
    assertThat(table.mountOf(Path.of("/d"))).isEmpty();
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void thisProcessHasARootMount() {
    MountTable self = MountTable.readSelf().orElseThrow();

    assertThat(self.mountOf(Path.of("/")))
        .hasValueSatisfying(mount -> assertThat(mount.mountPoint()).isEqualTo(Path.of("/")));
  }
}
