package io.runnel.grpc;

import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import java.util.ArrayList;
import java.util.List;

/**
 * Binds one method of a generated service again, with another descriptor (marshallers) or handler:
 * how the hot RPCs get their own marshallers while the rest of the service stays generated.
 */
public final class MethodRebinding {
    private MethodRebinding() {
    }

    /**
     * {@code service} with the method of {@code replacement}'s full name bound as {@code replacement};
     * every other method, and the schema (for reflection), as they were.
     *
     * @throws IllegalArgumentException if the service has no method of that name
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static ServerServiceDefinition replace(ServerServiceDefinition service, ServerMethodDefinition<?, ?> replacement) {
        String name = replacement.getMethodDescriptor().getFullMethodName();
        if (service.getMethod(name) == null) {
            throw new IllegalArgumentException(service.getServiceDescriptor().getName() + " has no method " + name);
        }
        ServiceDescriptor stock = service.getServiceDescriptor();
        ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(stock.getName())
            .setSchemaDescriptor(stock.getSchemaDescriptor());
        List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
        for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
            ServerMethodDefinition<?, ?> kept = m.getMethodDescriptor().getFullMethodName().equals(name) ? replacement : m;
            descriptor.addMethod(kept.getMethodDescriptor());
            methods.add(kept);
        }
        ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(descriptor.build());
        methods.forEach(m -> out.addMethod((ServerMethodDefinition) m));
        return out.build();
    }
}
