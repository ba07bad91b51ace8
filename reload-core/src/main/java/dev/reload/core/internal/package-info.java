/**
 * The engine's implementation. Not API: types here may change in any release. Public only so
 * that {@code dev.reload.core} can reach them.
 */
package dev.reload.core.internal;
