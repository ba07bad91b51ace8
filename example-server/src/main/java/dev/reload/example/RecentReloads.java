package dev.reload.example;

import dev.reload.ReloadEvent;
import dev.reload.ReloadKind;
import dev.reload.ReloadListener;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The last {@value #CAPACITY} reloads, rollbacks, adds and removes the registry reported, kept in
 * memory for the admin page's timeline ({@code GET /reloads}); older ones are dropped.
 *
 * <p>Thread-safe: the registry calls it from its reload thread and from the threads that add and
 * remove plugins, the HTTP threads read it; one lock guards its fields and is never held while
 * calling out.
 */
final class RecentReloads implements ReloadListener {

  static final int CAPACITY = 100;

  private final int capacity;
  private final Clock clock;
  private final Object lock = new Object();
  /** Newest first, at most {@link #capacity}. Guarded by {@link #lock}. */
  private final Deque<ReloadRecord> records = new ArrayDeque<>();
  /** The id of the last record. Guarded by {@link #lock}. */
  private long lastId;

  @Inject
  RecentReloads() {
    this(CAPACITY, Clock.systemUTC());
  }

  RecentReloads(int capacity, Clock clock) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive, was " + capacity);
    }
    this.capacity = capacity;
    this.clock = clock;
  }

  @Override
  public void onEvent(ReloadEvent event) {
    if (event instanceof ReloadEvent.Before) {
      return; // the timeline shows reloads that ended
    }
    if (event instanceof ReloadEvent.After after) {
      add(
          after.plugin(),
          "reload",
          "swapped",
          after.from().generation(),
          after.to().generation(),
          after.duration(),
          gatedOrNull(after.gated()),
          null);
    } else if (event instanceof ReloadEvent.RolledBack back) {
      add(
          back.plugin(),
          "rollback",
          "rolled_back",
          back.from().generation(),
          back.to().generation(),
          back.duration(),
          gatedOrNull(back.gated()),
          null);
    } else if (event instanceof ReloadEvent.Failed failed) {
      long generation = failed.current().generation();
      add(
          failed.plugin(),
          failed.kind() == ReloadKind.ROLLBACK ? "rollback" : "reload",
          "failed",
          generation,
          generation,
          failed.duration(),
          gatedOrNull(failed.gated()),
          failed.reason());
    } else if (event instanceof ReloadEvent.Added added) {
      add(added.plugin(), "add", "added", 0, added.current().generation(), null, null, null);
    } else if (event instanceof ReloadEvent.Removed removed) {
      add(removed.plugin(), "remove", "removed", removed.last().generation(), 0, null, null, null);
    } else {
      throw new IllegalArgumentException("unexpected reload event: " + event);
    }
  }

  /** A gate that never closed is no pause: null, as the record says. */
  private static Duration gatedOrNull(Duration gated) {
    return gated.isZero() ? null : gated;
  }

  private void add(
      String plugin,
      String kind,
      String outcome,
      long from,
      long to,
      Duration duration,
      Duration gated,
      String reason) {
    synchronized (lock) {
      records.addFirst(new ReloadRecord(
          ++lastId, clock.instant(), plugin, kind, outcome, from, to, duration, gated, reason));
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
