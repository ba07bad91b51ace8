package dev.reload.bench;

import dev.reload.PluginLease;
import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.ReloadEvent;
import dev.reload.core.RegistryBuilder;
import dev.reload.core.ReloadSettings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Republishes a stateful plugin (1 KiB of state moved by a {@link KibSnapshot}) and a stateless
 * one, by atomic rename of a new copy, many times while client threads call both; measures what
 * callers see, how fast a change is served, and what the process holds before and after. Then
 * runs the C baseline (inotify + dlopen, the physical limit) on the same renames.
 *
 * <p>With {@code --cold-starts N} it first measures the caller pause of the first reload in
 * {@code N} fresh JVMs ({@link ColdStarts}), which the warm figures leave out.
 *
 * <pre>ReloadHarness --native DIR --reloads N [--cold-starts N] --out reload.json --md
 * reload.md</pre>
 *
 * <p>A run is driven by its main thread (the publisher) and read by its caller threads; not
 * reusable, and nothing of it is meant to be called from other threads.
 */
public final class ReloadHarness {

  private static final String STATEFUL = "state";
  private static final String STATELESS = "stateless";
  private static final int VARIANTS = 4;
  private static final int BURST = 64;
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final NativeDir natives;
  private final int reloads;
  private final int baselineReloads;
  private final long paceNanos;
  /** The JVM's class-load log ({@code -Xlog:class+load...:uptimemillis}), or null. */
  private final Path classLog;
  /** Whether every candidate is first loaded in the preflight probe process. */
  private final boolean preflight;

  private final Path work;
  private final Path plugins;
  private final Path shadow;

  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong calls = new AtomicLong();
  private final AtomicLong failedCalls = new AtomicLong();
  private final AtomicLong increments = new AtomicLong();
  private final Queue<Long> pauses = new ConcurrentLinkedQueue<>();
  private final AtomicLong statelessBlocked = new AtomicLong();
  private final BlockingQueue<ReloadEvent> outcomes = new LinkedBlockingQueue<>();
  private final Target stateful = new Target();
  private final Target stateless = new Target();
  /** Caller threads that died of an exception (printed as it happens). */
  private final AtomicInteger callerErrors = new AtomicInteger();

  /** What the callers of one plugin are waiting to see. */
  private static final class Target {
    /** The build the publisher waits for: written by the publisher, read by the callers. */
    volatile int expected;

    final AtomicLong servedAt = new AtomicLong();
    /** The publisher, woken by the first call served by the expected build. */
    volatile Thread waiter;
    /** The build serving now. Confined to the publisher thread. */
    int current;

    void served(int version) {
      if (version == expected
          && servedAt.get() == 0
          && servedAt.compareAndSet(0, System.nanoTime())) {
        LockSupport.unpark(waiter);
      }
    }

    /**
     * Waits until the expected build has served a call, woken by that call rather than polling:
     * a publisher waking every few microseconds would take CPU from the callers it measures.
     */
    long awaitServed(Duration timeout) {
      long deadline = System.nanoTime() + timeout.toNanos();
      for (long left = timeout.toNanos();
          servedAt.get() == 0 && left > 0;
          left = deadline - System.nanoTime()) {
        LockSupport.parkNanos(this, left);
      }
      return servedAt.get();
    }
  }

  ReloadHarness(
      NativeDir natives,
      int reloads,
      int baselineReloads,
      long paceNanos,
      Path classLog,
      boolean preflight)
      throws IOException {
    this.classLog = classLog;
    this.preflight = preflight;
    this.natives = natives;
    this.reloads = reloads;
    this.baselineReloads = baselineReloads;
    this.paceNanos = paceNanos;
    this.work = Files.createTempDirectory("reload-harness");
    this.plugins = Files.createDirectories(work.resolve("plugins"));
    this.shadow = work.resolve("shadow");
  }

  public static void main(String[] arguments) throws Exception {
    Args args = Args.parse(arguments);
    int reloads = args.integer("reloads", 1_000);
    ReloadHarness harness = new ReloadHarness(
        new NativeDir(args.path("native").toAbsolutePath()),
        reloads,
        Math.min(reloads, args.integer("baseline-reloads", 1_000)),
        TimeUnit.MICROSECONDS.toNanos(args.integer("pace-micros", 10)),
        args.has("class-log") ? args.path("class-log") : null,
        args.flag("preflight"));
    // First, while nothing else runs: a fresh JVM's first reload, as servers meet it.
    ColdStarts coldStart = args.integer("cold-starts", 0) > 0
        ? ColdStarts.measure(harness.natives, args.integer("cold-starts", 0))
        : null;
    Result result = harness.run().withColdStart(coldStart);
    Files.createDirectories(args.path("out").toAbsolutePath().getParent());
    Files.writeString(args.path("out"), result.json());
    Files.writeString(args.path("md"), result.markdown());
    System.out.println(result.json());
  }

  Result run() throws Exception {
    natives.publish(0, library(STATEFUL));
    natives.publish(0, library(STATELESS));
    PluginRegistry registry = RegistryBuilder.of(ReloadSettings.builder()
            .searchPaths(plugins)
            .shadowDir(shadow)
            .debounce(Duration.ZERO)
            .preflight(preflight)
            .plugin(PluginSettings.builder(STATEFUL)
                .requiredSymbols("version", "counter_next", "state_get", "state_set")
                .build())
            .plugin(PluginSettings.builder(STATELESS)
                .requiredSymbols("version", "add")
                .build())
            .build())
        .stateSnapshot(STATEFUL, new KibSnapshot())
        .listener(event -> {
          if (event instanceof ReloadEvent.After || event instanceof ReloadEvent.Failed) {
            outcomes.add(event);
          }
        })
        .meterRegistry(new GatePauses((plugin, nanos) -> {
          if (plugin.equals(STATEFUL)) {
            pauses.add(nanos);
          } else {
            statelessBlocked.incrementAndGet();
          }
        }))
        .build();
    List<Thread> callers = List.of(
        caller("caller-stateful", () -> callStateful(registry)),
        caller("caller-stateless", () -> callStateless(registry)));
    callers.forEach(Thread::start);

    // Warm-up, past the probe's first recycling (200 candidates) when the preflight is on.
    publish(Math.max(250, reloads / 10), new ArrayList<>(), new ArrayList<>());
    settle();
    pauses.clear();
    statelessBlocked.set(0);
    // Load what measuring needs (libmanagement, the file walker) so it is in both snapshots.
    ProcessFacts.now();
    ProcessFacts.files(shadow);
    ProcessFacts before = ProcessFacts.afterFullGc();
    List<Long> statelessServing = new ArrayList<>();
    List<Long> statefulServing = new ArrayList<>();
    int[] done = publish(reloads, statelessServing, statefulServing);
    settle();
    ProcessFacts after = ProcessFacts.afterFullGc();
    long shadowFilesAfter = ProcessFacts.files(shadow);
    List<String> classesLoaded =
        classLog == null ? null : ProcessFacts.classesLoadedBetween(classLog, before, after);
    List<Long> baseline = runBaseline();

    running.set(false);
    for (Thread caller : callers) {
      caller.join(TIMEOUT.toMillis());
    }
    long lost;
    try (PluginLease lease = registry.plugin(STATEFUL).acquire()) {
      lost = increments.get() - (lease.invokeLong("counter_next") - 1);
    }
    registry.close();
    return new Result(
        done[0],
        done[1],
        calls.get(),
        failedCalls.get() + callerErrors.get(),
        Percentiles.of(pauses, 1e3),
        statelessBlocked.get(),
        Percentiles.of(statelessServing, 1e6),
        Percentiles.of(statefulServing, 1e6),
        Percentiles.of(baseline, 1e6),
        lost,
        before,
        after,
        shadowFilesAfter,
        classesLoaded,
        preflight,
        null);
  }

  private Path library(String plugin) {
    return plugins.resolve("lib" + plugin + ".so");
  }

  private Thread caller(String name, Runnable body) {
    Thread thread = new Thread(
        () -> {
          try {
            body.run();
          } catch (Throwable e) {
            callerErrors.incrementAndGet();
            e.printStackTrace();
          }
        },
        name);
    thread.setDaemon(true);
    return thread;
  }

  private void callStateful(PluginRegistry registry) {
    var plugin = registry.plugin(STATEFUL);
    while (running.get()) {
      try (PluginLease lease = plugin.acquire()) {
        int version = lease.invokeInt("version");
        lease.invokeLong("counter_next");
        increments.incrementAndGet();
        stateful.served(version);
      } catch (RuntimeException e) {
        failedCalls.incrementAndGet();
      }
      pace(calls.incrementAndGet());
    }
  }

  /**
   * The stateless plugin as a bound interface: its calls take the path reload.binding picks. Its
   * implementation is as thread-safe as the C function, which keeps no state.
   */
  public interface StatelessApi {
    int version();

    int add(int a, int b);
  }

  private void callStateless(PluginRegistry registry) {
    StatelessApi api = registry.plugin(STATELESS).bind(StatelessApi.class);
    while (running.get()) {
      try {
        int version = api.version();
        api.add(1, 2);
        stateless.served(version);
      } catch (RuntimeException e) {
        failedCalls.incrementAndGet();
      }
      pace(calls.incrementAndGet());
    }
  }

  /**
   * A short pause after every {@value #BURST} calls: the callers load the server, but leave it
   * CPU for its other threads, as a server under load (not saturated) does. Zero: call back to
   * back.
   */
  private void pace(long call) {
    if (paceNanos > 0 && call % BURST == 0) {
      LockSupport.parkNanos(paceNanos);
    }
  }

  /**
   * Republishes the two plugins in turn, {@code count} times, each time waiting for the reload's
   * outcome and for the first call served by the new build.
   *
   * @return reloads that swapped, and those that failed or timed out
   */
  private int[] publish(int count, List<Long> statelessServing, List<Long> statefulServing)
      throws InterruptedException {
    int swapped = 0;
    int failed = 0;
    for (int i = 0; i < count; i++) {
      boolean statefulTurn = i % 2 == 0;
      String plugin = statefulTurn ? STATEFUL : STATELESS;
      Target target = statefulTurn ? stateful : stateless;
      int next = target.current % VARIANTS + 1;
      target.servedAt.set(0);
      target.waiter = Thread.currentThread();
      target.expected = next;
      outcomes.clear();
      long renamedAt = natives.publish(next, library(plugin));
      ReloadEvent outcome = outcomes.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (!(outcome instanceof ReloadEvent.After)) {
        failed++;
        System.err.println("reload " + i + " of " + plugin + " did not swap: " + outcome);
        continue;
      }
      swapped++;
      target.current = next;
      long servedAt = target.awaitServed(TIMEOUT);
      if (servedAt != 0) {
        (statefulTurn ? statefulServing : statelessServing).add(servedAt - renamedAt);
      }
    }
    return new int[] {swapped, failed};
  }

  /**
   * Waits until only the current versions are mapped (outgoing ones are unmapped after draining).
   */
  private void settle() {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (ProcessFacts.mappedUnder(shadow) > 2 && System.nanoTime() < deadline) {
      LockSupport.parkNanos(1_000_000);
    }
  }

  /** The same renames, served by the C baseline in its own process. */
  private List<Long> runBaseline() throws IOException, InterruptedException {
    Path dir = Files.createDirectories(work.resolve("baseline"));
    Path copies = Files.createDirectories(work.resolve("baseline-shadow"));
    Process process = new ProcessBuilder(
            natives.baseline().toString(), dir.toString(), "libbench.so", copies.toString())
        .redirectErrorStream(true)
        .start();
    List<Long> samples = new ArrayList<>();
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))) {
      String ready = out.readLine();
      if (!"ready".equals(ready)) {
        throw new IllegalStateException("baseline did not start: " + ready);
      }
      for (int i = 0; i < baselineReloads; i++) {
        int next = i % VARIANTS + 1;
        long renamedAt = natives.publish(next, dir.resolve("libbench.so"));
        String line = out.readLine();
        String[] fields = line == null ? new String[0] : line.split(" ");
        if (fields.length != 2 || Integer.parseInt(fields[1]) != next) {
          throw new IllegalStateException("baseline answered '" + line + "' for build " + next);
        }
        samples.add(Long.parseLong(fields[0]) - renamedAt);
      }
      process.getOutputStream().close();
    } finally {
      if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
      }
    }
    return samples;
  }

  /** Every figure of one run. */
  record Result(
      int reloads,
      int failedReloads,
      long calls,
      long failedCalls,
      Percentiles pause,
      long statelessCallersBlocked,
      Percentiles changeToServing,
      Percentiles statefulChangeToServing,
      Percentiles baseline,
      long lostIncrements,
      ProcessFacts before,
      ProcessFacts after,
      long shadowFilesAfter,
      List<String> classesLoaded,
      boolean preflight,
      ColdStarts coldStart) {

    /** These figures with the first-reload pauses of fresh JVMs, or none. */
    Result withColdStart(ColdStarts coldStart) {
      return new Result(
          reloads,
          failedReloads,
          calls,
          failedCalls,
          pause,
          statelessCallersBlocked,
          changeToServing,
          statefulChangeToServing,
          baseline,
          lostIncrements,
          before,
          after,
          shadowFilesAfter,
          classesLoaded,
          preflight,
          coldStart);
    }

    /**
     * Whether no class was loaded per reload: of the classes loaded during the reloads and still
     * loaded after them, the JDK's own (the JIT loads some lazily) and lambda forms are loaded once
     * per shape, and every other class's family (its name without a trailing number or hidden-class
     * suffix, so that numbered generated classes count together) appears at most once: a class a
     * library loads on first use, or a generated class that serves the versions mapped now. A
     * class generated per reload and kept would appear once per reload.
     */
    boolean onlyOneTimeClassesLoaded() {
      return classesLoaded != null
          && classesLoaded.stream()
              .filter(name -> !(name.contains("(jrt:/")
                  || name.contains("(shared objects file")
                  || name.contains("$$Lambda")
                  || name.contains("LambdaForm$")))
              .collect(java.util.stream.Collectors.groupingBy(
                  Result::family, java.util.stream.Collectors.counting()))
              .values()
              .stream()
              .allMatch(count -> count <= 1);
    }

    /** A loaded class's name without its source, hidden-class suffix or trailing number. */
    private static String family(String loaded) {
      String name = loaded.contains(" (") ? loaded.substring(0, loaded.indexOf(" (")) : loaded;
      name = name.contains("/0x") ? name.substring(0, name.indexOf("/0x")) : name;
      return name.replaceAll("\\d+$", "");
    }

    String json() {
      return String.format(
          Locale.ROOT,
          """
          {
            "reloads": %d,
            "failedReloads": %d,
            "calls": %d,
            "failedCalls": %d,
            "stateBytes": %d,
            "pauseMicros": %s,
            "pausedCalls": %d,
            "coldStart": %s,
            "statelessCallersBlocked": %d,
            "changeToServingMillis": %s,
            "statefulChangeToServingMillis": %s,
            "baselineChangeToServingMillis": %s,
            "preflight": "%s",
            "lostIncrements": %d,
            "leak": {
              "mappedLibrariesBefore": %d, "mappedLibrariesAfter": %d,
              "openFdsBefore": %d, "openFdsAfter": %d,
              "threadsBefore": %d, "threadsAfter": %d,
              "loadedClassesBefore": %d, "loadedClassesAfter": %d,
              "shadowFilesAfter": %d,
              "classesLoadedDuringReloads": %s
            }
          }
          """,
          reloads,
          failedReloads,
          calls,
          failedCalls,
          KibSnapshot.STATE_BYTES,
          pause.json(true),
          pause.count(),
          coldStart == null ? "null" : coldStart.json(),
          statelessCallersBlocked,
          changeToServing.json(false),
          statefulChangeToServing.json(false),
          baseline.json(false),
          preflight ? "on" : "off",
          lostIncrements,
          before.mappedLibraries(),
          after.mappedLibraries(),
          before.openFds(),
          after.openFds(),
          before.threads(),
          after.threads(),
          before.loadedClasses(),
          after.loadedClasses(),
          shadowFilesAfter,
          classesLoaded == null
              ? "null"
              : classesLoaded.stream()
                  .map(name -> "\"" + name + "\"")
                  .collect(java.util.stream.Collectors.joining(", ", "[", "]")));
    }

    String markdown() {
      StringBuilder md = new StringBuilder("| reload under load (" + reloads + " reloads, "
          + calls + " calls, preflight " + (preflight ? "on" : "off")
          + ") | measured | target | met |\n|---|---|---|---|\n");
      row(md, "failed calls", String.valueOf(failedCalls), "0", failedCalls == 0);
      row(md, "failed reloads", String.valueOf(failedReloads), "0", failedReloads == 0);
      row(
          md,
          "increments lost or repeated",
          String.valueOf(lostIncrements),
          "0",
          lostIncrements == 0);
      row(
          md,
          "caller pause at the gate, µs (1 KiB state): p50 / p99 / max",
          String.format(
              Locale.ROOT,
              "%.0f / %.0f / %.0f (%d calls)",
              pause.p50(),
              pause.p99(),
              pause.max(),
              pause.count()),
          "p99 ≤ 1000",
          pause.p99() <= 1000);
      if (coldStart != null) {
        row(
            md,
            "same, first reload after start, µs: median of "
                + coldStart.pauseMicros().size() + " fresh JVMs (each)",
            coldStart.measured(),
            "median ≤ 1000",
            coldStart.medianMicros() <= 1000);
      }
      row(
          md,
          "stateless callers blocked",
          String.valueOf(statelessCallersBlocked),
          "0",
          statelessCallersBlocked == 0);
      row(
          md,
          "rename → first call on the new build, ms, stateless: p50 / p99",
          String.format(Locale.ROOT, "%.2f / %.2f", changeToServing.p50(), changeToServing.p99()),
          preflight ? "reported" : "p50 ≤ 5 (preflight off)",
          preflight || changeToServing.p50() <= 5);
      row(
          md,
          "same, stateful: p50 / p99",
          String.format(
              Locale.ROOT,
              "%.2f / %.2f",
              statefulChangeToServing.p50(),
              statefulChangeToServing.p99()),
          "–",
          true);
      row(
          md,
          "physical limit (C: inotify + copy + dlopen), ms: p50 / p99",
          String.format(Locale.ROOT, "%.2f / %.2f", baseline.p50(), baseline.p99()),
          "–",
          true);
      row(
          md,
          "mapped libraries before / after",
          before.mappedLibraries() + " / " + after.mappedLibraries(),
          "equal",
          before.mappedLibraries() == after.mappedLibraries());
      row(
          md,
          "open fds before / after",
          before.openFds() + " / " + after.openFds(),
          "equal",
          before.openFds() == after.openFds());
      row(
          md,
          "threads before / after",
          before.threads() + " / " + after.threads(),
          "equal",
          before.threads() == after.threads());
      row(
          md,
          "loaded classes before / after",
          before.loadedClasses() + " / "
              + after.loadedClasses()
              + (classesLoaded == null || classesLoaded.isEmpty()
                  ? ""
                  : " (loaded meanwhile: " + String.join(", ", classesLoaded) + ")"),
          "equal, or no class loaded per reload (JDK classes, lambdas, a class loaded once)",
          before.loadedClasses() == after.loadedClasses() || onlyOneTimeClassesLoaded());
      row(
          md,
          "shadow files after",
          String.valueOf(shadowFilesAfter),
          "4 (current + previous of 2 plugins)",
          shadowFilesAfter == 4);
      return md.toString();
    }

    private static void row(
        StringBuilder md, String what, String measured, String target, boolean met) {
      md.append("| ")
          .append(what)
          .append(" | ")
          .append(measured)
          .append(" | ")
          .append(target)
          .append(" | ")
          .append(target.equals("–") ? "" : met ? "yes" : "**no**")
          .append(" |\n");
    }
  }
}
