package dev.reload.core.internal;

import dev.reload.ReloadStep;

/** A reload step failed; the message says why in words a person can act on. */
final class StepFailure extends Exception {

  private static final long serialVersionUID = 1L;

  private final ReloadStep step;

  StepFailure(ReloadStep step, String message) {
    super(message);
    this.step = step;
  }

  StepFailure(ReloadStep step, String message, Throwable cause) {
    super(message, cause);
    this.step = step;
  }

  ReloadStep step() {
    return step;
  }
}
