package dev.reload.testing;

import dev.reload.core.ReloadSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * The call paths of bound interfaces this JVM has: JNA everywhere, {@code java.lang.foreign} on
 * JDK 22 and newer. Tests of bound calls run once per path ({@code @ParameterizedClass} or
 * {@code @ParameterizedTest} with {@code @MethodSource("dev.reload.testing.Bindings#all")}), so
 * both keep every invariant.
 */
public final class Bindings {

  private Bindings() {}

  /** {@code JNA}, and {@code FFM} when this JDK has {@code java.lang.foreign}. */
  public static List<ReloadSettings.Binding> all() {
    List<ReloadSettings.Binding> all = new ArrayList<>(List.of(ReloadSettings.Binding.JNA));
    if (foreignAvailable()) {
      all.add(ReloadSettings.Binding.FFM);
    }
    return all;
  }

  /** Whether this JDK has {@code java.lang.foreign} (the build compiles its path there). */
  public static boolean foreignAvailable() {
    return Runtime.version().feature() >= 22;
  }
}
