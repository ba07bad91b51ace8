package dev.reload.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reload.fixtures.Docs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every relative link of the project's markdown (README.md, docs/*.md, example-server/README.md)
 * leads to a file of the repository and, with a {@code #fragment}, to a heading of that file, as
 * GitHub names its anchors. Links to other sites are not followed.
 */
class DocsLinksTest {

  /** {@code [text](target)}, the inline links these files use; not inside code spans. */
  private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");

  private static final Pattern HEADING = Pattern.compile("(?m)^#{1,6} (.+)$");
  private static final Pattern FENCE = Pattern.compile("(?ms)^```.*?^```");

  @Test
  void everyRelativeLinkLeadsToAFileAndHeading() throws IOException {
    List<String> broken = new ArrayList<>();
    for (String file : markdownFiles()) {
      String text = FENCE.matcher(Docs.read(file)).replaceAll("");
      Matcher link = LINK.matcher(text);
      while (link.find()) {
        String target = link.group(1);
        if (!target.matches("[a-z]+:.*")) {
          check(file, target).ifPresent(broken::add);
        }
      }
    }
    assertThat(broken).as("broken links").isEmpty();
  }

  @Test
  void anchorsAreNamedAsGitHubNamesThem() {
    assertThat(anchor("JDK 17 and JDK 22+")).isEqualTo("jdk-17-and-jdk-22");
    assertThat(anchor("Writing plugins in Rust and C++"))
        .isEqualTo("writing-plugins-in-rust-and-c");
    assertThat(anchor("The reload pipeline (`ReloadPipeline`)"))
        .isEqualTo("the-reload-pipeline-reloadpipeline");
  }

  private static Optional<String> check(String file, String target) {
    int hash = target.indexOf('#');
    String path = hash < 0 ? target : target.substring(0, hash);
    Path resolved = path.isEmpty()
        ? Docs.root().resolve(file)
        : Docs.root().resolve(file).getParent().resolve(path).normalize();
    if (!Files.exists(resolved)) {
      return Optional.of(file + ": " + target + " (no such file)");
    }
    if (hash >= 0 && !anchors(resolved).contains(target.substring(hash + 1))) {
      return Optional.of(file + ": " + target + " (no such heading)");
    }
    return Optional.empty();
  }

  private static Set<String> anchors(Path markdown) {
    Set<String> anchors = new HashSet<>();
    String text;
    try {
      text = FENCE.matcher(Files.readString(markdown)).replaceAll("");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Matcher heading = HEADING.matcher(text);
    while (heading.find()) {
      anchors.add(anchor(heading.group(1)));
    }
    return anchors;
  }

  /** GitHub's anchor of a heading: lower case, punctuation dropped, spaces made hyphens. */
  static String anchor(String heading) {
    return heading
        .trim()
        .toLowerCase(Locale.ROOT)
        .replaceAll("[^\\p{L}\\p{N} _-]", "")
        .replace(' ', '-');
  }

  private static List<String> markdownFiles() throws IOException {
    List<String> files = new ArrayList<>(List.of("README.md", "example-server/README.md"));
    try (Stream<Path> docs = Files.list(Docs.root().resolve("docs"))) {
      docs.filter(path -> path.toString().endsWith(".md"))
          .map(path -> "docs/" + path.getFileName())
          .sorted()
          .forEach(files::add);
    }
    return files;
  }
}
