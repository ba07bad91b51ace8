package dev.reload.bench;

import java.util.Collection;
import java.util.Locale;

/** p50, p99 and max of a set of samples. Immutable. */
record Percentiles(long count, double p50, double p99, double max) {

  /** Percentiles of {@code samples} (nanoseconds) expressed in units of {@code unitNanos}. */
  static Percentiles of(Collection<Long> samples, double unitNanos) {
    long[] sorted = samples.stream().mapToLong(Long::longValue).sorted().toArray();
    if (sorted.length == 0) {
      return new Percentiles(0, 0, 0, 0);
    }
    return new Percentiles(
        sorted.length,
        at(sorted, 0.50) / unitNanos,
        at(sorted, 0.99) / unitNanos,
        sorted[sorted.length - 1] / unitNanos);
  }

  private static double at(long[] sorted, double quantile) {
    int index = (int) Math.ceil(quantile * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  String json(boolean withMax) {
    return String.format(
        Locale.ROOT,
        "{\"p50\": %.3f, \"p99\": %.3f%s}",
        p50,
        p99,
        withMax ? String.format(Locale.ROOT, ", \"max\": %.3f", max) : "");
  }
}
