package dev.reload.core.internal;

import com.sun.jna.Function;
import com.sun.jna.Library;
import com.sun.jna.NativeLibrary;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The crash-safe preflight's probe: a separate JVM that loads candidate libraries so that a
 * constructor or self-test that crashes, aborts, exits or hangs takes down this process, not the
 * server. Reads one request per line on stdin, {@code <open flags>\t<path>\t<sym,sym,...>}, and
 * answers {@code OK} or {@code FAIL\t<reason>}: it maps the library (running its constructors),
 * resolves the symbols, calls {@code int reload_selftest(void)} if exported (non-zero fails), and
 * unmaps it. Uses only the JDK and JNA. Not API.
 */
public final class ProbeMain {

  static final String SELF_TEST = "reload_selftest";

  private ProbeMain() {}

  public static void main(String[] args) throws IOException {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    out.println("READY");
    String line;
    while ((line = in.readLine()) != null) {
      String[] fields = line.split("\t", -1);
      if (fields.length != 3) {
        out.println("FAIL\tmalformed probe request");
        continue;
      }
      out.println(probe(Integer.parseInt(fields[0]), fields[1],
          fields[2].isEmpty() ? new String[0] : fields[2].split(",")));
    }
  }

  private static String probe(int flags, String path, String[] symbols) {
    NativeLibrary library;
    try {
      library = NativeLibrary.getInstance(path, Map.of(Library.OPTION_OPEN_FLAGS, flags));
    } catch (UnsatisfiedLinkError e) {
      return "FAIL\tcannot load: " + oneLine(e.getMessage());
    }
    try {
      for (String symbol : symbols) {
        if (!exports(library, symbol)) {
          return "FAIL\tdoes not export required symbol '" + symbol + "'";
        }
      }
      if (exports(library, SELF_TEST)) {
        int status = library.getFunction(SELF_TEST).invokeInt(new Object[0]);
        if (status != 0) {
          return "FAIL\t" + SELF_TEST + "() returned " + status;
        }
      }
      return "OK";
    } finally {
      library.close();
    }
  }

  private static boolean exports(NativeLibrary library, String symbol) {
    try {
      Function function = library.getFunction(symbol);
      return function != null;
    } catch (UnsatisfiedLinkError e) {
      return false;
    }
  }

  private static String oneLine(String message) {
    return message == null ? "no reason given" : message.replace('\n', ' ').replace('\t', ' ');
  }
}
