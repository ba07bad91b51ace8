package dev.reload.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.reload.testing.NativeBuild;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The README's demo, end to end: the shaded jar runs in its own JVM against a temporary plugin
 * directory; the test rebuilds the real plugin sources with gcc and talks to the server over real
 * sockets on 127.0.0.1, then stops it with SIGTERM.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExampleServerIT {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String TOKEN = "it-admin-token-0123456789";
  private static final Path SOURCES = Path.of("..", "native-plugins", "src", "main", "c");
  /** The greeter's entry in /plugins, up to its residentVersions value. */
  private static final String GREETER_RESIDENT = "\\{\"name\": \"greeter\", [^}]*\"residentVersions\": ";
  private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");

  private Path root;
  private Path plugins;
  private Path shadow;
  private NativeBuild build;
  private Process server;
  private URI base;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void startServer() throws Exception {
    root = Files.createTempDirectory("example-server-it");
    plugins = Files.createDirectories(root.resolve("plugins"));
    shadow = root.resolve("shadow");
    build = new NativeBuild(root.resolve("build"));
    build.publish(source("greeter.c"), plugins.resolve("libgreeter.so"));
    build.publish(source("counter.c"), plugins.resolve("libcounter.so"));

    Path stderr = root.resolve("server.err");
    server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dexample.http.port=0",
        "-Dexample.plugin-dir=" + plugins,
        "-Dexample.admin.token=" + TOKEN,
        "-Dreload.shadow-dir=" + shadow,
        "-jar", Path.of("target", "example-server.jar").toString())
        .redirectOutput(root.resolve("server.out").toFile())
        .redirectError(stderr.toFile())
        .start();
    await().atMost(WAIT).until(() -> !server.isAlive() || LISTENING.matcher(read(stderr)).find());
    assertThat(server.isAlive()).as(read(stderr)).isTrue();
    Matcher port = LISTENING.matcher(read(stderr));
    assertThat(port.find()).isTrue();
    base = URI.create("http://127.0.0.1:" + port.group(1));
  }

  @AfterAll
  void killServerIfStillRunning() {
    if (server != null && server.isAlive()) {
      server.destroyForcibly();
    }
  }

  private static String source(String file) throws IOException {
    return Files.readString(SOURCES.resolve(file));
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(base.resolve(path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
        .POST(HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String body(String path) throws Exception {
    HttpResponse<String> response = get(path);
    assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
    return response.body().trim();
  }

  @Test
  @Order(1)
  void servesTheGreetingOfThePlugin() throws Exception {
    assertThat(body("/health")).isEqualTo("ok");
    assertThat(body("/greet?name=World")).isEqualTo("Hello, World!");
    assertThat(body("/greet?name=J%C3%BCrgen%20M.")).isEqualTo("Hello, Jürgen M.!");
  }

  @Test
  @Order(2)
  void refusesAMissingOrOverLongName() throws Exception {
    assertThat(get("/greet").statusCode()).isEqualTo(400);
    assertThat(get("/greet").body()).contains("missing query parameter 'name'");
    assertThat(get("/greet?name=" + "x".repeat(GreetHandler.MAX_NAME_BYTES + 1)).statusCode())
        .isEqualTo(400);
    assertThat(get("/greet?name=" + "x".repeat(GreetHandler.MAX_NAME_BYTES)).statusCode())
        .isEqualTo(200);
    assertThat(get("/nowhere").statusCode()).isEqualTo(404);
    assertThat(post("/greet?name=x", null).statusCode()).isEqualTo(405);
  }

  @Test
  @Order(3)
  void servesAGreeterRebuiltFromModifiedSourceWithoutARestart() throws Exception {
    build.publish(source("greeter.c").replace("\"Hello, %s!\"", "\"Howdy, %s!\""),
        plugins.resolve("libgreeter.so"));

    await().atMost(WAIT).until(() -> body("/greet?name=World").equals("Howdy, World!"));
  }

  @Test
  @Order(4)
  void counterContinuesAcrossARebuild() throws Exception {
    long before = Long.parseLong(body("/count"));
    assertThat(Long.parseLong(body("/count"))).isEqualTo(before + 1);
    build.publish(source("counter.c") + "\nlong counter_build(void) { return 2; }\n",
        plugins.resolve("libcounter.so"));

    await().atMost(WAIT).until(() -> body("/plugins").contains("\"name\": \"counter\", \"generation\": 2"));
    assertThat(Long.parseLong(body("/count"))).isEqualTo(before + 2);
  }

  @Test
  @Order(5)
  void listsEveryPluginWithItsVersionFacts() throws Exception {
    String plugins = body("/plugins");
    for (String name : List.of("greeter", "counter")) {
      assertThat(plugins).containsPattern("\\{\"name\": \"" + name + "\", \"generation\": \\d+,"
          + " \"sha256\": \"[0-9a-f]{64}\", \"state\": \"ACTIVE\", \"loadedAt\": \"20\\d\\d-[^\"]+\","
          + " \"stateful\": (true|false), \"residentVersions\": 0, \"lastFailure\": null\\}");
    }
  }

  @Test
  @Order(6)
  void keepsServingThroughBrokenAndCrashingBuildsAndReportsThem() throws Exception {
    build.publishBytes("this is plain text, not a shared library\n".getBytes(), plugins.resolve("libgreeter.so"));

    await().atMost(WAIT).until(() -> body("/plugins").contains("library " + plugins.resolve("libgreeter.so") + " is not an ELF file"));
    assertThat(body("/greet?name=World")).isEqualTo("Howdy, World!");
    // A build whose constructor segfaults: the preflight probe dies, the server does not.
    build.publish("""
        __attribute__((constructor)) static void crash(void) {
          volatile unsigned long nowhere = 0;
          *(volatile int *) nowhere = 1;
        }
        """ + source("greeter.c"), plugins.resolve("libgreeter.so"));
    await().atMost(WAIT).until(() -> body("/plugins").contains("crashed with SIGSEGV"));
    assertThat(body("/greet?name=World")).isEqualTo("Howdy, World!");

    build.publish(source("greeter.c"), plugins.resolve("libgreeter.so"));
    await().atMost(WAIT).until(() -> body("/greet?name=World").equals("Hello, World!"));
  }

  @Test
  @Order(7)
  void exposesReloadMetricsInPrometheusFormat() throws Exception {
    HttpResponse<String> metrics = get("/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
    assertThat(metrics.body())
        .containsPattern("reload_duration_seconds_count\\{outcome=\"swapped\",plugin=\"greeter\",step=\"none\"} [1-9]")
        .containsPattern("reload_duration_seconds_count\\{outcome=\"failed\",plugin=\"greeter\",step=\"verify\"} 1")
        .containsPattern("reload_duration_seconds_count\\{outcome=\"failed\",plugin=\"greeter\",step=\"preflight\"} 1")
        .contains("reload_generation{plugin=\"counter\"} 2.0")
        .contains("reload_leases_in_flight_leases{plugin=\"greeter\"}");
  }

  @Test
  @Order(8)
  void adminCallsNeedTheToken() throws Exception {
    HttpResponse<String> anonymous = post("/plugins/greeter/reload", null);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.headers().firstValue("WWW-Authenticate")).isPresent();
    assertThat(post("/plugins/greeter/reload", "wrong-token-0123456789").statusCode()).isEqualTo(401);
    assertThat(post("/plugins/nope/reload", TOKEN).statusCode()).isEqualTo(404);
    assertThat(get("/plugins/greeter/reload").statusCode()).isEqualTo(405);

    HttpResponse<String> reload = post("/plugins/greeter/reload", TOKEN);
    assertThat(reload.statusCode()).isEqualTo(200);
    assertThat(reload.body()).contains("\"outcome\": \"unchanged\"");
    HttpResponse<String> rollback = post("/plugins/greeter/rollback", TOKEN);
    assertThat(rollback.statusCode()).as(rollback.body()).isEqualTo(200);
    assertThat(rollback.body()).contains("\"outcome\": \"rolled_back\"");
    assertThat(body("/greet?name=World")).isEqualTo("Howdy, World!");
  }

  @Test
  @Order(9)
  void reportsAReplacedBuildThatTheOsKeepsMapped() throws Exception {
    // Linked with -z nodelete: glibc keeps the library mapped after the registry unloads it.
    NativeBuild.move(build.compile(source("greeter.c").replace("\"Hello, %s!\"", "\"Hi, %s!\""),
        "-Wl,-z,nodelete"), plugins.resolve("libgreeter.so"));
    await().atMost(WAIT).until(() -> body("/greet?name=World").equals("Hi, World!"));
    assertThat(body("/plugins")).containsPattern(GREETER_RESIDENT + "0,");

    build.publish(source("greeter.c"), plugins.resolve("libgreeter.so"));

    await().atMost(WAIT).until(() -> body("/greet?name=World").equals("Hello, World!"));
    await().atMost(WAIT).until(() -> Pattern.compile(GREETER_RESIDENT + "1,")
        .matcher(body("/plugins")).find());
    assertThat(get("/metrics").body()).contains("reload_versions_resident{plugin=\"greeter\"} 1.0")
        .contains("reload_versions_resident{plugin=\"counter\"} 0.0");
    assertThat(read(root.resolve("server.err"))).contains("is still mapped after it was unloaded")
        .contains("linked with -z nodelete");
  }

  @Test
  @Order(10)
  void stopsCleanlyOnSigterm() throws Exception {
    try (Stream<Path> copies = Files.walk(shadow)) {
      assertThat(copies.filter(Files::isRegularFile)).isNotEmpty();
    }

    server.destroy(); // SIGTERM

    assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(server.exitValue()).as(read(root.resolve("server.err"))).isZero();
    try (Stream<Path> copies = Files.walk(shadow)) {
      assertThat(copies.filter(Files::isRegularFile)).isEmpty();
    }
    assertThat(read(root.resolve("server.err"))).contains("plugin registry 1 closed")
        .contains("closing with 1 unloaded version(s) still mapped");
  }
}
