package dev.sift.engine.backend.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemsetD32;

/**
 * One allocation of device memory in a {@link CudaContext}. The copies are synchronous; the
 * context must be current on the calling thread.
 */
final class DeviceBuffer {

    /**
     * Bytes per host-to-device copy from a memory segment: a {@link java.nio.ByteBuffer} view, which
     * is what JCuda can point at, holds at most 2 GiB.
     */
    private static final long UPLOAD_CHUNK = 1L << 30;

    private final CudaContext context;
    private final CUdeviceptr pointer;
    private final long bytes;
    private boolean freed;

    DeviceBuffer(CudaContext context, CUdeviceptr pointer, long bytes) {
        this.context = context;
        this.pointer = pointer;
        this.bytes = bytes;
    }

    CUdeviceptr pointer() {
        return pointer;
    }

    long bytes() {
        return bytes;
    }

    /** Copies {@code count} bytes from host memory at {@code source} to {@code offset} in this buffer. */
    void write(long offset, Pointer source, long count) {
        checkRange(offset, count);
        CudaContext.check(cuMemcpyHtoD(pointer.withByteOffset(offset), source, count), "cuMemcpyHtoD");
    }

    /** Copies {@code count} bytes from {@code offset} in this buffer to host memory at {@code target}. */
    void read(long offset, Pointer target, long count) {
        checkRange(offset, count);
        CudaContext.check(cuMemcpyDtoH(target, pointer.withByteOffset(offset), count), "cuMemcpyDtoH");
    }

    /**
     * Copies all of {@code source} (a mapped file, or any other segment) to the start of this
     * buffer. Off-heap segments are copied in place; heap segments go through a byte array.
     */
    void write(MemorySegment source) {
        for (long at = 0; at < source.byteSize(); at += UPLOAD_CHUNK) {
            MemorySegment chunk = source.asSlice(at, Math.min(UPLOAD_CHUNK, source.byteSize() - at));
            Pointer host = chunk.isNative()
                    ? Pointer.to(chunk.asByteBuffer())
                    : Pointer.to(chunk.toArray(ValueLayout.JAVA_BYTE));
            write(at, host, chunk.byteSize());
        }
    }

    /** Sets {@code count} 32-bit words from {@code offset} (a multiple of 4) to {@code value}. */
    void fill(long offset, int value, long count) {
        checkRange(offset, count * Integer.BYTES);
        CudaContext.check(cuMemsetD32(pointer.withByteOffset(offset), value, count), "cuMemsetD32");
    }

    /** Returns the memory to the device; nothing to do once the context itself is gone. */
    void free() {
        if (!freed && context.isOpen()) {
            context.makeCurrent();
            CudaContext.check(cuMemFree(pointer), "cuMemFree");
        }
        freed = true;
    }

    private void checkRange(long offset, long count) {
        if (freed) {
            throw new IllegalStateException("device buffer used after it was freed");
        }
        if (offset < 0 || count < 0 || offset + count > bytes) {
            throw new IndexOutOfBoundsException("bytes " + offset + ".." + (offset + count)
                    + " are outside a device buffer of " + bytes);
        }
    }
}
