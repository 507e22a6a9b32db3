/**
 * The record-batch binary format shared by producers, brokers and consumers: layout constants,
 * a flyweight that reads and rewrites batch headers in place, a builder, the compression codecs and
 * the named errors for bad bytes. Specified byte by byte in {@code docs/record-batch.md}.
 */
package io.runnel.record;
