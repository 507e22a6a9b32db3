package io.runnel.log;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;

/**
 * Releases a memory mapping now instead of whenever the garbage collector gets to it. Without this,
 * thousands of segment rolls would keep thousands of mappings (and the deleted files' disk space)
 * alive until a GC, and Linux caps mappings per process ({@code vm.max_map_count}).
 *
 * <p>Uses {@code sun.misc.Unsafe.invokeCleaner}, public in the {@code jdk.unsupported} module
 * since Java 9; no {@code --add-opens} is needed. The caller must guarantee nobody touches the
 * buffer afterwards: an access to an unmapped buffer crashes the JVM.
 */
final class MappedBuffers {
    private static final Object UNSAFE;
    private static final Method INVOKE_CLEANER;

    static {
        Object unsafe = null;
        Method invokeCleaner = null;
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field field = unsafeClass.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            unsafe = field.get(null);
            invokeCleaner = unsafeClass.getMethod("invokeCleaner", ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Without it mappings are released by the GC: slower, still correct.
        }
        UNSAFE = unsafe;
        INVOKE_CLEANER = invokeCleaner;
    }

    private MappedBuffers() {
    }

    static void unmap(MappedByteBuffer buffer) {
        if (buffer == null || INVOKE_CLEANER == null) {
            return;
        }
        try {
            INVOKE_CLEANER.invoke(UNSAFE, buffer);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Could not unmap a memory-mapped index", e);
        }
    }
}
