package io.runnel.grpc;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;

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
