package dev.reload.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.reload.testkit.NativeBuild;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
 * The demo of example-server/README.md, end to end: the shaded jar runs in its own JVM against a
 * temporary plugin directory; the test rebuilds the real plugin sources with gcc and talks to the
 * server over real sockets on 127.0.0.1, then stops it with SIGTERM.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExampleServerIT {

  private static final Duration WAIT = ServerProcess.WAIT;
  private static final String TOKEN = "it-admin-token-0123456789";
  /** The greeter's entry in /plugins, up to its residentVersions value. */
  private static final String GREETER_RESIDENT =
      "\\{\"name\": \"greeter\", [^}]*\"residentVersions\": ";

  private Path plugins;
  private Path shadow;
  private NativeBuild build;
  private ServerProcess server;
  private URI base;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void startServer() throws Exception {
    ServerDirs dirs = ServerDirs.create("example-server-it");
    plugins = dirs.plugins();
    shadow = dirs.shadow();
    build = dirs.build();
    server = ServerProcess.start(dirs, "-Dexample.admin.token=" + TOKEN);
    base = server.base();
  }

  @AfterAll
  void killServerIfStillRunning() {
    if (server != null) {
      server.close();
    }
  }

  private static String source(String file) {
    return ServerDirs.source(file);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(base.resolve(path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, String token) throws Exception {
    return send(path, token, "POST", HttpRequest.BodyPublishers.noBody());
  }

  private HttpResponse<String> post(String path, String token, String body) throws Exception {
    return send(path, token, "POST", HttpRequest.BodyPublishers.ofString(body));
  }

  /** POST /plugins/{name} of {@code {"library": library}}, with the token. */
  private HttpResponse<String> add(String name, String library) throws Exception {
    return post("/plugins/" + name, TOKEN, "{\"library\": " + Json.string(library) + "}");
  }

  private HttpResponse<String> delete(String path, String token) throws Exception {
    return send(path, token, "DELETE", HttpRequest.BodyPublishers.noBody());
  }

  private HttpResponse<String> send(
      String path, String token, String method, HttpRequest.BodyPublisher body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).method(method, body);
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Rebuilds the greeter to greet with {@code greeting}, and waits until /greet answers with it.
   */
  private void rebuildGreeterAndAwait(String greeting) throws Exception {
    build.publish(
        source("greeter.c").replace("\"Hello, %s!\"", "\"" + greeting + ", %s!\""),
        plugins.resolve("libgreeter.so"));
    await().atMost(WAIT).until(() -> body("/greet?name=World").equals(greeting + ", World!"));
  }

  /** The names /plugins lists, in order. */
  private List<String> pluginNames() throws Exception {
    return Pattern.compile("\\{\"name\": \"([^\"]+)\"")
        .matcher(body("/plugins"))
        .results()
        .map(match -> match.group(1))
        .toList();
  }

  /** The shadow copies of plugin {@code name}. */
  private List<Path> copiesOf(String name) throws IOException {
    try (Stream<Path> files = Files.walk(shadow)) {
      return files
          .filter(Files::isRegularFile)
          .filter(file -> file.getFileName().toString().startsWith(name + "-"))
          .toList();
    }
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
    rebuildGreeterAndAwait("Howdy");
  }

  @Test
  @Order(4)
  void counterContinuesAcrossARebuild() throws Exception {
    long before = Long.parseLong(body("/count"));
    assertThat(Long.parseLong(body("/count"))).isEqualTo(before + 1);
    build.publish(
        source("counter.c") + "\nlong counter_build(void) { return 2; }\n",
        plugins.resolve("libcounter.so"));

    await()
        .atMost(WAIT)
        .until(() -> body("/plugins").contains("\"name\": \"counter\", \"generation\": 2"));
    assertThat(Long.parseLong(body("/count"))).isEqualTo(before + 2);
  }

  @Test
  @Order(5)
  void libraryDroppedIntoThePluginDirectoryBecomesAPlugin() throws Exception {
    build.publish(
        source("greeter.c").replace("\"Hello, %s!\"", "\"Ahoy, %s!\""),
        plugins.resolve("libahoy.so"));

    await().atMost(WAIT).until(() -> pluginNames().contains("ahoy"));
    assertThat(pluginNames()).containsExactly("counter", "greeter", "ahoy");
    assertThat(delete("/plugins/ahoy", TOKEN).statusCode()).isEqualTo(204);
    assertThat(pluginNames()).doesNotContain("ahoy");
  }

  @Test
  @Order(5)
  void listsEveryPluginWithItsVersionFacts() throws Exception {
    String plugins = body("/plugins");
    for (String name : List.of("greeter", "counter")) {
      assertThat(plugins)
          .containsPattern("\\{\"name\": \"" + name + "\", \"generation\": \\d+,"
              + " \"sha256\": \"[0-9a-f]{64}\", \"state\": \"ACTIVE\","
              + " \"loadedAt\": \"20\\d\\d-[^\"]+\","
              + " \"stateful\": (true|false), \"residentVersions\": 0, \"lastFailure\": null\\}");
    }
  }

  @Test
  @Order(6)
  void keepsServingThroughBrokenAndCrashingBuildsAndReportsThem() throws Exception {
    build.publishBytes(
        "this is plain text, not a shared library\n".getBytes(), plugins.resolve("libgreeter.so"));

    await()
        .atMost(WAIT)
        .until(() -> body("/plugins")
            .contains("library " + plugins.resolve("libgreeter.so") + " is not an ELF file"));
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

    rebuildGreeterAndAwait("Hello");
  }

  @Test
  @Order(7)
  void exposesReloadMetricsInPrometheusFormat() throws Exception {
    HttpResponse<String> metrics = get("/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
    assertThat(metrics.body())
        .containsPattern("reload_duration_seconds_count\\{outcome=\"swapped\","
            + "plugin=\"greeter\",step=\"none\"} [1-9]")
        .containsPattern("reload_duration_seconds_count\\{outcome=\"failed\","
            + "plugin=\"greeter\",step=\"verify\"} 1")
        .containsPattern("reload_duration_seconds_count\\{outcome=\"failed\","
            + "plugin=\"greeter\",step=\"preflight\"} 1")
        .contains("reload_generation{plugin=\"counter\"} 2.0")
        .contains("reload_leases_in_flight_leases{plugin=\"greeter\"}");
  }

  @Test
  @Order(8)
  void adminCallsNeedTheToken() throws Exception {
    HttpResponse<String> anonymous = post("/plugins/greeter/reload", null);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.headers().firstValue("WWW-Authenticate")).isPresent();
    assertThat(post("/plugins/greeter/reload", "wrong-token-0123456789").statusCode())
        .isEqualTo(401);
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
    NativeBuild.move(
        build.compile(
            source("greeter.c").replace("\"Hello, %s!\"", "\"Hi, %s!\""), "-Wl,-z,nodelete"),
        plugins.resolve("libgreeter.so"));
    await().atMost(WAIT).until(() -> body("/greet?name=World").equals("Hi, World!"));
    assertThat(body("/plugins")).containsPattern(GREETER_RESIDENT + "0,");

    build.publish(source("greeter.c"), plugins.resolve("libgreeter.so"));

    await().atMost(WAIT).until(() -> body("/greet?name=World").equals("Hello, World!"));
    await()
        .atMost(WAIT)
        .until(() ->
            Pattern.compile(GREETER_RESIDENT + "1,").matcher(body("/plugins")).find());
    assertThat(get("/metrics").body())
        .contains("reload_versions_resident{plugin=\"greeter\"} 1.0")
        .contains("reload_versions_resident{plugin=\"counter\"} 0.0");
    assertThat(server.stderr())
        .contains("is still mapped after it was unloaded")
        .contains("linked with -z nodelete");
  }

  @Test
  @Order(10)
  void addingAndRemovingPluginsNeedTheToken() throws Exception {
    HttpResponse<String> anonymous = delete("/plugins/greeter", null);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.headers().firstValue("WWW-Authenticate")).isPresent();
    assertThat(delete("/plugins/greeter", "wrong-token-0123456789").statusCode())
        .isEqualTo(401);
    assertThat(post("/plugins/extra", null, "{\"library\": \"libgreeter.so\"}").statusCode())
        .isEqualTo(401);
    HttpResponse<String> get = get("/plugins/greeter");
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(get.headers().firstValue("Allow")).hasValue("DELETE, POST");
    assertThat(pluginNames()).containsExactlyInAnyOrder("greeter", "counter");
    assertThat(body("/greet?name=World")).isEqualTo("Hello, World!");
  }

  @Test
  @Order(11)
  void removedGreeterAnswers503NamingItAndServesAgainOnceAddedBack() throws Exception {
    HttpResponse<String> removed = delete("/plugins/greeter", TOKEN);
    assertThat(removed.statusCode()).as(removed.body()).isEqualTo(204);
    assertThat(removed.body()).isEmpty();

    HttpResponse<String> greet = get("/greet?name=World");
    assertThat(greet.statusCode()).isEqualTo(503);
    assertThat(greet.body())
        .contains("plugin 'greeter' is not loaded")
        .contains("POST /plugins/greeter");
    assertThat(pluginNames()).containsExactly("counter");
    assertThat(copiesOf("greeter")).isEmpty();
    assertThat(delete("/plugins/greeter", TOKEN).statusCode()).isEqualTo(404);
    assertThat(post("/plugins/greeter/reload", TOKEN).statusCode()).isEqualTo(404);

    HttpResponse<String> added = add("greeter", "libgreeter.so");

    assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
    assertThat(added.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(added.headers().firstValue("Location")).hasValue("/plugins/greeter");
    assertThat(added.body())
        .containsPattern("^\\{\"name\": \"greeter\", \"generation\": 1,"
            + " \"sha256\": \"[0-9a-f]{64}\", \"state\": \"ACTIVE\", ");
    assertThat(body("/greet?name=World")).isEqualTo("Hello, World!");
    assertThat(pluginNames()).containsExactly("counter", "greeter");
    // The re-added plugin is watched: a rebuild reaches it.
    rebuildGreeterAndAwait("Hey");
  }

  @Test
  @Order(12)
  void addRefusesATakenNameABadBodyAndPathsOutsideThePluginDirectory() throws Exception {
    HttpResponse<String> taken = add("greeter", "libcounter.so");
    assertThat(taken.statusCode()).isEqualTo(409);
    assertThat(taken.body()).contains("a plugin named 'greeter' is already in the registry");

    for (String outside : List.of("../x.so", "/etc/passwd", "sub/libgreeter.so")) {
      HttpResponse<String> refused = add("outside", outside);
      assertThat(refused.statusCode()).as(outside).isEqualTo(400);
      assertThat(refused.body())
          .as(outside)
          .contains("library must be a file name inside example.plugin-dir");
    }
    HttpResponse<String> notJson = post("/plugins/outside", TOKEN, "library=libgreeter.so");
    assertThat(notJson.statusCode()).isEqualTo(400);
    assertThat(notJson.body()).contains("invalid JSON: expected '{' at character 1");
    HttpResponse<String> otherShape = post("/plugins/outside", TOKEN, "{\"path\": \"x.so\"}");
    assertThat(otherShape.statusCode()).isEqualTo(400);
    assertThat(otherShape.body()).contains("the body must be {\"library\":");
    assertThat(pluginNames()).containsExactly("counter", "greeter");
  }

  @Test
  @Order(13)
  void addOfALibraryTheRegistryRefusesAnswers422WithTheCauseAndChangesNothing() throws Exception {
    Files.writeString(plugins.resolve("libjunk.so"), "plain text, not a shared library\n");

    HttpResponse<String> junk = add("junk", "libjunk.so");

    assertThat(junk.statusCode()).as(junk.body()).isEqualTo(422);
    assertThat(junk.body())
        .contains("plugin 'junk' was not added")
        .contains(plugins.resolve("libjunk.so") + " is not an ELF file");
    HttpResponse<String> missing = add("missing", "libmissing.so");
    assertThat(missing.statusCode()).isEqualTo(422);
    assertThat(missing.body()).contains("does not exist");
    assertThat(pluginNames()).containsExactly("counter", "greeter");
    assertThat(copiesOf("junk")).isEmpty();
    assertThat(copiesOf("missing")).isEmpty();
    assertThat(body("/greet?name=World")).isEqualTo("Hey, World!");
  }

  @Test
  @Order(14)
  void removedCounterAnswers503AndStartsAfreshOnceAddedBack() throws Exception {
    assertThat(Long.parseLong(body("/count"))).isGreaterThan(1);
    assertThat(delete("/plugins/counter", TOKEN).statusCode()).isEqualTo(204);

    HttpResponse<String> count = get("/count");
    assertThat(count.statusCode()).isEqualTo(503);
    assertThat(count.body()).contains("plugin 'counter' is not loaded");
    // The configured required-symbols still hold for the name: the greeter's library is refused.
    HttpResponse<String> wrong = add("counter", "libgreeter.so");
    assertThat(wrong.statusCode()).isEqualTo(422);
    assertThat(wrong.body()).contains("does not export required symbol 'counter_next'");
    assertThat(get("/count").statusCode()).isEqualTo(503);

    HttpResponse<String> added = add("counter", "libcounter.so");

    assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
    assertThat(added.body())
        .contains("\"name\": \"counter\", \"generation\": 1,")
        .contains("\"stateful\": true");
    // A new plugin: its state starts afresh, then moves across its reloads again.
    assertThat(body("/count")).isEqualTo("1");
    assertThat(body("/count")).isEqualTo("2");
    build.publish(
        source("counter.c") + "\nlong counter_build(void) { return 3; }\n",
        plugins.resolve("libcounter.so"));
    await()
        .atMost(WAIT)
        .until(() -> body("/plugins").contains("\"name\": \"counter\", \"generation\": 2"));
    assertThat(body("/count")).isEqualTo("3");
  }

  @Test
  @Order(20)
  void stopsCleanlyOnSigterm() throws Exception {
    try (Stream<Path> copies = Files.walk(shadow)) {
      assertThat(copies.filter(Files::isRegularFile)).isNotEmpty();
    }

    assertThat(server.stop()).as(server.stderr()).isZero();
    try (Stream<Path> copies = Files.walk(shadow)) {
      assertThat(copies.filter(Files::isRegularFile)).isEmpty();
    }
    assertThat(server.stderr())
        .contains("plugin registry 1 closed")
        .contains("closing with 1 unloaded version(s) still mapped");
  }
}
