package dev.reload.bench;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.sun.jna.Function;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.reload.Plugin;
import dev.reload.PluginLease;
import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.core.RegistryBuilder;
import dev.reload.core.ReloadSettings;
import dev.reload.guice.ReloadModule;
import dev.reload.guice.ReloadService;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * The cost of one call of {@code int add(int, int)}: raw JNA three ways, raw {@code
 * java.lang.foreign} (JDK 22+), and the same symbol through the framework (a lease, a bound
 * interface on whichever path {@code reload.binding = auto} picks, the interface a Guice injector
 * gives with {@code ReloadModule.bindPlugin}), plus a lease with no call.
 *
 * <p>Shared by every benchmark thread of a fork ({@code Scope.Benchmark}): its fields are written
 * by {@link #setUp} and {@link #tearDown} only, which JMH runs alone and publishes to the
 * benchmark threads; those only read them. The nested interfaces and {@link Direct} are
 * stateless.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CallBenchmark {

  /** JNA interface mapping ({@code Native.load}). */
  public interface BenchLibrary extends Library {
    int add(int a, int b);
  }

  /** The interface the framework binds ({@code plugin.bind}). */
  public interface BenchApi {
    int add(int a, int b);
  }

  /** JNA direct mapping ({@code Native.register}) on the raw library. */
  public static final class Direct {
    public static native int add(int a, int b);
  }

  /** Whether this JVM runs {@code rawFfm} and reload-core's java.lang.foreign path. */
  static final boolean FOREIGN = Runtime.version().feature() >= 22;
  /**
   * {@code add} through a {@code java.lang.foreign} downcall handle held in a constant, the
   * platform's floor on JDK 22+ ({@link ForeignBaseline}); null on older JDKs. Made after {@link
   * #FOREIGN}, which it reads.
   */
  private static final MethodHandle RAW_FFM = foreignBaseline();

  /**
   * Arguments read from fields so the JIT cannot fold the call; and, as every benchmark's
   * per-thread state, the place its thread is pinned to the CPU its fork was given ({@link
   * CpuPin}).
   */
  @State(Scope.Thread)
  public static class Args {
    public int x = 20;
    public int y = 22;

    /** Each iteration, in case JMH ran the last one on another of its threads. */
    @Setup(Level.Iteration)
    public void pinToTheRoundsCpu(ThreadParams thread) {
      CpuPin.pinBenchmarkThread(thread.getThreadIndex());
    }
  }

  // Written by setUp and tearDown only, read by the benchmark threads (see the class comment).
  private Path work;
  private NativeLibrary raw;
  private Function rawAdd;
  private BenchLibrary rawInterface;
  private PluginRegistry registry;
  private Plugin plugin;
  private BenchApi bound;
  private ReloadService service;
  private BenchApi injected;

  @Setup
  public void setUp() throws IOException {
    NativeDir natives = NativeDir.fromSystemProperty();
    work = Files.createTempDirectory("call-benchmark");
    Path rawCopy = work.resolve("raw").resolve("libbench.so");
    Files.createDirectories(rawCopy.getParent());
    Files.copy(natives.build(0), rawCopy);
    Map<String, Object> options = Map.of(Library.OPTION_OPEN_FLAGS, 2 /* RTLD_NOW|RTLD_LOCAL */);
    raw = NativeLibrary.getInstance(rawCopy.toString(), options);
    rawAdd = raw.getFunction("add");
    rawInterface = Native.load(rawCopy.toString(), BenchLibrary.class, options);
    Native.register(Direct.class, raw);

    Path plugins = Files.createDirectories(work.resolve("plugins"));
    Files.copy(natives.build(0), plugins.resolve("libbench.so"));
    registry = RegistryBuilder.of(ReloadSettings.builder()
            .searchPaths(plugins)
            .shadowDir(work.resolve("shadow"))
            .watchEnabled(false)
            .preflight(false)
            .plugin(PluginSettings.builder("bench").requiredSymbols("add").build())
            .build())
        .build();
    plugin = registry.plugin("bench");
    bound = plugin.bind(BenchApi.class);
    injectGuice(plugins);
  }

  /**
   * The same plugin in a registry that {@code ReloadService} starts, as a Guice application has it.
   */
  private void injectGuice(Path plugins) {
    Config config = ConfigFactory.empty()
        .withValue(
            "reload.search-paths", ConfigValueFactory.fromIterable(List.of(plugins.toString())))
        .withValue(
            "reload.shadow-dir",
            ConfigValueFactory.fromAnyRef(work.resolve("guice").toString()))
        .withValue("reload.watch.enabled", ConfigValueFactory.fromAnyRef(false))
        .withValue("reload.preflight.enabled", ConfigValueFactory.fromAnyRef(false))
        .withValue(
            "reload.plugins.bench.required-symbols",
            ConfigValueFactory.fromIterable(List.of("add")))
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
    Injector injector = Guice.createInjector(new ReloadModule(), new AbstractModule() {
      @Override
      protected void configure() {
        bind(Config.class).toInstance(config);
        ReloadModule.bindPlugin(binder(), BenchApi.class, "bench");
      }
    });
    service = injector.getInstance(ReloadService.class);
    service.startAsync().awaitRunning();
    injected = injector.getInstance(BenchApi.class);
  }

  private static MethodHandle foreignBaseline() {
    if (!FOREIGN) {
      return null;
    }
    try {
      return (MethodHandle) Class.forName("dev.reload.bench.ForeignBaseline")
          .getDeclaredMethod("add", Path.class)
          .invoke(null, mappedForGood());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(
          "cannot make the java.lang.foreign baseline (was this jar"
              + " built with JDK 22 or newer?)",
          e);
    }
  }

  /** A copy of build 0 for the baseline, which maps it until the JVM exits. */
  private static Path mappedForGood() {
    try {
      Path copy = Files.createTempFile("call-benchmark-ffm", ".so");
      copy.toFile().deleteOnExit();
      return Files.copy(
          NativeDir.fromSystemProperty().build(0),
          copy,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @TearDown
  public void tearDown() throws IOException {
    service.stopAsync().awaitTerminated();
    registry.close();
    Native.unregister(Direct.class);
    raw.close();
    try (Stream<Path> files = Files.walk(work)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }

  @Benchmark
  public int rawFunction(Args args) {
    return rawAdd.invokeInt(new Object[] {args.x, args.y});
  }

  @Benchmark
  public int leasedFunction(Args args) {
    try (PluginLease lease = plugin.acquire()) {
      return lease.invokeInt("add", args.x, args.y);
    }
  }

  @Benchmark
  public int rawInterface(Args args) {
    return rawInterface.add(args.x, args.y);
  }

  @Benchmark
  public int rawDirect(Args args) {
    return Direct.add(args.x, args.y);
  }

  /** JDK 22+ only; {@link CallsMain} leaves it out on older JDKs. */
  @Benchmark
  public int rawFfm(Args args) throws Throwable {
    return (int) RAW_FFM.invokeExact(args.x, args.y);
  }

  @Benchmark
  public int boundInterface(Args args) {
    return bound.add(args.x, args.y);
  }

  @Benchmark
  public int guiceInjected(Args args) {
    return injected.add(args.x, args.y);
  }

  /** Takes {@code args} only for its thread's pinning. */
  @Benchmark
  public long acquireRelease(Args args) {
    try (PluginLease lease = plugin.acquire()) {
      return lease.version().generation();
    }
  }
}
