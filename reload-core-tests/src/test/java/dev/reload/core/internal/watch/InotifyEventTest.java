package dev.reload.core.internal.watch;

import static dev.reload.core.internal.watch.InotifyEvent.IN_CLOSE_WRITE;
import static dev.reload.core.internal.watch.InotifyEvent.IN_CREATE;
import static dev.reload.core.internal.watch.InotifyEvent.IN_IGNORED;
import static dev.reload.core.internal.watch.InotifyEvent.IN_ISDIR;
import static dev.reload.core.internal.watch.InotifyEvent.IN_Q_OVERFLOW;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Events decoded from the bytes {@code read(2)} returns from an inotify descriptor. */
class InotifyEventTest {

  /** The kernel's layout: wd, mask, cookie, len in native order, then len bytes of name. */
  private static byte[] raw(int wd, int mask, int cookie, String name, int paddedLength) {
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    ByteBuffer event = ByteBuffer.allocate(InotifyEvent.HEADER_BYTES + paddedLength)
        .order(ByteOrder.nativeOrder());
    event.putInt(wd).putInt(mask).putInt(cookie).putInt(paddedLength).put(nameBytes);
    return event.array();
  }

  private static ByteBuffer concat(byte[]... events) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (byte[] event : events) {
      bytes.writeBytes(event);
    }
    return ByteBuffer.wrap(bytes.toByteArray());
  }

  @ParameterizedTest(name = "{0} in {1} bytes")
  @CsvSource({
    "libgreeter.so, 16", // NUL-padded to a multiple of 16, as the kernel pads
    "libgrüße.so, 16", // UTF-8, more bytes than characters
    "exactly16bytes.x, 16", // filling its length: no NUL at all
    "lib.so, 64"
  })
  void decodesTheHeaderAndTheName(String name, int paddedLength) {
    ByteBuffer read = concat(raw(3, IN_CLOSE_WRITE, 0, name, paddedLength));

    assertThat(InotifyEvent.decode(read, StandardCharsets.UTF_8))
        .containsExactly(new InotifyEvent(3, IN_CLOSE_WRITE, name));
  }

  @Test
  void decodesEveryEventOfOneRead() {
    ByteBuffer read = concat(
        raw(2, IN_CREATE | IN_ISDIR, 0, "plugins", 16),
        raw(3, IN_IGNORED, 0, "", 0),
        raw(-1, IN_Q_OVERFLOW, 0, "", 0),
        raw(3, IN_CLOSE_WRITE, 0, "libcounter.so", 32));

    assertThat(InotifyEvent.decode(read, StandardCharsets.UTF_8))
        .containsExactly(
            new InotifyEvent(2, IN_CREATE | IN_ISDIR, "plugins"),
            new InotifyEvent(3, IN_IGNORED, ""),
            new InotifyEvent(-1, IN_Q_OVERFLOW, ""),
            new InotifyEvent(3, IN_CLOSE_WRITE, "libcounter.so"));
  }

  @Test
  void readsFromTheBufferPositionAndIgnoresATrailingPartialHeader() {
    byte[] event = raw(3, IN_CLOSE_WRITE, 0, "lib.so", 16);
    ByteBuffer read = concat(new byte[5], event, new byte[InotifyEvent.HEADER_BYTES - 1]);
    read.position(5);

    assertThat(InotifyEvent.decode(read, StandardCharsets.UTF_8))
        .containsExactly(new InotifyEvent(3, IN_CLOSE_WRITE, "lib.so"));
  }

  @Test
  void emptyReadHasNoEvents() {
    assertThat(InotifyEvent.decode(ByteBuffer.allocate(0), StandardCharsets.UTF_8))
        .isEmpty();
  }

  @Test
  void anyTellsWhetherOneOfTheBitsIsSet() {
    InotifyEvent event = new InotifyEvent(1, IN_CREATE | IN_ISDIR, "plugins");

    assertThat(event.any(IN_ISDIR)).isTrue();
    assertThat(event.any(IN_CLOSE_WRITE | IN_CREATE)).isTrue();
    assertThat(event.any(IN_CLOSE_WRITE | IN_IGNORED)).isFalse();
  }
}
