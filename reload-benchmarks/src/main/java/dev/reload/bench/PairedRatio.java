package dev.reload.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The ratio of two benchmarks measured round by round: one ratio per round, of the two forks run
 * back to back in it, and their median as the figure a target judges. A round the machine
 * disturbed moves its own ratio, not the median, where it would move a ratio of means over all
 * rounds. Immutable.
 *
 * @param ratios each round's ratio, in round order
 */
record PairedRatio(List<Double> ratios) {

  PairedRatio {
    ratios = List.copyOf(ratios);
  }

  /** Round {@code i}'s ratio is {@code over[i] / under[i]}; a round either lacks is left out. */
  static PairedRatio of(List<Double> over, List<Double> under) {
    List<Double> ratios = new ArrayList<>();
    for (int round = 0; round < Math.min(over.size(), under.size()); round++) {
      ratios.add(over.get(round) / under.get(round));
    }
    return new PairedRatio(ratios);
  }

  /** The middle ratio (the mean of the middle two of an even count); NaN without a round. */
  double median() {
    if (ratios.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = ratios.stream().sorted().collect(Collectors.toList());
    int middle = sorted.size() / 2;
    return sorted.size() % 2 == 1
        ? sorted.get(middle)
        : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
  }

  /** "1.014 × (1.020, 0.990, 1.014)": the median, then each round's. */
  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "%.3f × (%s)",
        median(),
        ratios.stream()
            .map(ratio -> String.format(Locale.ROOT, "%.3f", ratio))
            .collect(Collectors.joining(", ")));
  }
}
