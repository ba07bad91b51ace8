package dev.reload;

import java.util.List;

/**
 * Settings that cannot be used. Lists every problem found, each naming the setting, the bad value
 * and, for settings read from a config, where the value came from. Immutable once thrown, as
 * every exception of this API: thread-safe.
 */
public final class InvalidSettingsException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  /** Every problem found, one line each. */
  private final List<String> problems;

  /**
   * Reports every problem found at once.
   *
   * @param problems one line per problem, naming the setting, the value and where it came from
   */
  public InvalidSettingsException(List<String> problems) {
    super(format(problems));
    this.problems = List.copyOf(problems);
  }

  /** {@return every problem found, one line each} */
  public List<String> problems() {
    return problems;
  }

  private static String format(List<String> problems) {
    if (problems.size() == 1) {
      return "invalid reload settings: " + problems.get(0);
    }
    StringBuilder message = new StringBuilder("invalid reload settings (")
        .append(problems.size())
        .append(" problems):");
    problems.forEach(problem -> message.append("\n  - ").append(problem));
    return message.toString();
  }
}
