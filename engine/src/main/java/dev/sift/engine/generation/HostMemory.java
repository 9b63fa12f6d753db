package dev.sift.engine.generation;

import java.lang.management.ManagementFactory;

/** How much of this machine's memory mapped weights may take. */
final class HostMemory {

    private HostMemory() {
    }

    /**
     * Physical memory (the container's limit inside one) less the Java heap's maximum, which the JVM
     * may grow to beside the mapped weights; {@link Long#MAX_VALUE} where the JVM cannot tell.
     */
    static long availableForWeights() {
        if (!(ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os)) {
            return Long.MAX_VALUE;
        }
        long physical = os.getTotalMemorySize();
        long heap = Runtime.getRuntime().maxMemory();
        if (physical <= 0) {
            return Long.MAX_VALUE;
        }
        return heap == Long.MAX_VALUE ? physical : Math.max(0, physical - heap);
    }
}
