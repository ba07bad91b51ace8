package dev.reload.bench;

import java.util.Locale;

/**
 * One wrk run against the example server's {@code /count}, and what the server's counter did
 * meanwhile. Immutable.
 *
 * <p>The counter check: {@code GET /count} returns the counter after its own increment, so
 * between a read before the run ({@code before}) and one after it ({@code after}) the requests
 * of the run advanced it by {@code after - before - 1}. Each 2xx response wrk counted is one
 * increment. wrk sends the next request on a connection only once the previous response is in,
 * so when it stops at most one request per connection is in flight: the server may have counted
 * it although wrk did not. A request that ended in a socket error may or may not have been
 * counted as well. Hence the counter is exact when the advance lies between the 2xx responses
 * and that number plus the connections plus the socket errors; anything below means lost
 * increments, anything above, repeated ones.
 *
 * @param published steps the republisher ran during the run: builds made, renamed in, or both
 * @param reloads reloads of the counter that swapped during the run (its generation's advance)
 * @param server what the server spent during the run
 */
record HttpRun(
    Wrk.Result wrk,
    int connections,
    long before,
    long after,
    int published,
    long reloads,
    ServerCost server) {

  /** Increments the run made. */
  long advance() {
    return after - before - 1;
  }

  /** The most increments that wrk may not have counted. */
  long inFlightAllowed() {
    return connections + wrk.socketErrors();
  }

  /** Increments beyond the 2xx responses wrk counted (requests in flight at its end). */
  long uncounted() {
    return advance() - wrk.served();
  }

  boolean counterExact() {
    return uncounted() >= 0 && uncounted() <= inFlightAllowed();
  }

  String json() {
    return String.format(
        Locale.ROOT,
        "{%s, \"published\": %d, \"reloads\": %d, \"counter\":"
            + " {\"before\": %d, \"after\": %d, \"advance\": %d, \"served2xx\": %d,"
            + " \"inFlightAllowed\": %d, \"exact\": %s}, \"server\": %s}",
        wrk.json(),
        published,
        reloads,
        before,
        after,
        advance(),
        wrk.served(),
        inFlightAllowed(),
        counterExact(),
        server.json());
  }
}
