package dev.reload.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The example server under HTTP load: starts its shaded jar with the settings it ships with,
 * serving the greeter and counter plugins built with gcc from {@code native-plugins}' sources in
 * a temporary plugin directory, and drives {@code GET /count} with {@code wrk}: while the counter
 * is rebuilt with gcc and republished by atomic rename every 200 ms; and, to tell the server's own
 * cost of reloading from that of gcc sharing the CPU, while gcc builds at that pace but nothing is
 * published, and in {@link #PAIRS} pairs of a quiet run and one while builds made beforehand are
 * renamed in at that pace (the pairs the targets judge, see {@link HttpReport}). A warm-up run with
 * republishing comes first and is not reported, so that every measured run meets a JIT-compiled
 * server and reload path. Writes {@code http.json} and an .md table.
 *
 * <pre>HttpLoad --server-jar example-server/target/example-server.jar
 *     --plugin-sources native-plugins/src/main/c --out http.json --md http.md
 *     [--connections 8] [--seconds 10] [--warmup-seconds 5] [--reload-every-millis 200]</pre>
 *
 * <p>Runs on one thread (the republisher has its own); not meant to be used concurrently.
 */
public final class HttpLoad {

  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(30);
  /**
   * Pairs of a quiet run and one of renamed-in builds. A neighbour on a shared machine can slow
   * it for some seconds; the median pair is immune to one such run, a single pair is not.
   */
  private static final int PAIRS = 5;

  private final Path jar;
  private final Path sources;
  private final int connections;
  private final Duration duration;
  private final Duration warmup;
  private final Duration interval;

  HttpLoad(
      Path jar,
      Path sources,
      int connections,
      Duration duration,
      Duration warmup,
      Duration interval) {
    this.jar = jar;
    this.sources = sources;
    this.connections = connections;
    this.duration = duration;
    this.warmup = warmup;
    this.interval = interval;
  }

  public static void main(String[] arguments) throws Exception {
    Args args = Args.parse(arguments);
    HttpReport report = new HttpLoad(
            args.path("server-jar").toAbsolutePath(),
            args.path("plugin-sources").toAbsolutePath(),
            args.integer("connections", 8),
            Duration.ofSeconds(args.integer("seconds", 10)),
            Duration.ofSeconds(args.integer("warmup-seconds", 5)),
            Duration.ofMillis(args.integer("reload-every-millis", 200)))
        .run();
    Path out = args.path("out").toAbsolutePath();
    Files.createDirectories(out.getParent());
    Files.writeString(out, report.json());
    Files.writeString(args.path("md"), report.markdown());
    System.out.println(report.json());
  }

  HttpReport run() throws Exception {
    Path work = Files.createTempDirectory("http-load");
    // Kept afterwards: the server's log (server.err) has one line per reload with its timings.
    System.err.println("HTTP load run in " + work);
    Path plugins = Files.createDirectories(work.resolve("plugins"));
    new PluginBuilds(
            Files.readString(sources.resolve("greeter.c")),
            work.resolve("build-greeter"),
            plugins.resolve("libgreeter.so"))
        .publishNext();
    PluginBuilds counter = new PluginBuilds(
        Files.readString(sources.resolve("counter.c")),
        work.resolve("build-counter"),
        plugins.resolve("libcounter.so"));
    counter.publishNext();
    try (ExampleServerProcess server =
        ExampleServerProcess.start(jar, plugins, work.resolve("shadow"), work)) {
      Wrk wrk = new Wrk(connections, duration, work);
      measure(server, new Wrk(connections, warmup, work), counter, counter::publishNext);
      HttpRun rebuilt = measure(server, wrk, counter, counter::publishNext);
      // Its two halves apart: gcc at the same pace with nothing published (gcc's share of the
      // CPU), and builds made beforehand renamed in (what the server's reloads cost), each of the
      // latter next to a quiet run: the pairs the targets judge.
      HttpRun gccOnly = measure(server, wrk, counter, () -> delete(counter.build()));
      List<HttpRun> quiet = new ArrayList<>();
      List<HttpRun> renamed = new ArrayList<>();
      for (int pair = 0; pair < PAIRS; pair++) {
        // Each in turn first, so that a drift of the machine favours neither.
        if (pair % 2 == 0) {
          quiet.add(measure(server, wrk, counter, null));
          renamed.add(measureRenamed(server, wrk, counter));
        } else {
          renamed.add(measureRenamed(server, wrk, counter));
          quiet.add(measure(server, wrk, counter, null));
        }
      }
      return new HttpReport(
          wrk.commandLine(server.uri("/count")),
          interval,
          quiet,
          rebuilt,
          gccOnly,
          renamed,
          server.stop());
    }
  }

  /** A run while builds made beforehand (not timed) are renamed in every {@link #interval}. */
  private HttpRun measureRenamed(ExampleServerProcess server, Wrk wrk, PluginBuilds counter)
      throws IOException, InterruptedException {
    Deque<Path> prebuilt = new ArrayDeque<>();
    for (long i = 0; i <= duration.toMillis() / interval.toMillis() + 1; i++) {
      prebuilt.add(counter.build());
    }
    return measure(server, wrk, counter, () -> {
      if (!prebuilt.isEmpty()) {
        counter.publish(prebuilt.remove());
      }
    });
  }

  private static void delete(Path file) {
    try {
      Files.delete(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * One wrk run between two reads of the counter, while {@code republish} (if not null) runs
   * every {@link #interval}.
   */
  private HttpRun measure(
      ExampleServerProcess server, Wrk wrk, PluginBuilds counter, Runnable republish)
      throws IOException, InterruptedException {
    long generation = server.counterGeneration();
    ServerCost spent = ServerCost.of(server);
    long before = server.nextCount();
    Wrk.Result result;
    int published = 0;
    if (republish != null) {
      Republisher republisher = Republisher.start(republish, interval);
      try {
        result = wrk.run(server.uri("/count"));
      } finally {
        republisher.close();
      }
      published = republisher.published();
      // The last build may still be on its way in: wait until it serves, so that the next run
      // starts quiet and every reload of this run is counted here.
      server.awaitCounterBuild(counter.lastSha256(), SETTLE_TIMEOUT);
    } else {
      result = wrk.run(server.uri("/count"));
    }
    // wrk has closed its connections; requests it left in flight finish within microseconds.
    // Give them a moment so the read after is not overtaken by one (see HttpRun).
    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
    long after = server.nextCount();
    return new HttpRun(
        result,
        connections,
        before,
        after,
        published,
        server.counterGeneration() - generation,
        ServerCost.of(server).minus(spent));
  }
}
