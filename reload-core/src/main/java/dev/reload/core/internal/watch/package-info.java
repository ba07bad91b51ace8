/**
 * Watching: where a plugin's library file is ({@link
 * dev.reload.core.internal.watch.LibraryLocator}), when it has changed and is complete ({@link
 * dev.reload.core.internal.watch.FileWatcher}: inotify on Linux, polling elsewhere or on request),
 * and which new files in the search paths become plugins ({@link
 * dev.reload.core.internal.watch.Discovery}).
 *
 * <p>Invariants: however a deploy publishes a file (write, {@code cp}, rename, hard link,
 * symlink swap, a directory removed and made again), each watch mode signals it, once per burst,
 * with the file's {@link dev.reload.core.internal.watch.FileFingerprint} settled; a reload's
 * outcome never stops a watch. Nothing here loads or copies a file.
 *
 * <p>Seam: a watcher is given a callback ({@code Consumer<Path>}) and calls it on its own daemon
 * thread, which {@code close()} ends; discovery is given the registry's {@code add} as a function.
 * The engine core depends on this package, never the reverse.
 */
package dev.reload.core.internal.watch;
