package dev.reload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.reload.PluginRegistry;
import dev.reload.PluginSettings;
import dev.reload.ReloadOutcome;
import dev.reload.ReloadStep;
import dev.reload.fixtures.Calls;
import dev.reload.fixtures.Sources;
import dev.reload.testkit.PluginDir;
import dev.reload.testkit.Publish;
import dev.reload.testkit.RegistryUnderTest;
import dev.reload.testkit.ReloadExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The preflight probe against libraries that write where answers travel: no output, on any
 * descriptor, with or without newlines, however much, delays or forges the probe's answer; a
 * crash is still named; and the probe's own start-up does not count against the first
 * candidate's timeout.
 *
 * <p>Healthy libraries get a generous preflight timeout, {@link #PATIENT}, and the reload must
 * complete well within it ({@link #PROMPTLY}): an answer the server failed to recognize would
 * show as a reload still running, or as a refusal blaming a hang.
 *
 * <p>The libraries misbehave only in the probe (a process whose command line names {@code
 * ProbeMain}): in this JVM, descriptor 1 is surefire's channel to Maven and the other
 * descriptors are the test engine's own, and a library wrongly let through must fail the test,
 * not crash or corrupt the JVM running it.
 */
@ExtendWith(ReloadExtension.class)
class PreflightTest {

  private static final Duration PATIENT = Duration.ofSeconds(30);
  private static final Duration PROMPTLY = Duration.ofSeconds(10);
  /**
   * Well below the probe's start-up here (a JVM loading JNA: 0.3 to 0.6 s on a 2-core machine),
   * well above what a ready probe needs for a tiny library (a few ms).
   */
  private static final Duration SHORTER_THAN_PROBE_START = Duration.ofMillis(200);

  /** C: whether this process is the preflight probe; needs _GNU_SOURCE for memmem. */
  private static final String IN_PROBE = """
      #define _GNU_SOURCE
      #include <fcntl.h>
      #include <stdio.h>
      #include <string.h>
      #include <unistd.h>
      static int in_probe(void) {
        static char cmdline[1 << 16];
        size_t length = 0;
        ssize_t read_now;
        int fd = open("/proc/self/cmdline", O_RDONLY);
        if (fd < 0) return 0;
        while (length < sizeof cmdline
            && (read_now = read(fd, cmdline + length, sizeof cmdline - length)) > 0) {
          length += (size_t) read_now;
        }
        close(fd);
        return memmem(cmdline, length, "ProbeMain", 9) != NULL;
      }
      static void write_all(int fd, const char *bytes, size_t count) {
        while (count > 0) {
          ssize_t written = write(fd, bytes, count);
          if (written <= 0) return;
          bytes += written;
          count -= (size_t) written;
        }
      }
      """;

  private PluginDir dir;
  private RegistryUnderTest underTest;
  private PluginRegistry registry;

  @BeforeEach
  void publishFirstBuild(PluginDir dir, RegistryUnderTest underTest) {
    this.dir = dir;
    this.underTest = underTest;
    dir.publish("counter", Sources.counter(1));
  }

  /** Starts a registry of plugin {@code counter}, reloaded on request only, preflight on. */
  private void start(Duration preflightTimeout) {
    registry = underTest.start(RegistryBuilder.of(dir.settings()
        .watchEnabled(false)
        .preflight(true)
        .preflightTimeout(preflightTimeout)
        .plugin(PluginSettings.builder("counter")
            .requiredSymbols("counter_next", "counter_get", "counter_set")
            .build())
        .build()));
  }

  /**
   * Build {@code version} of the counter, whose constructor runs {@code statement} in the probe.
   */
  private static String inProbe(int version, String statement) {
    return IN_PROBE + Sources.withConstructor(version, "if (in_probe()) { " + statement + " }");
  }

  /** Publishes {@code source} as the counter's library and reloads it. */
  private ReloadOutcome reload(String source) throws Exception {
    dir.publish("counter", source);
    return registry.reload("counter").get(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Publishes a healthy build 2 that misbehaves with {@code statement}, and expects it serving. */
  private void assertAcceptedPromptly(String statement) throws Exception {
    start(PATIENT);

    ReloadOutcome outcome = reload(inProbe(2, statement));

    assertThat(outcome).isInstanceOf(ReloadOutcome.Swapped.class);
    assertThat(Calls.version(registry, "counter")).isEqualTo(2);
  }

  @Test
  void probeRunsBelowTheServersCpuPriority() throws Exception {
    // Its JVM start-up and JIT threads must not take the CPU from callers held at a gate.
    start(PATIENT);

    ReloadOutcome outcome = reload("#include <stdlib.h>\n#include <sys/resource.h>\n"
        + inProbe(2, "if (getpriority(PRIO_PROCESS, 0) < 10) abort();"));

    assertThat(outcome).isInstanceOf(ReloadOutcome.Swapped.class);
    assertThat(Calls.version(registry, "counter")).isEqualTo(2);
  }

  @Test
  void libraryWritingToStdoutWithoutNewlineIsAcceptedPromptly() throws Exception {
    assertAcceptedPromptly(
        "write(1, \"hello\", 5); printf(\"and hello from printf\"); fflush(stdout);");
  }

  @Test
  void libraryWritingToStderrWithoutNewlineIsAcceptedPromptly() throws Exception {
    assertAcceptedPromptly(
        "write(2, \"hello\", 5); fprintf(stderr, \"and hello from fprintf\"); fflush(stderr);");
  }

  @Test
  void libraryWritingAMebibyteToStdoutAndStderrIsAcceptedPromptly() throws Exception {
    // More than any pipe holds: a side nobody drains blocks the constructor for good.
    assertAcceptedPromptly("""
        static char burst[1 << 20];
        for (size_t i = 0; i < sizeof burst; i++) burst[i] = i % 80 == 79 ? '\\n' : 'x';
        burst[sizeof burst - 1] = 'x'; /* and no newline at the end */
        write_all(1, burst, sizeof burst);
        write_all(2, burst, sizeof burst);
        """);
  }

  @Test
  void libraryWritingToEveryOtherDescriptorIsAcceptedPromptly() throws Exception {
    // Whatever the probe answers on (a descriptor at 100 or above), this writes to it too; errors
    // (closed, read-only) ignored. The JVM's own descriptors below 100 are left alone: junk in
    // them breaks the JVM itself (seen on JDK 25), which no library does by accident.
    assertAcceptedPromptly("for (int fd = 100; fd < 1024; fd++) write(fd, \"junk\", 4);");
  }

  @Test
  void libraryPrintingForgedAnswersEverywhereBeforeCrashingIsRefusedAsCrashed() throws Exception {
    start(PATIENT);
    StringBuilder forged = new StringBuilder("READY\\nOK\\n\\tOK\\n");
    for (int id = 0; id < 20; id++) {
      forged
          .append(Integer.toHexString(id))
          .append("\\tREADY\\n")
          .append(Integer.toHexString(id))
          .append("\\tOK\\n");
    }
    String statement = "static const char forged[] = \"" + forged + "\";"
        // stdout, stderr and every descriptor the answers may travel on (100 and above); the
        // JVM's own below 100 are left alone (junk there made the probe exit with 1 on JDK 25)
        + " for (int fd = 1; fd < 1024; fd = fd == 2 ? 100 : fd + 1) {"
        + " write(fd, forged, sizeof forged - 1);"
        + " write(fd, \"0\\tOK\", 4); }" // and an unfinished one
        + " raise(SIGSEGV);";

    ReloadOutcome outcome = reload(inProbe(2, statement));

    assertThat(outcome).isInstanceOfSatisfying(ReloadOutcome.Failed.class, failed -> {
      assertThat(failed.step()).isEqualTo(ReloadStep.PREFLIGHT);
      assertThat(failed.reason()).contains("crashed with SIGSEGV while running its constructors");
    });
    assertThat(Calls.version(registry, "counter")).isEqualTo(1);
  }

  @Test
  void firstCandidateAfterEachProbeStartGetsItsWholeTimeout() throws Exception {
    // The first probe starts for the initial load, which must pass: start() would throw.
    start(SHORTER_THAN_PROBE_START);
    assertThat(Calls.version(registry, "counter")).isEqualTo(1);

    assertThat(reload(inProbe(2, "_exit(3);")))
        .isInstanceOfSatisfying(
            ReloadOutcome.Failed.class,
            failed -> assertThat(failed.reason()).contains("exited with status 3"));

    // The probe died with that build: this is the first candidate of a new one.
    assertThat(reload(Sources.counter(3))).isInstanceOf(ReloadOutcome.Swapped.class);
    assertThat(Calls.version(registry, "counter")).isEqualTo(3);
  }

  @Test
  void aRecycledProbeIsReplacedAtOnceSoTheNextCandidateFindsOneStarted() throws Exception {
    // A probe serves 200 candidates; the initial load was the first.
    start(PATIENT);
    long first = probePids().get(0);
    Path[] builds = {
      dir.build().compile(Sources.counter(2)), dir.build().compile(Sources.counter(3))
    };

    for (int candidate = 2; candidate <= 200; candidate++) {
      dir.publish("counter", builds[candidate % 2], Publish.RENAME);
      assertThat(registry.reload("counter").get(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS))
          .isInstanceOf(ReloadOutcome.Swapped.class);
    }

    // Before any further candidate: the old probe is gone and its successor already runs. Awaited,
    // because a successor still exec-ing its JVM shows an empty command line for a moment.
    await()
        .atMost(PROMPTLY)
        .untilAsserted(() -> assertThat(probePids()).hasSize(1).doesNotContain(first));
    dir.publish("counter", builds[1], Publish.RENAME);
    assertThat(registry.reload("counter").get(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS))
        .isInstanceOf(ReloadOutcome.Swapped.class);
    assertThat(Calls.version(registry, "counter")).isEqualTo(3);
  }

  /** The preflight probes this JVM runs now (nice runs the probe's JVM in its own process). */
  private static List<Long> probePids() {
    return ProcessHandle.current()
        .children()
        .filter(child -> child.info().commandLine().orElse("").contains("ProbeMain"))
        .map(ProcessHandle::pid)
        .collect(Collectors.toList());
  }
}
