package dev.reload.bench;

import dev.reload.PluginLease;
import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.ReloadEvent;
import dev.reload.core.RegistryBuilder;
import dev.reload.core.ReloadSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The first reload of a stateful plugin in this freshly started JVM, as a server meets it: callers
 * call the counter through {@code bind()} until their own path is warm, then gcc rebuilds the
 * counter, the build is renamed into place, the registry reloads it (1 KiB of state moved by a
 * {@link KibSnapshot}), and the callers' waits at the gate are taken from the public {@code
 * reload.gate.pause} timer ({@link GatePauses}), as {@link ReloadHarness} takes them for warm
 * reloads. {@link ColdStarts} runs it in fresh JVMs; it prints one line, {@link #REPORT} followed
 * by {@code swapped=<bool> lost=<increments lost or repeated> pauses=<nanos,...>}.
 *
 * <pre>ColdStartRun --native DIR</pre>
 *
 * <p>Runs once per process, on its main thread and two caller threads; not reusable, and not
 * thread-safe beyond that.
 */
public final class ColdStartRun {

  /** The start of the one line the parent reads. */
  static final String REPORT = "cold-start ";

  private static final String PLUGIN = "counter";
  private static final int CALLERS = 2;
  /** Calls made through the bound interface before the rebuild: the callers' own path is warm. */
  private static final long WARM_CALLS = 500_000;

  private static final int BURST = 64;
  private static final long PACE_NANOS = TimeUnit.MICROSECONDS.toNanos(10);
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /**
   * The counter's exports the callers use; public, so {@code bind()} maps it directly. Thread-safe
   * as the library is: its counter is atomic.
   */
  public interface Counter {
    long counter_next();

    int version();
  }

  private final NativeDir natives;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong calls = new AtomicLong();
  private final AtomicLong increments = new AtomicLong();
  private final Queue<Long> pauses = new ConcurrentLinkedQueue<>();
  private final BlockingQueue<ReloadEvent> outcomes = new LinkedBlockingQueue<>();
  /** The first error of a caller thread, if any. */
  private final AtomicReference<Throwable> callerError = new AtomicReference<>();

  private ColdStartRun(NativeDir natives) {
    this.natives = natives;
  }

  public static void main(String[] arguments) throws Exception {
    Args args = Args.parse(arguments);
    System.out.println(new ColdStartRun(new NativeDir(args.path("native").toAbsolutePath())).run());
  }

  private String run() throws Exception {
    Path work = Files.createTempDirectory("reload-cold-start");
    try {
      Path plugins = Files.createDirectories(work.resolve("plugins"));
      Path library = plugins.resolve("lib" + PLUGIN + ".so");
      natives.publish(0, library);
      try (PluginRegistry registry = registry(plugins, work.resolve("shadow"))) {
        return measure(registry, library);
      }
    } finally {
      try (Stream<Path> files = Files.walk(work)) {
        for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(file);
        }
      }
    }
  }

  private PluginRegistry registry(Path plugins, Path shadow) {
    return RegistryBuilder.of(ReloadSettings.builder()
            .searchPaths(plugins)
            .shadowDir(shadow)
            .debounce(Duration.ZERO)
            .preflight(false)
            .plugin(PluginSettings.builder(PLUGIN)
                .requiredSymbols("version", "counter_next", "state_get", "state_set")
                .build())
            .build())
        .stateSnapshot(PLUGIN, new KibSnapshot())
        .listener(event -> {
          if (event instanceof ReloadEvent.After || event instanceof ReloadEvent.Failed) {
            outcomes.add(event);
          }
        })
        .meterRegistry(new GatePauses((plugin, nanos) -> pauses.add(nanos)))
        .build();
  }

  private String measure(PluginRegistry registry, Path library) throws Exception {
    Counter counter = registry.plugin(PLUGIN).bind(Counter.class);
    int rebuilt = 1;
    AtomicLong[] seen = new AtomicLong[CALLERS];
    Thread[] callers = new Thread[CALLERS];
    for (int i = 0; i < CALLERS; i++) {
      AtomicLong version = seen[i] = new AtomicLong();
      callers[i] = new Thread(() -> call(counter, version), "caller-" + i);
      callers[i].setDaemon(true);
      callers[i].start();
    }
    awaitOrFail(() -> calls.get() >= WARM_CALLS, "the callers' warm-up");

    rebuild(rebuilt, library);
    ReloadEvent outcome = outcomes.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    boolean swapped = outcome instanceof ReloadEvent.After;
    if (swapped) {
      // A caller records its pause before its first call on the new build returns.
      awaitOrFail(
          () -> Stream.of(seen).allMatch(v -> v.get() == rebuilt), "callers on the rebuild");
    }
    running.set(false);
    for (Thread caller : callers) {
      caller.join(TIMEOUT.toMillis());
    }
    if (callerError.get() != null) {
      throw new IllegalStateException("a caller failed", callerError.get());
    }
    long lost;
    try (PluginLease lease = registry.plugin(PLUGIN).acquire()) {
      lost = increments.get() - (lease.invokeLong("counter_next") - 1);
    }
    return REPORT + "swapped=" + swapped + " lost=" + lost + " pauses="
        + pauses.stream().map(String::valueOf).collect(Collectors.joining(","));
  }

  private void call(Counter counter, AtomicLong seen) {
    try {
      while (running.get()) {
        int version = counter.version();
        counter.counter_next();
        increments.incrementAndGet();
        seen.set(version);
        // As ReloadHarness: load the server, leave CPU to its other threads.
        if (calls.incrementAndGet() % BURST == 0) {
          LockSupport.parkNanos(PACE_NANOS);
        }
      }
    } catch (Throwable e) {
      callerError.compareAndSet(null, e);
    }
  }

  /**
   * Rebuilds the plugin with gcc under a temporary name and renames it into place, as {@code make}
   * publishes the example plugins.
   */
  private void rebuild(int build, Path library) throws IOException, InterruptedException {
    Path temp = library.resolveSibling("." + library.getFileName() + ".tmp");
    Process gcc = new ProcessBuilder(
            "gcc",
            "-O2",
            "-fPIC",
            "-shared",
            "-DBUILD=" + build,
            "-o",
            temp.toString(),
            natives.source().toString())
        .inheritIO()
        .start();
    if (!gcc.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) || gcc.exitValue() != 0) {
      gcc.destroyForcibly();
      throw new IllegalStateException("gcc could not rebuild " + natives.source());
    }
    Files.move(temp, library, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private void awaitOrFail(java.util.function.BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline || callerError.get() != null) {
        throw new IllegalStateException(what + " did not end within " + TIMEOUT, callerError.get());
      }
      LockSupport.parkNanos(1_000_000);
    }
  }
}
