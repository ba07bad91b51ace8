package dev.reload.example;

import dev.reload.Plugin;
import dev.reload.PluginRegistry;
import dev.reload.ReloadEvent;
import dev.reload.ReloadKind;
import dev.reload.ReloadListener;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * The last {@value #CAPACITY} reloads, rollbacks, adds and removes the registry reported, kept in
 * memory for the admin page's timeline ({@code GET /reloads}); older ones are dropped.
 *
 * <p>The events give each reload's outcome and duration but not how long callers waited. The
 * gate of a stateful plugin closes just after {@link ReloadEvent.Before} and opens just before
 * {@link ReloadEvent.After} (or {@link ReloadEvent.Failed}), so the time between the two, read
 * on the reload thread, bounds every caller's pause: that is {@link ReloadRecord#gated()}. The
 * {@code reload.gate.pause} meter has each caller's own pause.
 *
 * <p>Thread-safe: the registry calls it from its reload thread and from the threads that add and
 * remove plugins, the HTTP threads read it; one lock guards both fields and is never held while
 * calling out.
 */
final class RecentReloads implements ReloadListener {

  static final int CAPACITY = 100;

  private final int capacity;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final Predicate<String> stateful;
  private final Object lock = new Object();
  /** Newest first, at most {@link #capacity}. Guarded by {@link #lock}. */
  private final Deque<ReloadRecord> records = new ArrayDeque<>();
  /** {@link #nanoTime} at the Before of each plugin's reload in progress. Guarded by {@link #lock}. */
  private final Map<String, Long> beforeAt = new HashMap<>();
  /** The id of the last record. Guarded by {@link #lock}. */
  private long lastId;

  @Inject
  RecentReloads(Provider<PluginRegistry> registry) {
    this(CAPACITY, Clock.systemUTC(), System::nanoTime, name -> isStateful(registry, name));
  }

  /**
   * @param stateful whether the named plugin has a {@code StateSnapshot}, so that its callers wait
   *     at the gate during a reload
   */
  RecentReloads(int capacity, Clock clock, LongSupplier nanoTime, Predicate<String> stateful) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive, was " + capacity);
    }
    this.capacity = capacity;
    this.clock = clock;
    this.nanoTime = nanoTime;
    this.stateful = stateful;
  }

  private static boolean isStateful(Provider<PluginRegistry> registry, String name) {
    try {
      return registry.get().find(name).map(Plugin::stateful).orElse(false);
    } catch (IllegalStateException e) {
      return false; // the registry is still starting (or stopping): the gate time stays unknown
    }
  }

  @Override
  public void onEvent(ReloadEvent event) {
    long now = nanoTime.getAsLong();
    if (event instanceof ReloadEvent.Before) {
      synchronized (lock) {
        beforeAt.put(event.plugin(), now);
      }
      return;
    }
    Long before;
    synchronized (lock) {
      before = beforeAt.remove(event.plugin());
    }
    Duration gated = before != null && stateful.test(event.plugin())
        ? Duration.ofNanos(now - before) : null;
    if (event instanceof ReloadEvent.After after) {
      add(after.plugin(), "reload", "swapped", after.from().generation(), after.to().generation(),
          after.duration(), gated, null);
    } else if (event instanceof ReloadEvent.RolledBack back) {
      add(back.plugin(), "rollback", "rolled_back", back.from().generation(),
          back.to().generation(), back.duration(), gated, null);
    } else if (event instanceof ReloadEvent.Failed failed) {
      long generation = failed.current().generation();
      add(failed.plugin(), failed.kind() == ReloadKind.ROLLBACK ? "rollback" : "reload", "failed",
          generation, generation, failed.duration(), gated, failed.reason());
    } else if (event instanceof ReloadEvent.Added added) {
      add(added.plugin(), "add", "added", 0, added.current().generation(), null, null, null);
    } else if (event instanceof ReloadEvent.Removed removed) {
      add(removed.plugin(), "remove", "removed", removed.last().generation(), 0, null, null, null);
    } else {
      throw new IllegalArgumentException("unexpected reload event: " + event);
    }
  }

  private void add(String plugin, String kind, String outcome, long from, long to,
      Duration duration, Duration gated, String reason) {
    synchronized (lock) {
      records.addFirst(new ReloadRecord(++lastId, clock.instant(), plugin, kind, outcome, from, to,
          duration, gated, reason));
      if (records.size() > capacity) {
        records.removeLast();
      }
    }
  }

  /** The records kept, newest first. */
  List<ReloadRecord> newestFirst() {
    synchronized (lock) {
      return new ArrayList<>(records);
    }
  }

  /** The records kept as a JSON array, newest first. */
  String json() {
    return Json.array(newestFirst().stream().map(ReloadRecord::json));
  }
}
