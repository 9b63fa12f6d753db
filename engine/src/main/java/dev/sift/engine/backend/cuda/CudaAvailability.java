package dev.sift.engine.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.util.Locale;

/**
 * Whether the CUDA backend can run in this JVM: JCuda on the class path, an NVIDIA driver, and at
 * least one device. Found out once per JVM, on first use.
 *
 * <p>Safe to call anywhere: it never throws and prints nothing itself (without
 * {@code --enable-native-access=ALL-UNNAMED} the JDK warns once that native access was used). JCuda
 * is touched only after the driver library itself was found loadable, because JCuda's native
 * library cannot load without it and its class initialisation then fails for the rest of the JVM's
 * life.
 *
 * @param available whether {@link CudaDecoder} can be created
 * @param detail    the driver and devices when available (e.g. {@code driver CUDA 13.0; device 0:
 *                  NVIDIA H100 80GB HBM3 (79 GiB, compute 9.0)}), otherwise the reason, one line
 */
public record CudaAvailability(boolean available, String detail) {

    /** The result for this JVM. */
    public static CudaAvailability probe() {
        return Result.VALUE;
    }

    /** Holder: the probe runs when first asked for, once. */
    private static final class Result {
        static final CudaAvailability VALUE = run();
    }

    private static CudaAvailability run() {
        try {
            Class.forName("jcuda.driver.JCudaDriver", false, CudaAvailability.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return unavailable("JCuda (org.jcuda:jcuda) is not on the class path");
        }
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String driver = os.contains("linux") ? "libcuda.so.1" : os.contains("windows") ? "nvcuda.dll" : null;
        if (driver == null) {
            return unavailable("CUDA is not supported on " + System.getProperty("os.name"));
        }
        try {
            if (!loads(driver)) {
                return unavailable("no NVIDIA driver: " + driver + " cannot be loaded");
            }
        } catch (IllegalCallerException e) {
            return unavailable("native access is disabled; run Java with --enable-native-access=ALL-UNNAMED");
        }
        try {
            return new CudaAvailability(true, CudaContext.describeDevices());
        } catch (CudaBackendException e) {
            return unavailable(e.getMessage());
        } catch (LinkageError e) {
            return unavailable("JCuda's native library did not load: " + summary(e));
        } catch (RuntimeException e) {
            return unavailable("the CUDA probe failed: " + summary(e));
        }
    }

    /** Whether the dynamic linker can load {@code library}; it is unloaded again, nothing in it is called. */
    @SuppressWarnings("restricted")
    private static boolean loads(String library) {
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup.libraryLookup(library, arena);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static CudaAvailability unavailable(String reason) {
        return new CudaAvailability(false, reason);
    }

    /**
     * One line out of an error message. JCuda's load errors carry whole nested stack traces in
     * their message; the last nested error line says what actually failed.
     */
    private static String summary(Throwable e) {
        String message = String.valueOf(e.getMessage());
        String[] lines = message.split("\\R");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (lines[i].startsWith("java.lang.UnsatisfiedLinkError: ")) {
                return lines[i].substring("java.lang.".length());
            }
        }
        return e.getClass().getSimpleName() + ": " + lines[0];
    }
}
