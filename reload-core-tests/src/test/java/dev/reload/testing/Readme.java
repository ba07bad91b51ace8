package dev.reload.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.ToolProvider;

/**
 * The project's README.md, for tests that compile and run its examples, so that an example that
 * stops working fails the build. Found from the module directory the tests run in (every module
 * sits next to it). Stateless and thread-safe.
 */
public final class Readme {

  private static final Pattern BLOCK = Pattern.compile("```(\\w+)\\n(.*?)```", Pattern.DOTALL);

  private Readme() {}

  /** The section under the level-2 {@code heading} ("Use with Guice"), up to the next one. */
  public static String section(String heading) {
    String readme;
    try {
      readme = Files.readString(Path.of("..", "README.md"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int start = readme.indexOf("## " + heading);
    assertThat(start).as("README has a '" + heading + "' section").isNotNegative();
    int end = readme.indexOf("\n## ", start + 1);
    return readme.substring(start, end < 0 ? readme.length() : end);
  }

  /** The fenced blocks of {@code language} in {@code section}, in order; at least one. */
  public static List<String> blocks(String section, String language) {
    List<String> blocks = new ArrayList<>();
    Matcher matcher = BLOCK.matcher(section);
    while (matcher.find()) {
      if (matcher.group(1).equals(language)) {
        blocks.add(matcher.group(2));
      }
    }
    assertThat(blocks).as("```" + language + " blocks in\n" + section).isNotEmpty();
    return blocks;
  }

  /**
   * Compiles {@code sources} into {@code classes} against the test class path, or fails with
   * javac's words.
   */
  public static void compile(List<Path> sources, Path classes) {
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    List<String> arguments = new ArrayList<>(List.of("-d", classes.toString(),
        "-cp", System.getProperty("java.class.path") + File.pathSeparator + classes));
    sources.forEach(source -> arguments.add(source.toString()));
    int status = ToolProvider.getSystemJavaCompiler()
        .run(null, null, errors, arguments.toArray(String[]::new));
    assertThat(status).as("javac of the README's example:%n%s",
        errors.toString(StandardCharsets.UTF_8)).isZero();
  }
}
