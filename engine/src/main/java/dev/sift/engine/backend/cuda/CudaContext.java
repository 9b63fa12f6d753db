package dev.sift.engine.backend.cuda;

import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static jcuda.driver.JCudaDriver.cuCtxCreate;
import static jcuda.driver.JCudaDriver.cuCtxDestroy;
import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;

/**
 * A CUDA context of its own on one device, through JCuda's driver API. Every JCuda call of the
 * backend goes through this class and the few package-private classes it hands out, which are
 * loaded only once {@link CudaAvailability} has found JCuda and a driver.
 *
 * <p>A context is current per thread, and the decoder may be called from any thread, so every
 * entry point that touches the device first calls {@link #makeCurrent}. All work goes to the
 * legacy default stream: launches run in order, and the synchronous copies back to the host wait
 * for them. Closing destroys the context, which frees every allocation and module in it.
 */
final class CudaContext implements AutoCloseable {

    /** One device as the driver describes it. */
    record Device(int ordinal, String name, long memoryBytes, int computeMajor, int computeMinor) {

        /** E.g. {@code NVIDIA H100 80GB HBM3 (79 GiB, compute 9.0)}. */
        String describe() {
            return name + " (" + gibibytes() + " GiB, compute " + computeMajor + "." + computeMinor + ")";
        }

        long gibibytes() {
            return memoryBytes >> 30;
        }
    }

    /** Errors after which the context is unusable; they surface at the next synchronising call. */
    private static final Set<Integer> KERNEL_FAULTS = Set.of(CUresult.CUDA_ERROR_ILLEGAL_ADDRESS,
            CUresult.CUDA_ERROR_LAUNCH_FAILED, CUresult.CUDA_ERROR_MISALIGNED_ADDRESS,
            CUresult.CUDA_ERROR_ILLEGAL_INSTRUCTION, CUresult.CUDA_ERROR_INVALID_PC,
            CUresult.CUDA_ERROR_HARDWARE_STACK_ERROR, CUresult.CUDA_ERROR_INVALID_ADDRESS_SPACE);

    private static final Pattern PTX_VERSION = Pattern.compile("^\\.version\\s+(\\S+)", Pattern.MULTILINE);

    private final CUcontext context = new CUcontext();
    private final Device device;
    private volatile boolean open;

    /**
     * Creates a context on device {@code ordinal} and makes it current on the calling thread.
     *
     * @throws CudaBackendException if there is no such device or the driver refuses
     */
    CudaContext(int ordinal) {
        check(cuInit(0), "cuInit");
        int count = deviceCount();
        if (ordinal < 0 || ordinal >= count) {
            throw new CudaBackendException("CUDA device " + ordinal + " does not exist (devices: " + count + ")");
        }
        CUdevice handle = new CUdevice();
        check(cuDeviceGet(handle, ordinal), "cuDeviceGet");
        device = describe(ordinal, handle);
        check(cuCtxCreate(context, 0, handle), "cuCtxCreate on device " + ordinal);
        open = true;
    }

    /**
     * Initialises the driver and describes it and every device, e.g.
     * {@code driver CUDA 13.0; device 0: NVIDIA H100 80GB HBM3 (79 GiB, compute 9.0)}.
     *
     * @throws CudaBackendException if the driver fails or has no device
     */
    static String describeDevices() {
        check(cuInit(0), "cuInit");
        int[] version = new int[1];
        check(cuDriverGetVersion(version), "cuDriverGetVersion");
        int count = deviceCount();
        if (count == 0) {
            throw new CudaBackendException("the NVIDIA driver reports no CUDA device");
        }
        List<String> devices = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            CUdevice handle = new CUdevice();
            check(cuDeviceGet(handle, i), "cuDeviceGet");
            devices.add("device " + i + ": " + describe(i, handle).describe());
        }
        return "driver CUDA " + version[0] / 1000 + "." + version[0] % 1000 / 10 + "; " + String.join("; ", devices);
    }

    private static int deviceCount() {
        int[] count = new int[1];
        check(cuDeviceGetCount(count), "cuDeviceGetCount");
        return count[0];
    }

    private static Device describe(int ordinal, CUdevice handle) {
        byte[] name = new byte[256];
        check(cuDeviceGetName(name, name.length, handle), "cuDeviceGetName");
        int length = 0;
        while (length < name.length && name[length] != 0) {
            length++;
        }
        long[] memory = new long[1];
        check(cuDeviceTotalMem(memory, handle), "cuDeviceTotalMem");
        int[] major = new int[1];
        int[] minor = new int[1];
        check(cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, handle),
                "cuDeviceGetAttribute");
        check(cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, handle),
                "cuDeviceGetAttribute");
        return new Device(ordinal, new String(name, 0, length, StandardCharsets.UTF_8), memory[0], major[0], minor[0]);
    }

    /** The device this context runs on. */
    Device device() {
        return device;
    }

    /** Whether {@link #close} has not run yet. */
    boolean isOpen() {
        return open;
    }

    /** Device memory free now, as the driver reports it ({@code cuMemGetInfo}); the context must be current. */
    long freeBytes() {
        long[] free = new long[1];
        long[] total = new long[1];
        check(cuMemGetInfo(free, total), "cuMemGetInfo");
        return free[0];
    }

    /** Makes this context current on the calling thread. */
    void makeCurrent() {
        if (!open) {
            throw new IllegalStateException("the CUDA decoder is closed");
        }
        check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    /**
     * Allocates device memory in this context (which must be current).
     *
     * @param purpose named in the error when the device is out of memory
     */
    DeviceBuffer allocate(long bytes, String purpose) {
        CUdeviceptr pointer = new CUdeviceptr();
        int result = cuMemAlloc(pointer, bytes);
        if (result != CUresult.CUDA_SUCCESS) {
            throw new CudaBackendException("cuMemAlloc of " + bytes + " bytes for " + purpose + " on "
                    + device.describe() + " failed: " + CUresult.stringFor(result));
        }
        return new DeviceBuffer(this, pointer, bytes);
    }

    /**
     * Loads a PTX module of {@link Kernel} into this context (which must be current); the driver
     * JIT-compiles it for the device, caching the result under {@code CUDA_CACHE_PATH}.
     */
    CUmodule loadModule(String name) {
        byte[] ptx = Kernel.ptx(name);
        CUmodule module = new CUmodule();
        int result = cuModuleLoadData(module, ptx);
        if (result == CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION) {
            Matcher version = PTX_VERSION.matcher(new String(ptx, StandardCharsets.US_ASCII));
            throw new CudaBackendException("the NVIDIA driver is too old for Sift's CUDA kernels: " + name
                    + ".ptx is PTX ISA " + (version.find() ? version.group(1) : "(unknown)")
                    + ", which this driver cannot compile (CUDA_ERROR_UNSUPPORTED_PTX_VERSION); update the driver");
        }
        check(result, "cuModuleLoadData(" + name + ".ptx)");
        return module;
    }

    /** Destroys the context and with it all device memory and modules; later calls fail. */
    @Override
    public void close() {
        if (open) {
            open = false;
            check(cuCtxDestroy(context), "cuCtxDestroy");
        }
    }

    /**
     * Turns a driver API result into an exception naming the call and the error.
     *
     * @throws CudaBackendException unless {@code result} is {@code CUDA_SUCCESS}
     */
    static void check(int result, String call) {
        if (result != CUresult.CUDA_SUCCESS) {
            String hint = KERNEL_FAULTS.contains(result)
                    ? " (a kernel failed earlier and the context is now unusable; run with -D"
                    + CudaKernels.SYNCHRONOUS_PROPERTY + "=true to find which)"
                    : "";
            throw new CudaBackendException(call + " failed: " + CUresult.stringFor(result) + hint);
        }
    }
}
