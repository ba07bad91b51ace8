package dev.reload.core.internal.admission;

/**
 * The optional exports through which a plugin takes part in its own lifecycle, shared by the
 * server's loader and the preflight probe so that both call the same names. Constants only.
 */
public final class LifecycleExports {

  /** Run after each load in the server; a non-zero return refuses the version. */
  public static final String INIT = "reload_init";
  /** Run before a drained version is unmapped. */
  public static final String SHUTDOWN = "reload_shutdown";
  /** Run in the preflight probe only, after {@link #INIT}; a non-zero return refuses the build. */
  public static final String SELF_TEST = "reload_selftest";

  private LifecycleExports() {}
}
