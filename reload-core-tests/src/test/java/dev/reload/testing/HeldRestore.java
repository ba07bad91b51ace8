package dev.reload.testing;

import dev.reload.PluginLease;
import dev.reload.spi.StatePayload;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A counter snapshot whose restore stops until the test releases it, so a test can act while a
 * stateful reload holds its gate closed.
 */
public final class HeldRestore extends CounterSnapshot {

  private final CountDownLatch entered = new CountDownLatch(1);
  private final CountDownLatch released = new CountDownLatch(1);

  /** Waits until a reload is inside restore (its gate closed); false after 5 s. */
  public boolean awaitEntered() throws InterruptedException {
    return entered.await(5, TimeUnit.SECONDS);
  }

  /** Lets the held restore finish. */
  public void release() {
    released.countDown();
  }

  @Override
  public void restore(PluginLease incoming, StatePayload payload) {
    entered.countDown();
    try {
      // Never lets go on its own: a test that forgot to release fails here, not in its asserts.
      if (!released.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the held restore was never released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the restore was held", e);
    }
    super.restore(incoming, payload);
  }
}
