package dev.reload.spi;

import java.util.Arrays;
import java.util.Objects;

/**
 * A captured plugin state: opaque bytes tagged with the layout version that wrote them, so a
 * newer {@link StateSnapshot#restore} can migrate an older layout. Immutable: the bytes are
 * copied in and out.
 */
public final class StatePayload {

  private final int layout;
  private final byte[] data;

  private StatePayload(int layout, byte[] data) {
    this.layout = layout;
    this.data = data;
  }

  /**
   * {@return a payload of layout {@code layout} holding a copy of {@code data}}
   *
   * @param layout the layout version the bytes are written in
   * @param data the captured bytes, copied
   */
  public static StatePayload of(int layout, byte[] data) {
    Objects.requireNonNull(data, "data");
    return new StatePayload(layout, data.clone());
  }

  /**
   * {@return a payload holding one 64-bit value, big-endian}
   *
   * @param layout the layout version the value is written in
   * @param value the captured value
   */
  public static StatePayload ofLong(int layout, long value) {
    return new StatePayload(
        layout, java.nio.ByteBuffer.allocate(Long.BYTES).putLong(value).array());
  }

  /** {@return the layout version the payload was captured in} */
  public int layout() {
    return layout;
  }

  /** {@return a copy of the captured bytes} */
  public byte[] data() {
    return data.clone();
  }

  /** {@return the payload as one 64-bit value written by {@link #ofLong}} */
  public long asLong() {
    if (data.length != Long.BYTES) {
      throw new IllegalStateException(
          "payload holds " + data.length + " bytes, not the " + Long.BYTES + " of a long");
    }
    return java.nio.ByteBuffer.wrap(data).getLong();
  }

  /** {@return the number of captured bytes} */
  public int size() {
    return data.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StatePayload other
        && layout == other.layout
        && Arrays.equals(data, other.data);
  }

  @Override
  public int hashCode() {
    return 31 * layout + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "StatePayload[layout=" + layout + ", " + data.length + " bytes]";
  }
}
