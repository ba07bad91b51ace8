/**
 * What applications implement to extend Reload: {@link dev.reload.spi.StateSnapshot} moves a
 * stateful plugin's state from the outgoing version to the incoming one.
 */
package dev.reload.spi;
