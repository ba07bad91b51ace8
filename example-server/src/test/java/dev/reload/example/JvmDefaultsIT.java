package dev.reload.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The settings the example server ships with ({@link JvmDefaults}), seen from outside the shaded
 * jar started with plain {@code java -jar} and no flag: its accepted connections have {@code
 * TCP_NODELAY}, and it prints no {@code WARNING:} line (JDK 24+ native access, Guice's use of
 * {@code sun.misc.Unsafe}) at start, during a reload or at SIGTERM.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@EnabledOnOs(OS.LINUX)
class JvmDefaultsIT {

  private final HttpClient http = HttpClient.newHttpClient();
  private ServerDirs dirs;
  private ServerProcess server;

  @BeforeAll
  void startServer() throws IOException {
    dirs = ServerDirs.create("jvm-defaults-it");
    server = ServerProcess.start(dirs);
  }

  @AfterAll
  void killServerIfStillRunning() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  @Order(1)
  void acceptedKeepAliveConnectionsHaveTcpNoDelayWithoutAFlag() throws Exception {
    assertThat(noDelayOfAConnectionTo(server)).isTrue();
    assertThat(server.stderr()).contains("(TCP_NODELAY on)");
  }

  @Test
  @Order(2)
  void noDelayGivenOnTheCommandLineIsKept() throws Exception {
    ServerDirs ownDirs = ServerDirs.create("jvm-defaults-it-nagle");
    try (ServerProcess nagle = ServerProcess.start(ownDirs, "-Dsun.net.httpserver.nodelay=false")) {
      assertThat(noDelayOfAConnectionTo(nagle)).isFalse();
      assertThat(nagle.stderr()).contains("(TCP_NODELAY off)");
    }
  }

  @Test
  @Order(3)
  void printsNoWarningAtStartDuringAReloadOrAtSigterm() throws Exception {
    long before = Long.parseLong(get(server.base().resolve("/count")));
    dirs.publish(
        ServerDirs.source("counter.c") + "\nlong counter_build(void) { return 2; }\n",
        "libcounter.so");
    await()
        .atMost(ServerProcess.WAIT)
        .until(() -> get(server.base().resolve("/plugins"))
            .contains("\"name\": \"counter\", \"generation\": 2"));
    assertThat(Long.parseLong(get(server.base().resolve("/count")))).isEqualTo(before + 1);

    assertThat(server.stop()).as(server.stderr()).isZero();

    assertThat(server.stderr()).contains("reloaded generation 1 -> 2").contains("stopped");
    assertThat(warnings(server.stdout())).as("stdout").isEmpty();
    assertThat(warnings(server.stderr())).as("stderr").isEmpty();
  }

  /**
   * Opens a keep-alive connection, completes one request on it so that the server has accepted
   * and configured its end, and reads that end's {@code TCP_NODELAY} in the server process.
   */
  private static boolean noDelayOfAConnectionTo(ServerProcess target) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), target.port())) {
      OutputStream out = socket.getOutputStream();
      out.write(
          "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in = new BufferedReader(
          new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");
      return RemoteSocket.tcpNoDelay(target.pid(), target.port(), socket.getLocalPort());
    }
  }

  private String get(URI uri) throws Exception {
    HttpResponse<String> response =
        http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("%s: %s", uri, response.body()).isEqualTo(200);
    return response.body().trim();
  }

  private static List<String> warnings(String output) {
    return output.lines().filter(line -> line.startsWith("WARNING:")).toList();
  }
}
