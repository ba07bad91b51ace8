package dev.reload.core.internal.watch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;

/**
 * One event as {@code read(2)} returns it from an inotify descriptor ({@code struct
 * inotify_event}), with the mask bits of {@code <sys/inotify.h>} that the watcher uses.
 *
 * <p>Immutable and thread-safe.
 *
 * @param wd the watch descriptor the event is about
 * @param mask what happened ({@code IN_*} bits)
 * @param name the entry of the watched directory it happened to; empty for the directory itself
 */
record InotifyEvent(int wd, int mask, String name) {

  static final int IN_CLOSE_WRITE = 0x8;
  static final int IN_CLOSE_NOWRITE = 0x10;
  static final int IN_OPEN = 0x20;
  static final int IN_MOVED_FROM = 0x40;
  static final int IN_MOVED_TO = 0x80;
  static final int IN_CREATE = 0x100;
  static final int IN_DELETE = 0x200;
  static final int IN_DELETE_SELF = 0x400;
  static final int IN_MOVE_SELF = 0x800;
  static final int IN_Q_OVERFLOW = 0x4000;
  static final int IN_IGNORED = 0x8000;
  static final int IN_ONLYDIR = 0x01000000;
  static final int IN_DONT_FOLLOW = 0x02000000;
  static final int IN_ISDIR = 0x40000000;

  /** {@code wd}, {@code mask}, {@code cookie} and {@code len}, each a 32-bit word. */
  static final int HEADER_BYTES = 16;

  /** Whether any of {@code bits} is set in the mask. */
  boolean any(int bits) {
    return (mask & bits) != 0;
  }

  /**
   * The events in {@code buffer} from its position to its limit, laid out as the kernel writes
   * them: a header in native byte order, then {@code len} bytes of NUL-padded name. A trailing
   * partial header is ignored, as the kernel never writes one.
   *
   * @param names the charset the names are decoded with (the platform's, as for paths)
   */
  static List<InotifyEvent> decode(ByteBuffer buffer, Charset names) {
    ByteBuffer bytes = buffer.slice().order(ByteOrder.nativeOrder());
    List<InotifyEvent> events = new ArrayList<>();
    int offset = 0;
    while (offset + HEADER_BYTES <= bytes.limit()) {
      int wd = bytes.getInt(offset);
      int mask = bytes.getInt(offset + 4);
      int nameLength = Math.max(0, bytes.getInt(offset + 12)); // a corrupt length must not loop
      int nameStart = offset + HEADER_BYTES;
      int nameEnd = nameStart;
      int nameLimit = Math.min(nameStart + nameLength, bytes.limit());
      while (nameEnd < nameLimit && bytes.get(nameEnd) != 0) {
        nameEnd++;
      }
      byte[] name = new byte[nameEnd - nameStart];
      bytes.get(nameStart, name);
      events.add(new InotifyEvent(wd, mask, new String(name, names)));
      offset = nameStart + nameLength;
    }
    return events;
  }
}
