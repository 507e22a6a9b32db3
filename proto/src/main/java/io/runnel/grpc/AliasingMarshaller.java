package io.runnel.grpc;

import com.google.protobuf.ByteOutput;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * Parses a response with large {@code bytes} fields (fetched or replicated record batches) from one array that
 * the message's {@code ByteString}s then point into: the bytes are copied once, from the transport
 * into that array. The stock protobuf marshaller reads a stream in chunks and copies every
 * {@code bytes} field out of them again. Requests are written as the stock marshaller writes them.
 *
 * @param <T> the response type
 */
public final class AliasingMarshaller<T extends MessageLite> implements MethodDescriptor.Marshaller<T> {
    private final MethodDescriptor.Marshaller<T> stock;
    private final Parser<T> parser;

    private AliasingMarshaller(MethodDescriptor.Marshaller<T> stock, Parser<T> parser) {
        this.stock = stock;
        this.parser = parser;
    }

    /** {@code method} with its responses parsed by an {@link AliasingMarshaller}. */
    @SuppressWarnings("unchecked")
    public static <Q, R extends MessageLite> MethodDescriptor<Q, R> responsesAliased(MethodDescriptor<Q, R> method, R defaultInstance) {
        MethodDescriptor.Marshaller<R> stock = method.getResponseMarshaller();
        return method.toBuilder(method.getRequestMarshaller(),
            new AliasingMarshaller<>(stock, (Parser<R>) defaultInstance.getParserForType())).build();
    }

    /** {@code method} with its requests parsed by an {@link AliasingMarshaller} (a server's side). */
    @SuppressWarnings("unchecked")
    public static <Q extends MessageLite, R> MethodDescriptor<Q, R> requestsAliased(MethodDescriptor<Q, R> method, Q defaultInstance) {
        MethodDescriptor.Marshaller<Q> stock = method.getRequestMarshaller();
        return method.toBuilder(new AliasingMarshaller<>(stock, (Parser<Q>) defaultInstance.getParserForType()),
            method.getResponseMarshaller()).build();
    }

    /**
     * {@code service} with {@code method}'s requests parsed by an {@link AliasingMarshaller}; every
     * other method, and the schema (for reflection), as they were.
     */
    @SuppressWarnings("unchecked")
    public static <Q extends MessageLite, R> ServerServiceDefinition requestsAliased(ServerServiceDefinition service,
                                                                                   MethodDescriptor<Q, R> method, Q defaultInstance) {
        ServerMethodDefinition<Q, R> stock = (ServerMethodDefinition<Q, R>) service.getMethod(method.getFullMethodName());
        return MethodRebinding.replace(service,
            ServerMethodDefinition.create(requestsAliased(method, defaultInstance), stock.getServerCallHandler()));
    }

    /**
     * A writable view of {@code field}, which must be a {@code bytes} field of a message this
     * marshaller parsed: it points into the array the message was read into, which nothing else
     * holds, so the caller may change the bytes in place (a leader stamps offsets into a produced
     * batch) instead of copying them out first. (Called on a field of a message built in this JVM,
     * it would expose that message's own array.) A field not backed by one array is copied.
     */
    public static ByteBuffer writableView(ByteString field) {
        ByteBuffer[] view = new ByteBuffer[1];
        try {
            UnsafeByteOperations.unsafeWriteTo(field, new ByteOutput() {
                @Override
                public void write(byte value) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public void write(byte[] value, int offset, int length) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public void writeLazy(byte[] value, int offset, int length) {
                    view[0] = view[0] == null ? ByteBuffer.wrap(value, offset, length).slice() : null;
                }

                @Override
                public void write(ByteBuffer value) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public void writeLazy(ByteBuffer value) {
                    throw new UnsupportedOperationException();
                }
            });
        } catch (IOException | UnsupportedOperationException e) {
            view[0] = null; // not one array-backed piece: copy below
        }
        return view[0] != null ? view[0] : ByteBuffer.wrap(field.toByteArray());
    }

    @Override
    public InputStream stream(T value) {
        return stock.stream(value);
    }

    @Override
    public T parse(InputStream stream) {
        try {
            byte[] bytes = stream instanceof KnownLength ? readExactly(stream, stream.available()) : stream.readAllBytes();
            // A stream over an array the parser may keep: only then do bytes fields alias it.
            CodedInputStream in = UnsafeByteOperations.unsafeWrap(bytes).newCodedInput();
            in.enableAliasing(true);
            T message = parser.parseFrom(in);
            in.checkLastTagWas(0);
            return message;
        } catch (InvalidProtocolBufferException e) {
            throw Status.INTERNAL.withDescription("Invalid protobuf byte sequence").withCause(e).asRuntimeException();
        } catch (IOException e) {
            throw Status.INTERNAL.withDescription("Cannot read the response").withCause(e).asRuntimeException();
        }
    }

    private static byte[] readExactly(InputStream stream, int length) throws IOException {
        byte[] bytes = new byte[length];
        int done = 0;
        while (done < length) {
            int n = stream.read(bytes, done, length - done);
            if (n < 0) {
                throw new IOException("the response ended after " + done + " of " + length + " bytes");
            }
            done += n;
        }
        if (stream.read() != -1) {
            throw new IOException("the response is longer than the " + length + " bytes it announced");
        }
        return bytes;
    }
}
