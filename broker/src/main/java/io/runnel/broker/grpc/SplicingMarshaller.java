package io.runnel.broker.grpc;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.runnel.grpc.MethodRebinding;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Writes a {@link SplicedMessage} as a response: gRPC drains the stream into its transport buffers,
 * and the record batches go from the log file into them in chunks, with no heap copy of the whole
 * slice and no {@code ByteString}. The length is known up front (gRPC frames the message with it);
 * a file that fails mid-way fails the call, never a shorter but well-formed message.
 */
final class SplicingMarshaller implements MethodDescriptor.Marshaller<SplicedMessage> {
    static final SplicingMarshaller INSTANCE = new SplicingMarshaller();

    private SplicingMarshaller() {
    }

    @Override
    public InputStream stream(SplicedMessage value) {
        return new SplicedStream(value);
    }

    /** Reads the bytes as they are (a server never parses its responses; tests read with it). */
    @Override
    public SplicedMessage parse(InputStream stream) {
        try {
            return SplicedMessage.ofEncoded(stream.readAllBytes());
        } catch (IOException e) {
            throw Status.INTERNAL.withDescription("cannot read a message").withCause(e).asRuntimeException();
        }
    }

    /**
     * {@code service} with {@code method} answered by {@code handler} through this marshaller; every
     * other method, and the schema (for reflection), as they were.
     */
    static <Q, R> ServerServiceDefinition spliced(ServerServiceDefinition service, MethodDescriptor<Q, R> method,
                                                  ServerCallHandler<Q, SplicedMessage> handler) {
        MethodDescriptor<Q, SplicedMessage> bound = method.toBuilder(method.getRequestMarshaller(), INSTANCE).build();
        return MethodRebinding.replace(service, ServerMethodDefinition.create(bound, handler));
    }

    /** The message's encoding, drained in one pass; read() is there for a caller that does not drain. */
    private static final class SplicedStream extends InputStream implements Drainable, KnownLength {
        private final SplicedMessage message;
        private InputStream read; // the encoding in memory, once read() is used
        private boolean drained;

        SplicedStream(SplicedMessage message) {
            this.message = message;
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            if (read != null || drained) {
                throw new IllegalStateException("already consumed");
            }
            drained = true;
            message.writeTo(target);
            return message.length();
        }

        @Override
        public int available() throws IOException {
            if (read != null) {
                return read.available();
            }
            return drained ? 0 : message.length();
        }

        @Override
        public int read() throws IOException {
            return buffered().read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return buffered().read(b, off, len);
        }

        private InputStream buffered() throws IOException {
            if (read == null) {
                if (drained) {
                    return InputStream.nullInputStream();
                }
                ByteArrayOutputStream all = new ByteArrayOutputStream(message.length());
                message.writeTo(all);
                read = new ByteArrayInputStream(all.toByteArray());
                drained = true;
            }
            return read;
        }
    }
}
