package dev.reload.core.internal;

import dev.reload.InvalidSettingsException;
import dev.reload.core.ReloadSettings;
import java.util.List;

/**
 * How a registry's bound interfaces call native code, resolved once at start from {@code
 * reload.binding} and what this JVM offers.
 */
enum CallPath {
  /** JNA direct mapping. */
  JNA("JNA direct mapping"),
  /** {@code java.lang.foreign} for every interface whose types it passes, JNA for the others. */
  FOREIGN_WHERE_POSSIBLE("java.lang.foreign (JNA for interfaces it cannot pass)"),
  /** {@code java.lang.foreign} only: an interface it cannot pass is refused. */
  FOREIGN_ONLY("java.lang.foreign only");

  private final String description;

  CallPath(String description) {
    this.description = description;
  }

  /**
   * The path {@code binding} asks for on this JVM.
   *
   * @throws InvalidSettingsException if it asks for {@code ffm} and this JVM or jar has none
   */
  static CallPath of(ReloadSettings.Binding binding) {
    String unavailable = ForeignCalls.unavailable();
    switch (binding) {
      case JNA:
        return JNA;
      case AUTO:
        return unavailable == null ? FOREIGN_WHERE_POSSIBLE : JNA;
      case FFM:
        if (unavailable != null) {
          throw new InvalidSettingsException(List.of("reload.binding = ffm cannot be used: "
              + unavailable + "; set reload.binding to auto (java.lang.foreign where available)"
              + " or jna"));
        }
        return FOREIGN_ONLY;
      default:
        throw new AssertionError(binding);
    }
  }

  boolean foreign() {
    return this != JNA;
  }

  @Override
  public String toString() {
    return description;
  }
}
