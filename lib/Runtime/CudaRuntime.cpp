//===- CudaRuntime.cpp - CUDA driver runtime loaded with dlopen -----------===//
//
// Declares the few driver types and entry points it needs itself (no cuda.h),
// resolves them from libcuda.so.1 at run time, and reports every failure with
// the driver's error name.
//
//===----------------------------------------------------------------------===//

#include "fa/Runtime/CudaRuntime.h"

#include "AMD/HipRuntime.h"

#include <dlfcn.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

namespace {

using CUresult = int;
using CUdevice = int;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUevent = struct CUevent_st *;
using CUdeviceptr = unsigned long long;

// Driver enum values used here (stable across CUDA versions).
constexpr int kAttrComputeCapabilityMajor = 75;
constexpr int kAttrComputeCapabilityMinor = 76;
constexpr int kAttrMultiprocessorCount = 16;
constexpr int kFuncAttrMaxThreads = 0;
constexpr int kFuncAttrSharedSizeBytes = 1;
constexpr int kFuncAttrNumRegs = 4;
constexpr int kFuncAttrMaxDynamicSharedSizeBytes = 8;

struct Driver {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuGetErrorName)(CUresult, const char **);
  CUresult (*cuGetErrorString)(CUresult, const char **);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetCount)(int *);
  CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuCtxSynchronize)();
  CUresult (*cuModuleLoadData)(CUmodule *, const void *);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuFuncGetAttribute)(int *, int, CUfunction);
  CUresult (*cuFuncSetAttribute)(CUfunction, int, int);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, CUstream, void **,
                             void **);
  CUresult (*cuEventCreate)(CUevent *, unsigned);
  CUresult (*cuEventRecord)(CUevent, CUstream);
  CUresult (*cuEventSynchronize)(CUevent);
  CUresult (*cuEventElapsedTime)(float *, CUevent, CUevent);
  CUresult (*cuEventDestroy)(CUevent);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*cuMemcpyDtoH)(void *, CUdeviceptr, size_t);
  CUresult (*cuMemsetD8)(CUdeviceptr, unsigned char, size_t);
  CUresult (*cuMemGetInfo)(size_t *, size_t *);
  // Optional (CUDA 12): only kernels with TMA descriptors need it.
  CUresult (*cuTensorMapEncodeTiled)(void *, int, unsigned, void *,
                                     const uint64_t *, const uint64_t *,
                                     const unsigned *, const unsigned *, int,
                                     int, int, int);
};

thread_local std::string lastError;
Driver driver;
bool driverLoaded = false;
std::string loadFailure;
std::once_flag loadOnce;
CUdevice currentDevice = 0;
// The platform selected with fa_rt_select_platform: HIP calls go to
// AMD/HipRuntime.cpp.
std::atomic<bool> useHip{false};

int fail(const std::string &msg) {
  if (useHip)
    return fa::hip::fail(msg);
  lastError = msg;
  return 1;
}

/// Formats a driver failure as "what: CUDA_ERROR_X (description)".
int check(CUresult res, const char *what) {
  if (res == 0)
    return 0;
  const char *name = nullptr, *desc = nullptr;
  if (driver.cuGetErrorName)
    driver.cuGetErrorName(res, &name);
  if (driver.cuGetErrorString)
    driver.cuGetErrorString(res, &desc);
  std::string msg = std::string(what) + ": " +
                    (name ? name : ("CUDA error " + std::to_string(res)));
  if (desc)
    msg += std::string(" (") + desc + ")";
  return fail(msg);
}

template <typename Fn> bool resolve(void *lib, Fn &fn, const char *name) {
  fn = reinterpret_cast<Fn>(dlsym(lib, name));
  if (!fn)
    loadFailure = std::string("libcuda.so.1 lacks ") + name;
  return fn != nullptr;
}

void loadDriver() {
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *err = dlerror();
    loadFailure = std::string("cannot load the CUDA driver (libcuda.so.1): ") +
                  (err ? err : "not found") +
                  "; is an NVIDIA GPU and its driver installed?";
    return;
  }
  Driver d{};
  bool ok =
      resolve(lib, d.cuInit, "cuInit") &&
      resolve(lib, d.cuGetErrorName, "cuGetErrorName") &&
      resolve(lib, d.cuGetErrorString, "cuGetErrorString") &&
      resolve(lib, d.cuDeviceGet, "cuDeviceGet") &&
      resolve(lib, d.cuDeviceGetCount, "cuDeviceGetCount") &&
      resolve(lib, d.cuDeviceGetAttribute, "cuDeviceGetAttribute") &&
      resolve(lib, d.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain") &&
      resolve(lib, d.cuCtxSetCurrent, "cuCtxSetCurrent") &&
      resolve(lib, d.cuCtxSynchronize, "cuCtxSynchronize") &&
      resolve(lib, d.cuModuleLoadData, "cuModuleLoadData") &&
      resolve(lib, d.cuModuleUnload, "cuModuleUnload") &&
      resolve(lib, d.cuModuleGetFunction, "cuModuleGetFunction") &&
      resolve(lib, d.cuFuncGetAttribute, "cuFuncGetAttribute") &&
      resolve(lib, d.cuFuncSetAttribute, "cuFuncSetAttribute") &&
      resolve(lib, d.cuLaunchKernel, "cuLaunchKernel") &&
      resolve(lib, d.cuEventCreate, "cuEventCreate") &&
      resolve(lib, d.cuEventRecord, "cuEventRecord") &&
      resolve(lib, d.cuEventSynchronize, "cuEventSynchronize") &&
      resolve(lib, d.cuEventElapsedTime, "cuEventElapsedTime") &&
      resolve(lib, d.cuEventDestroy, "cuEventDestroy_v2") &&
      resolve(lib, d.cuMemAlloc, "cuMemAlloc_v2") &&
      resolve(lib, d.cuMemFree, "cuMemFree_v2") &&
      resolve(lib, d.cuMemcpyHtoD, "cuMemcpyHtoD_v2") &&
      resolve(lib, d.cuMemcpyDtoH, "cuMemcpyDtoH_v2") &&
      resolve(lib, d.cuMemsetD8, "cuMemsetD8_v2") &&
      resolve(lib, d.cuMemGetInfo, "cuMemGetInfo_v2");
  if (!ok)
    return;
  d.cuTensorMapEncodeTiled =
      reinterpret_cast<decltype(d.cuTensorMapEncodeTiled)>(
          dlsym(lib, "cuTensorMapEncodeTiled"));
  driver = d;
  driverLoaded = true;
}

int ensureDriver() {
  std::call_once(loadOnce, loadDriver);
  if (!driverLoaded)
    return fail(loadFailure);
  return 0;
}

} // namespace

struct fa_rt_kernel {
  CUmodule module = nullptr;
  CUfunction function = nullptr;
  int maxDynSmemSet = 0;
};

extern "C" {

const char *fa_rt_last_error(void) {
  return useHip ? fa::hip::lastError() : lastError.c_str();
}

int fa_rt_select_platform(const char *platform) {
  std::string p = platform ? platform : "";
  if (p != "cuda" && p != "hip") {
    lastError = "unknown GPU platform '" + p + "' (expected cuda or hip)";
    return 1;
  }
  useHip = p == "hip";
  return 0;
}

int fa_rt_init(int device) {
  if (useHip)
    return fa::hip::init(device);
  if (ensureDriver())
    return 1;
  if (check(driver.cuInit(0), "cuInit"))
    return 1;
  int count = 0;
  if (check(driver.cuDeviceGetCount(&count), "cuDeviceGetCount"))
    return 1;
  if (device < 0 || device >= count)
    return fail("no CUDA device " + std::to_string(device) + " (found " +
                std::to_string(count) + ")");
  CUdevice dev;
  CUcontext ctx;
  if (check(driver.cuDeviceGet(&dev, device), "cuDeviceGet") ||
      check(driver.cuDevicePrimaryCtxRetain(&ctx, dev),
            "cuDevicePrimaryCtxRetain") ||
      check(driver.cuCtxSetCurrent(ctx), "cuCtxSetCurrent"))
    return 1;
  currentDevice = dev;
  return 0;
}

int fa_rt_compute_capability(int *cc) {
  if (useHip)
    return fa::hip::computeCapability(cc);
  if (ensureDriver())
    return 1;
  int major = 0, minor = 0;
  if (check(driver.cuDeviceGetAttribute(&major, kAttrComputeCapabilityMajor,
                                        currentDevice),
            "cuDeviceGetAttribute") ||
      check(driver.cuDeviceGetAttribute(&minor, kAttrComputeCapabilityMinor,
                                        currentDevice),
            "cuDeviceGetAttribute"))
    return 1;
  *cc = major * 10 + minor;
  return 0;
}

int fa_rt_sm_count(int *count) {
  if (useHip)
    return fa::hip::smCount(count);
  if (ensureDriver())
    return 1;
  return check(driver.cuDeviceGetAttribute(count, kAttrMultiprocessorCount,
                                           currentDevice),
               "cuDeviceGetAttribute");
}

int fa_rt_load_data(const void *image, size_t size, const char *entry,
                    fa_rt_kernel **out) {
  if (useHip)
    return fa::hip::loadData(image, size, entry, out);
  *out = nullptr;
  if (ensureDriver())
    return 1;
  if (!image || size == 0)
    return fail("empty cubin image");
  auto *kernel = new fa_rt_kernel();
  if (check(driver.cuModuleLoadData(&kernel->module, image),
            "cuModuleLoadData")) {
    delete kernel;
    return 1;
  }
  if (check(
          driver.cuModuleGetFunction(&kernel->function, kernel->module, entry),
          (std::string("cuModuleGetFunction('") + entry + "')").c_str())) {
    driver.cuModuleUnload(kernel->module);
    delete kernel;
    return 1;
  }
  *out = kernel;
  return 0;
}

int fa_rt_load_file(const char *path, const char *entry, fa_rt_kernel **out) {
  *out = nullptr;
  FILE *f = std::fopen(path, "rb");
  if (!f)
    return fail(std::string("cannot open cubin '") + path +
                "': " + std::strerror(errno));
  std::vector<char> data;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0)
    data.insert(data.end(), buf, buf + n);
  std::fclose(f);
  return fa_rt_load_data(data.data(), data.size(), entry, out);
}

void fa_rt_unload(fa_rt_kernel *kernel) {
  if (useHip)
    return fa::hip::unload(kernel);
  if (!kernel)
    return;
  if (driverLoaded && kernel->module)
    driver.cuModuleUnload(kernel->module);
  delete kernel;
}

int fa_rt_kernel_info(fa_rt_kernel *kernel, int *regs, int *staticSmem,
                      int *maxThreads) {
  if (useHip)
    return fa::hip::kernelInfo(kernel, regs, staticSmem, maxThreads);
  if (ensureDriver())
    return 1;
  return check(driver.cuFuncGetAttribute(regs, kFuncAttrNumRegs,
                                         kernel->function),
               "cuFuncGetAttribute") ||
         check(driver.cuFuncGetAttribute(staticSmem, kFuncAttrSharedSizeBytes,
                                         kernel->function),
               "cuFuncGetAttribute") ||
         check(driver.cuFuncGetAttribute(maxThreads, kFuncAttrMaxThreads,
                                         kernel->function),
               "cuFuncGetAttribute");
}

int fa_rt_launch(fa_rt_kernel *kernel, const unsigned grid[3],
                 const unsigned block[3], unsigned dynSmem, void *stream,
                 void **args) {
  if (useHip)
    return fa::hip::launch(kernel, grid, block, dynSmem, stream, args);
  if (ensureDriver())
    return 1;
  if (!kernel)
    return fail("launch of a null kernel");
  // Dynamic shared memory above 48 KiB must be opted into per function.
  if (dynSmem > 48 * 1024 &&
      static_cast<int>(dynSmem) > kernel->maxDynSmemSet) {
    if (check(driver.cuFuncSetAttribute(kernel->function,
                                        kFuncAttrMaxDynamicSharedSizeBytes,
                                        static_cast<int>(dynSmem)),
              "cuFuncSetAttribute(max dynamic shared memory)"))
      return 1;
    kernel->maxDynSmemSet = static_cast<int>(dynSmem);
  }
  return check(driver.cuLaunchKernel(kernel->function, grid[0], grid[1],
                                     grid[2], block[0], block[1], block[2],
                                     dynSmem, static_cast<CUstream>(stream),
                                     args, nullptr),
               "cuLaunchKernel");
}

int fa_rt_time(fa_rt_kernel *kernel, const unsigned grid[3],
               const unsigned block[3], unsigned dynSmem, void *stream,
               void **args, int warmup, int iters, float *ms) {
  if (useHip)
    return fa::hip::time(kernel, grid, block, dynSmem, stream, args, warmup,
                         iters, ms);
  if (ensureDriver())
    return 1;
  for (int i = 0; i < warmup; ++i)
    if (fa_rt_launch(kernel, grid, block, dynSmem, stream, args))
      return 1;
  CUevent start = nullptr, stop = nullptr;
  if (check(driver.cuEventCreate(&start, 0), "cuEventCreate") ||
      check(driver.cuEventCreate(&stop, 0), "cuEventCreate"))
    return 1;
  int rc = 0;
  auto s = static_cast<CUstream>(stream);
  for (int i = 0; i < iters && rc == 0; ++i) {
    rc = check(driver.cuEventRecord(start, s), "cuEventRecord") ||
         fa_rt_launch(kernel, grid, block, dynSmem, stream, args) ||
         check(driver.cuEventRecord(stop, s), "cuEventRecord") ||
         check(driver.cuEventSynchronize(stop), "cuEventSynchronize") ||
         check(driver.cuEventElapsedTime(&ms[i], start, stop),
               "cuEventElapsedTime");
  }
  driver.cuEventDestroy(start);
  driver.cuEventDestroy(stop);
  return rc;
}

int fa_rt_encode_tensor_map(void *out, const char *dtype, unsigned rank,
                            uint64_t ptr, const int64_t *sizes,
                            const int64_t *strides, const int64_t *box,
                            unsigned swizzle) {
  if (ensureDriver())
    return 1;
  if (!driver.cuTensorMapEncodeTiled)
    return fail("the CUDA driver lacks cuTensorMapEncodeTiled (TMA needs "
                "CUDA 12 or later)");
  // CUtensorMapDataType, CUtensorMapSwizzle, CUtensorMapL2promotion values.
  std::string t = dtype ? dtype : "";
  int dataType = t == "bf16"                   ? 9
                 : (t == "f16" || t == "fp16") ? 6
                 : t == "f32"                  ? 7
                                               : -1;
  unsigned elt = dataType == 7 ? 4 : 2;
  int swizzleCode = swizzle == 0     ? 0
                    : swizzle == 32  ? 1
                    : swizzle == 64  ? 2
                    : swizzle == 128 ? 3
                                     : -1;
  if (dataType < 0)
    return fail("tensor map of unsupported element type '" + t + "'");
  if (swizzleCode < 0)
    return fail("tensor map swizzle must be 0, 32, 64 or 128 bytes");
  if (rank < 1 || rank > 5)
    return fail("tensor map rank must be 1 to 5");
  if (ptr % 16)
    return fail("TMA needs a tensor that starts on a 16-byte boundary");
  if (strides[rank - 1] != 1)
    return fail("TMA needs a tensor contiguous in its last dimension");
  // The driver's order: innermost dimension first, strides in bytes for
  // every dimension but the innermost.
  uint64_t dims[5], byteStrides[4];
  unsigned boxDims[5], elementStrides[5];
  for (unsigned i = 0; i < rank; ++i) {
    unsigned d = rank - 1 - i;
    if (sizes[d] < 0 || static_cast<uint64_t>(sizes[d]) > (1ull << 32))
      return fail("tensor map dimension of size " + std::to_string(sizes[d]) +
                  " (TMA takes 1 to 2^32)");
    dims[i] = sizes[d] > 0 ? static_cast<uint64_t>(sizes[d]) : 1;
    if (box[d] < 1 || box[d] > 256)
      return fail("tensor map box extent must be 1 to 256");
    boxDims[i] = static_cast<unsigned>(box[d]);
    elementStrides[i] = 1;
    if (i > 0) {
      if (strides[d] < 0)
        return fail("TMA needs non-negative strides");
      uint64_t bytes = static_cast<uint64_t>(strides[d]) * elt;
      if (bytes % 16 || bytes >= (1ull << 40))
        return fail("TMA needs strides that are multiples of 16 bytes "
                    "(below 2^40); stride " +
                    std::to_string(strides[d]) + " of dimension " +
                    std::to_string(d) + " is not");
      byteStrides[i - 1] = bytes;
    }
  }
  if (swizzle && boxDims[0] * elt > swizzle)
    return fail("tensor map box rows exceed the swizzle span");
  // CUtensorMap is 64-byte aligned; `out` need not be.
  alignas(64) unsigned char map[128];
  if (check(driver.cuTensorMapEncodeTiled(
                map, dataType, rank, reinterpret_cast<void *>(ptr), dims,
                byteStrides, boxDims, elementStrides, /*interleave=*/0,
                swizzleCode, /*L2 promotion 128B=*/2, /*oobFill zero=*/0),
            "cuTensorMapEncodeTiled"))
    return 1;
  std::memcpy(out, map, sizeof(map));
  return 0;
}

int fa_rt_malloc(uint64_t *dptr, size_t bytes) {
  if (useHip)
    return fa::hip::malloc(dptr, bytes);
  if (ensureDriver())
    return 1;
  CUdeviceptr p = 0;
  if (check(driver.cuMemAlloc(&p, bytes ? bytes : 1), "cuMemAlloc"))
    return 1;
  *dptr = p;
  return 0;
}

int fa_rt_free(uint64_t dptr) {
  if (useHip)
    return fa::hip::free(dptr);
  if (ensureDriver())
    return 1;
  return check(driver.cuMemFree(dptr), "cuMemFree");
}

int fa_rt_memcpy_htod(uint64_t dst, const void *src, size_t bytes) {
  if (useHip)
    return fa::hip::memcpyHtoD(dst, src, bytes);
  if (ensureDriver())
    return 1;
  return check(driver.cuMemcpyHtoD(dst, src, bytes), "cuMemcpyHtoD");
}

int fa_rt_memcpy_dtoh(void *dst, uint64_t src, size_t bytes) {
  if (useHip)
    return fa::hip::memcpyDtoH(dst, src, bytes);
  if (ensureDriver())
    return 1;
  return check(driver.cuMemcpyDtoH(dst, src, bytes), "cuMemcpyDtoH");
}

int fa_rt_memset(uint64_t dst, unsigned char value, size_t bytes) {
  if (useHip)
    return fa::hip::memset(dst, value, bytes);
  if (ensureDriver())
    return 1;
  return check(driver.cuMemsetD8(dst, value, bytes), "cuMemsetD8");
}

int fa_rt_mem_info(size_t *freeBytes, size_t *totalBytes) {
  if (useHip)
    return fa::hip::memInfo(freeBytes, totalBytes);
  if (ensureDriver())
    return 1;
  return check(driver.cuMemGetInfo(freeBytes, totalBytes), "cuMemGetInfo");
}

int fa_rt_synchronize(void) {
  if (useHip)
    return fa::hip::synchronize();
  if (ensureDriver())
    return 1;
  return check(driver.cuCtxSynchronize(), "cuCtxSynchronize");
}

} // extern "C"
