package io.fedbiot.kernels.cuda;

import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

import java.util.List;

/**
 * Whether this process can use a CUDA device, decided once. JCuda's native library fails to load
 * without a driver (UnsatisfiedLinkError) and every later touch of the class fails differently
 * (NoClassDefFoundError), so the first answer is cached; nothing else touches JCuda before asking
 * here. The probe itself is silent (it runs for {@code auto} on every command); the cuda backend
 * says its one line when the user asked for the GPU. Without libcuda.so.1 JCuda is not loaded at
 * all. {@code -Dfedbiot.cuda.disable=true} turns the GPU off.
 *
 * @param usable        a device of compute capability 8.0+ answered through the driver API
 * @param reason        why not, in words (empty when usable)
 * @param device        the name of device 0
 * @param ccMajor       compute capability, e.g. 9 for sm_90
 * @param totalMemory   device memory in bytes
 * @param driverVersion the driver's CUDA version as 1000*major + 10*minor (13000 = 13.0)
 */
public record CudaProbe(boolean usable, String reason, String device, int ccMajor, int ccMinor,
                        long totalMemory, int driverVersion) {
    /** The oldest architecture the kernels are built for (bf16 arithmetic, cp.async). */
    public static final int MIN_CC_MAJOR = 8;

    private static final String DRIVER = "libcuda.so.1";

    private static volatile CudaProbe cached;

    /** The cached probe; the first call runs it, silently. */
    public static CudaProbe get() {
        CudaProbe p = cached;
        if (p == null) {
            synchronized (CudaProbe.class) {
                if (cached == null) cached = run();
                p = cached;
            }
        }
        return p;
    }

    /** Runs the probe now (not cached): never throws, whatever state JCuda is in. */
    static CudaProbe run() {
        if (Boolean.getBoolean("fedbiot.cuda.disable")) return unusable("disabled by -Dfedbiot.cuda.disable=true");
        // JCuda's own load failure is a long UnsatisfiedLinkError about its wrapper; the missing driver is the cause.
        if (CudaLibraries.system().find(List.of(DRIVER)).isEmpty()) return unusable("no " + DRIVER + " found");
        try {
            return probeDriver();
        } catch (LinkageError e) {
            return unusable("the CUDA driver library did not load (" + Ffm.firstLine(e) + "); "
                    + "a GPU needs the NVIDIA driver's libcuda.so.1 on the library path");
        } catch (RuntimeException e) {
            return unusable(Ffm.firstLine(e));
        }
    }

    private static CudaProbe probeDriver() {
        JCudaDriver.setExceptionsEnabled(false);   // return codes are checked here, by name
        int rc = JCudaDriver.cuInit(0);
        if (rc == CUresult.CUDA_ERROR_NO_DEVICE) return unusable("cuInit: no CUDA device (CUDA_ERROR_NO_DEVICE)");
        if (rc != CUresult.CUDA_SUCCESS) return unusable("cuInit failed: " + Cu.name(rc) + " (" + rc + ")");
        int[] count = new int[1];
        Cu.check(JCudaDriver.cuDeviceGetCount(count), "cuDeviceGetCount");
        if (count[0] == 0) return unusable("the driver reports no CUDA device");
        CUdevice dev = new CUdevice();
        Cu.check(JCudaDriver.cuDeviceGet(dev, 0), "cuDeviceGet(0)");
        byte[] name = new byte[256];
        Cu.check(JCudaDriver.cuDeviceGetName(name, name.length, dev), "cuDeviceGetName");
        int major = attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, "compute capability major");
        int minor = attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, "compute capability minor");
        long[] mem = new long[1];
        Cu.check(JCudaDriver.cuDeviceTotalMem(mem, dev), "cuDeviceTotalMem");
        int[] version = new int[1];
        Cu.check(JCudaDriver.cuDriverGetVersion(version), "cuDriverGetVersion");
        String dn = cString(name);
        if (major < MIN_CC_MAJOR)
            return new CudaProbe(false, dn + " has compute capability " + major + "." + minor + "; the kernels need "
                    + MIN_CC_MAJOR + ".0 or newer", dn, major, minor, mem[0], version[0]);
        return new CudaProbe(true, "", dn, major, minor, mem[0], version[0]);
    }

    static int attribute(CUdevice dev, int attr, String what) {
        int[] v = new int[1];
        Cu.check(JCudaDriver.cuDeviceGetAttribute(v, attr, dev), "cuDeviceGetAttribute(" + what + ")");
        return v[0];
    }

    static CudaProbe unusable(String reason) {
        return new CudaProbe(false, reason, "", 0, 0, 0, 0);
    }

    /** One plain line, e.g. "not available (no libcuda.so.1 found)" or "GPU 0: NVIDIA H200, sm_90, ...". */
    public String describe() {
        if (!usable) return "not available (" + reason + ")";
        return String.format("GPU 0: %s, sm_%d%d, %.1f GiB, driver CUDA %d.%d", device, ccMajor, ccMinor,
                totalMemory / (double) (1L << 30), driverVersion / 1000, driverVersion % 1000 / 10);
    }

    private static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) n++;
        return new String(b, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }
}
