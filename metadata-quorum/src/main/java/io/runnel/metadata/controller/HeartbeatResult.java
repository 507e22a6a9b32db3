package io.runnel.metadata.controller;

/**
 * The controller's answer to a broker heartbeat.
 *
 * @param fenced        the broker is fenced (it must not lead or serve)
 * @param shutdownReady the broker asked to shut down and leads nothing any more: it may stop
 */
public record HeartbeatResult(boolean fenced, boolean shutdownReady) {
}
