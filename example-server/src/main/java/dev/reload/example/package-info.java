/**
 * The example server: a long-running HTTP service whose greeting and counting logic live in the
 * native plugins of {@code native-plugins}, hot-reloaded by Reload while it serves.
 */
package dev.reload.example;
