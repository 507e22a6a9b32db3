package io.runnel.faultsuite.workload;

import io.runnel.client.producer.ProducerConfig;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.client.producer.RunnelProducer.ProduceException;
import io.runnel.faultsuite.history.Event;
import io.runnel.faultsuite.history.History;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Idempotent producers (acks=all), each on its own thread sending {@code p<producer>-<seq>} at a
 * steady rate, record {@code seq} to partition {@code seq % partitions}, so every partition gets
 * every producer's records in order. Every send, ack and failure goes into the history.
 */
public final class Producers implements AutoCloseable {
    private final String bootstrap;
    private final String topic;
    private final int partitions;
    private final int count;
    private final int ratePerProducer;
    private final History history;
    private final List<Thread> threads = new ArrayList<>();
    private final List<CompletableFuture<?>> pending = new ArrayList<>();
    private final List<RunnelProducer> producers = new ArrayList<>();
    private volatile boolean running = true;

    public Producers(String bootstrap, String topic, int partitions, int count, int ratePerProducer, History history) {
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.partitions = partitions;
        this.count = count;
        this.ratePerProducer = ratePerProducer;
        this.history = history;
    }

    public void start() {
        for (int p = 0; p < count; p++) {
            RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(bootstrap).withIdempotence(true)
                .withRequestTimeoutMs(5_000).withDeliveryTimeoutMs(60_000).withBatching(16_384, 5));
            producers.add(producer);
            int id = p;
            Thread t = new Thread(() -> sendLoop(id, producer), "producer-" + p);
            threads.add(t);
            t.start();
        }
    }

    private void sendLoop(int id, RunnelProducer producer) {
        long intervalNanos = TimeUnit.SECONDS.toNanos(1) / ratePerProducer;
        long next = System.nanoTime();
        for (long seq = 0; running; seq++) {
            int partition = (int) (seq % partitions);
            long s = seq;
            history.record(at -> new Event.Sent(at, id, s, partition));
            byte[] value = ("p" + id + "-" + seq).getBytes(StandardCharsets.UTF_8);
            CompletableFuture<?> f;
            try {
                f = producer.send(new ProducerRecord(topic, partition, null, null, value, List.of()))
                    .whenComplete((md, error) -> {
                        if (error == null) {
                            history.record(at -> new Event.Acked(at, id, s, md.partition(), md.offset()));
                        } else {
                            failed(id, s, partition, error);
                        }
                    });
            } catch (RuntimeException e) {
                failed(id, s, partition, e);
                continue;
            }
            synchronized (pending) {
                pending.add(f);
            }
            next += intervalNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait); // the workload's send rate
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private void failed(int id, long seq, int partition, Throwable error) {
        Throwable cause = error.getCause() != null && !(error instanceof ProduceException) ? error.getCause() : error;
        boolean possiblyWritten = !(cause instanceof ProduceException pe) || pe.possiblyWritten();
        history.record(at -> new Event.SendFailed(at, id, seq, partition, String.valueOf(cause.getMessage()), possiblyWritten));
    }

    /** Stops sending and waits (up to {@code timeout}) until every send is acknowledged or failed. */
    public void stopAndAwait(Duration timeout) throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(timeout.toMillis());
        }
        List<CompletableFuture<?>> all;
        synchronized (pending) {
            all = List.copyOf(pending);
        }
        try {
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // failures are in the history; sends still open at the deadline are neither acked nor failed
        }
    }

    @Override
    public void close() {
        running = false;
        threads.forEach(Thread::interrupt);
        producers.forEach(RunnelProducer::close);
    }
}
