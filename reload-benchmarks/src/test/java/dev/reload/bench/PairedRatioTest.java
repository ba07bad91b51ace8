package dev.reload.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class PairedRatioTest {

  @Test
  void oneDisturbedRoundMovesItsOwnRatioNotTheMedian() {
    // Round 2 ran the second benchmark on a CPU a neighbour slowed down: its mean over the rounds
    // would give 1.12, the median of the rounds' ratios gives the undisturbed 1.05.
    PairedRatio ratio = PairedRatio.of(
        List.of(84.0, 84.0, 84.0, 84.0, 84.0), List.of(80.0, 80.0, 40.0, 80.0, 80.0));

    assertThat(ratio.ratios()).hasSize(5);
    assertThat(ratio.median()).isCloseTo(1.05, within(1e-9));
    assertThat(ratio).hasToString("1.050 × (1.050, 1.050, 2.100, 1.050, 1.050)");
  }

  @Test
  void roundsArePairedInOrderAndAnEvenCountTakesTheMiddleTwo() {
    PairedRatio ratio =
        PairedRatio.of(List.of(10.0, 30.0, 20.0, 40.0), List.of(10.0, 10.0, 10.0, 10.0));

    assertThat(ratio.ratios()).containsExactly(1.0, 3.0, 2.0, 4.0);
    assertThat(ratio.median()).isEqualTo(2.5);
  }

  @Test
  void aRoundOnlyOneSideHasIsLeftOutAndNoRoundIsNotANumber() {
    assertThat(PairedRatio.of(List.of(2.0, 9.0), List.of(1.0)).ratios()).containsExactly(2.0);
    assertThat(PairedRatio.of(List.of(), List.of(1.0)).median()).isNaN();
  }
}
