package dev.reload.core.internal.observe;

import dev.reload.ReloadOutcome;
import java.util.Locale;

/**
 * The names an outcome goes by outside Java: the {@code outcome} and {@code step} tags of the
 * {@code reload.duration} meter and the fields of the {@code dev.reload.Reload} JFR event say the
 * same words, so a dashboard and a recording can be read side by side. Stateless and thread-safe.
 */
public final class OutcomeNames {

  private OutcomeNames() {}

  /** {@code swapped}, {@code rolled_back}, {@code failed} or {@code unchanged}. */
  static String outcome(ReloadOutcome outcome) {
    if (outcome instanceof ReloadOutcome.Swapped) {
      return "swapped";
    }
    if (outcome instanceof ReloadOutcome.RolledBack) {
      return "rolled_back";
    }
    if (outcome instanceof ReloadOutcome.Failed) {
      return "failed";
    }
    return "unchanged";
  }

  /** The failing step in lower case ({@code restore}), or null when nothing failed. */
  public static String failingStep(ReloadOutcome outcome) {
    return outcome instanceof ReloadOutcome.Failed failed
        ? failed.step().name().toLowerCase(Locale.ROOT)
        : null;
  }
}
