package dev.sift.engine.bench;

import dev.sift.engine.backend.CpuKernels;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Measures the machine's memory read bandwidth the way decoding uses it: every worker thread
 * streams through its own contiguous share of one large off-heap segment, summing it in vector
 * lanes. The segment is far larger than any cache, so the time is that of memory. Decoding a token
 * reads every weight once, so this bandwidth over the bytes of the weights bounds decode speed.
 */
public final class ReadBandwidth {

    /** Bytes streamed per run by default: 1 GiB, many times any cache. */
    public static final long DEFAULT_BYTES = 1L << 30;

    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;

    private ReadBandwidth() {
    }

    /**
     * The median over {@code runs} (after one warm-up) of the bytes per second read by
     * {@code threads} threads together streaming {@code bytes} bytes, in GB/s (10^9 bytes).
     *
     * @param threads worker threads; 0 means all available processors
     */
    public static double measure(int threads, long bytes, int runs) {
        if (runs < 1 || bytes < (1 << 20)) {
            throw new IllegalArgumentException("the bandwidth probe needs at least one run over at least 1 MiB, got "
                    + runs + " runs over " + bytes + " bytes");
        }
        try (Arena arena = Arena.ofShared(); CpuKernels kernels = new CpuKernels(threads)) {
            MemorySegment segment = arena.allocate(bytes, 64);
            // Touches every page, so that the runs read memory rather than fault it in.
            segment.fill((byte) 1);
            int parts = kernels.threads();
            long share = bytes / parts / L.vectorByteSize() * L.vectorByteSize();
            long[] sums = new long[parts];
            double[] speeds = new double[runs];
            for (int run = -1; run < runs; run++) {
                long start = System.nanoTime();
                kernels.parallelFor(parts, p -> sums[p] += sum(segment, p * share, share));
                long elapsed = System.nanoTime() - start;
                if (run >= 0) {
                    speeds[run] = (double) share * parts / elapsed;
                }
            }
            // The sums must be used, or the JIT could drop the reads; every byte is 1.
            long expected = (runs + 1) * share * parts / Long.BYTES * 0x0101010101010101L;
            if (Arrays.stream(sums).sum() != expected) {
                throw new IllegalStateException("bandwidth probe read wrong data");
            }
            Arrays.sort(speeds);
            return runs % 2 == 1 ? speeds[runs / 2] : (speeds[runs / 2 - 1] + speeds[runs / 2]) / 2;
        }
    }

    private static long sum(MemorySegment segment, long from, long bytes) {
        LongVector acc = LongVector.zero(L);
        for (long at = from, end = from + bytes; at < end; at += L.vectorByteSize()) {
            acc = LongVector.fromMemorySegment(L, segment, at, ByteOrder.LITTLE_ENDIAN).add(acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
