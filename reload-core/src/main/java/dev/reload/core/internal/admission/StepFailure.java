package dev.reload.core.internal.admission;

import dev.reload.ReloadStep;

/** A reload step failed; the message says why in words a person can act on. */
public final class StepFailure extends Exception {

  private static final long serialVersionUID = 1L;

  private final ReloadStep step;

  public StepFailure(ReloadStep step, String message) {
    super(message);
    this.step = step;
  }

  public StepFailure(ReloadStep step, String message, Throwable cause) {
    super(message, cause);
    this.step = step;
  }

  public ReloadStep step() {
    return step;
  }
}
