package dev.reload.example;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Writes the few JSON values the server returns, and reads the one shape it accepts. Stateless. */
final class Json {

  private Json() {}

  /**
   * Reads a JSON object whose every value is a string, such as {@code {"library": "libx.so"}},
   * strictly (RFC 8259): no comments, no trailing commas, no duplicate names, nothing after it.
   *
   * @return the members in their order
   * @throws IllegalArgumentException saying what was expected and at which character
   */
  static Map<String, String> stringObject(String text) {
    return new Reader(text).stringObject();
  }

  /** A JSON array of {@code elements} (each already JSON), one per line, ending in a newline. */
  static String array(Stream<String> elements) {
    return elements.collect(Collectors.joining(",\n  ", "[\n  ", "\n]\n"));
  }

  /** A JSON string literal, or {@code null}. */
  static String string(String value) {
    if (value == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder(value.length() + 2).append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }

  /** One pass over one text. Not thread-safe; used by one call. */
  private static final class Reader {

    private final String text;
    private int at;

    Reader(String text) {
      this.text = text;
    }

    Map<String, String> stringObject() {
      Map<String, String> members = new LinkedHashMap<>();
      skipSpace();
      expect('{');
      skipSpace();
      if (peek() == '}') {
        at++;
      } else {
        while (true) {
          int start = at;
          String name = string("a member name in double quotes");
          skipSpace();
          expect(':');
          skipSpace();
          String value = string("a string value for \"" + name + "\"");
          if (members.putIfAbsent(name, value) != null) {
            throw new IllegalArgumentException("invalid JSON: member \"" + name
                + "\" appears twice (at character " + (start + 1) + ")");
          }
          skipSpace();
          if (peek() == ',') {
            at++;
            skipSpace();
          } else {
            expect('}');
            break;
          }
        }
      }
      skipSpace();
      if (at < text.length()) {
        throw error("the end of the text after the object");
      }
      return members;
    }

    private String string(String what) {
      if (peek() != '"') {
        throw error(what);
      }
      at++;
      StringBuilder out = new StringBuilder();
      while (true) {
        if (at >= text.length()) {
          throw error("the closing '\"' of a string");
        }
        char c = text.charAt(at++);
        if (c == '"') {
          return out.toString();
        }
        if (c < 0x20) {
          at--;
          throw error("no control character inside a string (escape it)");
        }
        if (c != '\\') {
          out.append(c);
          continue;
        }
        if (at >= text.length()) {
          throw error("an escape after '\\'");
        }
        char escaped = text.charAt(at++);
        switch (escaped) {
          case '"', '\\', '/' -> out.append(escaped);
          case 'b' -> out.append('\b');
          case 'f' -> out.append('\f');
          case 'n' -> out.append('\n');
          case 'r' -> out.append('\r');
          case 't' -> out.append('\t');
          case 'u' -> out.append(unicodeEscape());
          default -> {
            at--;
            throw error("a valid escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
          }
        }
      }
    }

    private char unicodeEscape() {
      if (at + 4 > text.length()) {
        throw error("four hex digits after \\u");
      }
      int value = 0;
      for (int i = 0; i < 4; i++) {
        char c = text.charAt(at);
        int digit = c < 0x80 ? Character.digit(c, 16) : -1; // ASCII hex only
        if (digit < 0) {
          throw error("four hex digits after \\u");
        }
        value = value * 16 + digit;
        at++;
      }
      return (char) value;
    }

    private void expect(char c) {
      if (peek() != c) {
        throw error("'" + c + "'");
      }
      at++;
    }

    /** The next character, or -1 at the end. */
    private int peek() {
      return at < text.length() ? text.charAt(at) : -1;
    }

    private void skipSpace() {
      while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0) {
        at++;
      }
    }

    private IllegalArgumentException error(String expected) {
      String found = at >= text.length() ? "the end of the text" : "'" + text.charAt(at) + "'";
      return new IllegalArgumentException(
          "invalid JSON: expected " + expected + " at character " + (at + 1) + ", found " + found);
    }
  }
}
