/**
 * The Java client: producer, consumer, admin client and the {@code runnel} CLI.
 * Filled in by the client issue; nothing here is used yet.
 */
package io.runnel.client;
