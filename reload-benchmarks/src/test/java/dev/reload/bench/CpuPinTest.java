package dev.reload.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** Checks each thread's CPUs with the kernel's own list in /proc, not with CpuPin's reading. */
@EnabledOnOs(OS.LINUX)
class CpuPinTest {

  @AfterEach
  void clearCpus() {
    System.clearProperty(CpuPin.CPUS_PROPERTY);
  }

  @Test
  void aBenchmarkThreadWhoseForkNamesNoCpusKeepsThemAll() {
    String all = cpusOfThisThread();

    assertThat(inNewThread(() -> {
          CpuPin.pinBenchmarkThread(0);
          return cpusOfThisThread();
        }))
        .isEqualTo(all);
  }

  @Test
  void benchmarkThreadsTakeTheNamedCpusInTurn() {
    List<Integer> allowed = CpuPin.allowed();
    int last = allowed.get(allowed.size() - 1);
    System.setProperty(CpuPin.CPUS_PROPERTY, last + "," + allowed.get(0));

    assertThat(inNewThread(() -> pinnedAs(0))).isEqualTo(String.valueOf(last));
    assertThat(inNewThread(() -> pinnedAs(1))).isEqualTo(String.valueOf(allowed.get(0)));
    assertThat(inNewThread(() -> pinnedAs(2))).isEqualTo(String.valueOf(last));
  }

  @Test
  void rankingVisitsEveryCpuAndLeavesTheThreadFreeAfter() {
    String all = cpusOfThisThread();
    List<Integer> allowed = CpuPin.allowed();

    CpuRanking ranking = inNewThread(() -> {
      CpuRanking measured = CpuRanking.measure();
      assertThat(cpusOfThisThread()).isEqualTo(all);
      return measured;
    });

    assertThat(ranking.fastestFirst())
        .extracting(CpuRanking.Speed::cpu)
        .containsExactlyInAnyOrderElementsOf(allowed);
    assertThat(ranking.fastestFirst())
        .extracting(CpuRanking.Speed::nanosPerLoad)
        .allSatisfy(nanos -> assertThat(nanos).isPositive())
        .isSorted();
    assertThat(ranking.cpusProperty())
        .isEqualTo(ranking.fastestFirst().stream()
            .map(speed -> String.valueOf(speed.cpu()))
            .collect(Collectors.joining(",")));
  }

  private static String pinnedAs(int threadIndex) {
    CpuPin.pinBenchmarkThread(threadIndex);
    return cpusOfThisThread();
  }

  /** Runs {@code task} in a new thread: a pinned thread must not be one the tests go on with. */
  private static <T> T inNewThread(Supplier<T> task) {
    CompletableFuture<T> result = new CompletableFuture<>();
    new Thread(() -> {
          try {
            result.complete(task.get());
          } catch (RuntimeException | Error e) {
            result.completeExceptionally(e);
          }
        })
        .start();
    return result.join();
  }

  /** The kernel's list of the calling thread's CPUs ("0-1", "1"). */
  private static String cpusOfThisThread() {
    try {
      return Files.readAllLines(Path.of("/proc/thread-self/status")).stream()
          .filter(line -> line.startsWith("Cpus_allowed_list:"))
          .map(line -> line.substring(line.indexOf(':') + 1).strip())
          .findFirst()
          .orElseThrow();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
