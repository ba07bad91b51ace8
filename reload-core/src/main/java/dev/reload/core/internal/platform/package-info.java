/**
 * The platform: what the engine needs to know of the OS and the JVM it runs on. Library file
 * names, {@code dlopen} flags and the ELF identity of this machine ({@link
 * dev.reload.core.internal.platform.Platform}), what is still mapped ({@link
 * dev.reload.core.internal.platform.ProcMaps}), and the daemon threads the engine owns ({@link
 * dev.reload.core.internal.platform.DaemonThreads}).
 *
 * <p>Invariants: stateless but for the threads a {@code DaemonThreads} made, which a close joins.
 *
 * <p>Seam: a leaf; it depends on no other package of the engine.
 */
package dev.reload.core.internal.platform;
