package dev.reload.example;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * One line of the admin page's timeline: a reload, rollback, add or remove that ended, as {@link
 * RecentReloads} saw it. Immutable and thread-safe.
 *
 * @param id the position in the server's sequence of records, from 1; a page shows each id once
 * @param at when the server saw it end
 * @param plugin the plugin's name
 * @param kind {@code reload}, {@code rollback}, {@code add} or {@code remove}
 * @param outcome {@code swapped}, {@code rolled_back}, {@code failed}, {@code added} or {@code
 *     removed}
 * @param from the generation serving before, or 0 for an add
 * @param to the generation serving after: {@code from} again after a failure, 0 after a remove
 * @param duration how long the reload took, from admission to its end; null for an add or remove
 * @param gated how long new calls of a stateful plugin were held at its gate; null where the
 *     gate never closed (a stateless plugin, a failure before the candidate loaded, an add or
 * remove)
 * @param reason why it failed, or null
 */
record ReloadRecord(
    long id,
    Instant at,
    String plugin,
    String kind,
    String outcome,
    long from,
    long to,
    Duration duration,
    Duration gated,
    String reason) {

  /** This record as a JSON object; durations in milliseconds with microsecond precision. */
  String json() {
    return "{\"id\": " + id
        + ", \"at\": " + Json.string(at.toString())
        + ", \"plugin\": " + Json.string(plugin)
        + ", \"kind\": " + Json.string(kind)
        + ", \"outcome\": " + Json.string(outcome)
        + ", \"from\": " + from
        + ", \"to\": " + to
        + ", \"millis\": " + millis(duration)
        + ", \"gatedMillis\": " + millis(gated)
        + ", \"reason\": " + Json.string(reason) + "}";
  }

  private static String millis(Duration duration) {
    return duration == null ? "null" : String.format(Locale.ROOT, "%.3f", duration.toNanos() / 1e6);
  }
}
