package dev.reload.testing;

import com.sun.jna.NativeLong;
import dev.reload.Symbol;

/**
 * Part of the counter plugin of {@link Sources#counter} with a JNA type: JNA's direct mapping
 * passes a {@link NativeLong} (a C long), {@code java.lang.foreign} passes no JNA type.
 */
public interface NativeLongApi {

  void counter_set(NativeLong value);

  @Symbol("counter_get")
  long get();
}
