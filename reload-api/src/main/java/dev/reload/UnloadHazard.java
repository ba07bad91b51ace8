package dev.reload;

/**
 * Something in a library's ELF file that can keep the library mapped after the registry unloads it
 * ({@code dlclose}): glibc then leaves its code and data in memory, and every reload of such a
 * plugin leaks a whole copy of the library. The registry reads these from the shadow copy when it
 * admits a build ({@link PluginVersion#unloadHazards()}), and names them, with the fix for each,
 * when a version it unloaded is still mapped ({@link Plugin#residentVersions()}).
 *
 * <p>Immutable and thread-safe.
 */
public enum UnloadHazard {

  /**
   * The library was linked with {@code -z nodelete} ({@code DF_1_NODELETE} in {@code DT_FLAGS_1}):
   * glibc never unloads it.
   */
  NODELETE(
      "it was linked with -z nodelete (DF_1_NODELETE in its dynamic section), so glibc never"
          + " unloads it",
      "link it without -z nodelete (drop -Wl,-z,nodelete from the link flags)"),

  /**
   * The library defines {@code STB_GNU_UNIQUE} symbols, which g++ emits for static locals of
   * inline functions and static members of class templates: glibc never unloads it, and two loaded
   * copies even share those objects.
   */
  GNU_UNIQUE(
      "it defines STB_GNU_UNIQUE symbols (g++ emits them for static locals of inline"
          + " functions and static data of templates), so glibc never unloads it",
      "compile its C++ code with -fno-gnu-unique"),

  /**
   * The library imports the function that registers thread-local destructors ({@code
   * __cxa_thread_atexit_impl}, or {@code __cxa_thread_atexit} of libstdc++): a Rust {@code
   * thread_local!} holding a value with {@code Drop}, or a C++ {@code thread_local} with a
   * non-trivial destructor. Once such a destructor is registered, glibc keeps the library mapped
   * until every thread that registered one has exited, and unloads it only at a later {@code
   * dlclose}. Every Rust {@code cdylib} imports the function through its standard library, so for
   * Rust this says that the library <em>can</em> register one, not that it does.
   */
  THREAD_LOCAL_DESTRUCTORS(
      "it registers thread-local destructors (it imports __cxa_thread_atexit_impl or"
          + " __cxa_thread_atexit: a Rust thread_local! holding a value with Drop, a C++"
          + " thread_local with a non-trivial destructor), so glibc keeps it mapped while any"
          + " thread that ran one lives",
      "keep destructors out of thread-locals (plain data, or state the host moves with a"
          + " StateSnapshot), or call the plugin only from threads that end (a pool that is"
          + " recycled): the library is unmapped at the first dlclose after the last of them"
          + " exits");

  private final String cause;
  private final String fix;

  UnloadHazard(String cause, String fix) {
    this.cause = cause;
    this.fix = fix;
  }

  /** {@return why this keeps a library mapped, in words a log line can carry} */
  public String cause() {
    return cause;
  }

  /** {@return what to change in the library's source or build to remove the hazard} */
  public String fix() {
    return fix;
  }
}
