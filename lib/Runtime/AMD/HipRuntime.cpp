//===- HipRuntime.cpp - the C API over HIP, loaded with dlopen ------------===//
//
// Declares the few HIP types and entry points it needs itself (no ROCm
// headers), resolves them from libamdhip64.so at run time, and reports every
// failure with HIP's error name. Code objects (hsaco) are loaded with
// hipModuleLoadData and launched with hipModuleLaunchKernel; kernels keep
// their LDS static, so launches pass the dynamic LDS they are given (0 from
// the launcher for FlashTile kernels).
//
//===----------------------------------------------------------------------===//

#include "HipRuntime.h"

#include <dlfcn.h>

#include <mutex>
#include <string>

namespace {

using hipError_t = int;
using hipModule_t = struct ihipModule_t *;
using hipFunction_t = struct ihipModuleSymbol_t *;
using hipStream_t = struct ihipStream_t *;
using hipEvent_t = struct ihipEvent_t *;

// hipFunction_attribute values (the same order as CUDA's).
constexpr int kFuncAttrMaxThreads = 0;
constexpr int kFuncAttrSharedSizeBytes = 1;
constexpr int kFuncAttrNumRegs = 4;

struct Hip {
  hipError_t (*hipInit)(unsigned);
  const char *(*hipGetErrorName)(hipError_t);
  const char *(*hipGetErrorString)(hipError_t);
  hipError_t (*hipGetDeviceCount)(int *);
  hipError_t (*hipSetDevice)(int);
  hipError_t (*hipDeviceComputeCapability)(int *, int *, int);
  hipError_t (*hipDeviceSynchronize)();
  hipError_t (*hipModuleLoadData)(hipModule_t *, const void *);
  hipError_t (*hipModuleUnload)(hipModule_t);
  hipError_t (*hipModuleGetFunction)(hipFunction_t *, hipModule_t,
                                     const char *);
  hipError_t (*hipFuncGetAttribute)(int *, int, hipFunction_t);
  hipError_t (*hipModuleLaunchKernel)(hipFunction_t, unsigned, unsigned,
                                      unsigned, unsigned, unsigned, unsigned,
                                      unsigned, hipStream_t, void **, void **);
  hipError_t (*hipEventCreate)(hipEvent_t *);
  hipError_t (*hipEventRecord)(hipEvent_t, hipStream_t);
  hipError_t (*hipEventSynchronize)(hipEvent_t);
  hipError_t (*hipEventElapsedTime)(float *, hipEvent_t, hipEvent_t);
  hipError_t (*hipEventDestroy)(hipEvent_t);
  hipError_t (*hipMalloc)(void **, size_t);
  hipError_t (*hipFree)(void *);
  hipError_t (*hipMemcpyHtoD)(void *, const void *, size_t);
  hipError_t (*hipMemcpyDtoH)(void *, void *, size_t);
  hipError_t (*hipMemsetD8)(void *, unsigned char, size_t);
  hipError_t (*hipMemGetInfo)(size_t *, size_t *);
};

thread_local std::string lastError;
Hip hip;
bool hipLoaded = false;
std::string loadFailure;
std::once_flag loadOnce;

int fail(const std::string &msg) {
  lastError = msg;
  return 1;
}

/// Formats a HIP failure as "what: hipErrorX (description)".
int check(hipError_t res, const char *what) {
  if (res == 0)
    return 0;
  const char *name = hip.hipGetErrorName ? hip.hipGetErrorName(res) : nullptr;
  const char *desc =
      hip.hipGetErrorString ? hip.hipGetErrorString(res) : nullptr;
  std::string msg = std::string(what) + ": " +
                    (name ? name : ("HIP error " + std::to_string(res)));
  if (desc)
    msg += std::string(" (") + desc + ")";
  return fail(msg);
}

template <typename Fn> bool resolve(void *lib, Fn &fn, const char *name) {
  fn = reinterpret_cast<Fn>(dlsym(lib, name));
  if (!fn)
    loadFailure = std::string("libamdhip64.so lacks ") + name;
  return fn != nullptr;
}

void loadHip() {
  // FA_HIP_LIBRARY names the library to load (tests point it at a missing
  // file to check the message on machines that have ROCm).
  const char *name = std::getenv("FA_HIP_LIBRARY");
  if (!name)
    name = "libamdhip64.so";
  void *lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *err = dlerror();
    loadFailure = std::string("cannot load the HIP runtime (") + name +
                  "): " + (err ? err : "not found") +
                  "; is an AMD GPU and ROCm installed?";
    return;
  }
  Hip h{};
  bool ok = resolve(lib, h.hipInit, "hipInit") &&
            resolve(lib, h.hipGetErrorName, "hipGetErrorName") &&
            resolve(lib, h.hipGetErrorString, "hipGetErrorString") &&
            resolve(lib, h.hipGetDeviceCount, "hipGetDeviceCount") &&
            resolve(lib, h.hipSetDevice, "hipSetDevice") &&
            resolve(lib, h.hipDeviceComputeCapability,
                    "hipDeviceComputeCapability") &&
            resolve(lib, h.hipDeviceSynchronize, "hipDeviceSynchronize") &&
            resolve(lib, h.hipModuleLoadData, "hipModuleLoadData") &&
            resolve(lib, h.hipModuleUnload, "hipModuleUnload") &&
            resolve(lib, h.hipModuleGetFunction, "hipModuleGetFunction") &&
            resolve(lib, h.hipFuncGetAttribute, "hipFuncGetAttribute") &&
            resolve(lib, h.hipModuleLaunchKernel, "hipModuleLaunchKernel") &&
            resolve(lib, h.hipEventCreate, "hipEventCreate") &&
            resolve(lib, h.hipEventRecord, "hipEventRecord") &&
            resolve(lib, h.hipEventSynchronize, "hipEventSynchronize") &&
            resolve(lib, h.hipEventElapsedTime, "hipEventElapsedTime") &&
            resolve(lib, h.hipEventDestroy, "hipEventDestroy") &&
            resolve(lib, h.hipMalloc, "hipMalloc") &&
            resolve(lib, h.hipFree, "hipFree") &&
            resolve(lib, h.hipMemcpyHtoD, "hipMemcpyHtoD") &&
            resolve(lib, h.hipMemcpyDtoH, "hipMemcpyDtoH") &&
            resolve(lib, h.hipMemsetD8, "hipMemsetD8") &&
            resolve(lib, h.hipMemGetInfo, "hipMemGetInfo");
  if (!ok)
    return;
  hip = h;
  hipLoaded = true;
}

int ensureHip() {
  std::call_once(loadOnce, loadHip);
  if (!hipLoaded)
    return fail(loadFailure);
  return 0;
}

int currentDevice = 0;

struct HipKernel {
  hipModule_t module = nullptr;
  hipFunction_t function = nullptr;
};

HipKernel *asHip(fa_rt_kernel *kernel) {
  return reinterpret_cast<HipKernel *>(kernel);
}

void *dev(uint64_t p) { return reinterpret_cast<void *>(p); }

} // namespace

namespace fa::hip {

const char *lastError() { return ::lastError.c_str(); }

int fail(const std::string &msg) { return ::fail(msg); }

int init(int device) {
  if (ensureHip() || check(::hip.hipInit(0), "hipInit"))
    return 1;
  int count = 0;
  if (check(::hip.hipGetDeviceCount(&count), "hipGetDeviceCount"))
    return 1;
  if (device < 0 || device >= count)
    return fail("no HIP device " + std::to_string(device) + " (found " +
                std::to_string(count) + ")");
  if (check(::hip.hipSetDevice(device), "hipSetDevice"))
    return 1;
  currentDevice = device;
  return 0;
}

// HIP reports gfx9.4.2 as 9.4: 94.
int computeCapability(int *cc) {
  if (ensureHip())
    return 1;
  int major = 0, minor = 0;
  if (check(::hip.hipDeviceComputeCapability(&major, &minor, currentDevice),
            "hipDeviceComputeCapability"))
    return 1;
  *cc = major * 10 + minor;
  return 0;
}

int smCount(int *) {
  // hipDeviceAttribute_t values differ between ROCm releases; a wrong one
  // would silently answer another question.
  return fail("the number of compute units is not queried on HIP");
}

int loadData(const void *image, size_t size, const char *entry,
             fa_rt_kernel **out) {
  *out = nullptr;
  if (ensureHip())
    return 1;
  if (!image || size == 0)
    return fail("empty code object image");
  auto *kernel = new HipKernel();
  if (check(::hip.hipModuleLoadData(&kernel->module, image),
            "hipModuleLoadData")) {
    delete kernel;
    return 1;
  }
  if (check(
          ::hip.hipModuleGetFunction(&kernel->function, kernel->module, entry),
          (std::string("hipModuleGetFunction('") + entry + "')").c_str())) {
    ::hip.hipModuleUnload(kernel->module);
    delete kernel;
    return 1;
  }
  *out = reinterpret_cast<fa_rt_kernel *>(kernel);
  return 0;
}

void unload(fa_rt_kernel *kernel) {
  HipKernel *k = asHip(kernel);
  if (!k)
    return;
  if (hipLoaded && k->module)
    ::hip.hipModuleUnload(k->module);
  delete k;
}

int kernelInfo(fa_rt_kernel *kernel, int *regs, int *staticSmem,
               int *maxThreads) {
  if (ensureHip())
    return 1;
  hipFunction_t f = asHip(kernel)->function;
  return check(::hip.hipFuncGetAttribute(regs, kFuncAttrNumRegs, f),
               "hipFuncGetAttribute") ||
         check(
             ::hip.hipFuncGetAttribute(staticSmem, kFuncAttrSharedSizeBytes, f),
             "hipFuncGetAttribute") ||
         check(::hip.hipFuncGetAttribute(maxThreads, kFuncAttrMaxThreads, f),
               "hipFuncGetAttribute");
}

int launch(fa_rt_kernel *kernel, const unsigned grid[3],
           const unsigned block[3], unsigned dynSmem, void *stream,
           void **args) {
  if (ensureHip())
    return 1;
  if (!kernel)
    return fail("launch of a null kernel");
  return check(::hip.hipModuleLaunchKernel(
                   asHip(kernel)->function, grid[0], grid[1], grid[2], block[0],
                   block[1], block[2], dynSmem,
                   static_cast<hipStream_t>(stream), args, nullptr),
               "hipModuleLaunchKernel");
}

int time(fa_rt_kernel *kernel, const unsigned grid[3], const unsigned block[3],
         unsigned dynSmem, void *stream, void **args, int warmup, int iters,
         float *ms) {
  if (ensureHip())
    return 1;
  for (int i = 0; i < warmup; ++i)
    if (launch(kernel, grid, block, dynSmem, stream, args))
      return 1;
  hipEvent_t start = nullptr, stop = nullptr;
  if (check(::hip.hipEventCreate(&start), "hipEventCreate") ||
      check(::hip.hipEventCreate(&stop), "hipEventCreate"))
    return 1;
  int rc = 0;
  auto s = static_cast<hipStream_t>(stream);
  for (int i = 0; i < iters && rc == 0; ++i) {
    rc = check(::hip.hipEventRecord(start, s), "hipEventRecord") ||
         launch(kernel, grid, block, dynSmem, stream, args) ||
         check(::hip.hipEventRecord(stop, s), "hipEventRecord") ||
         check(::hip.hipEventSynchronize(stop), "hipEventSynchronize") ||
         check(::hip.hipEventElapsedTime(&ms[i], start, stop),
               "hipEventElapsedTime");
  }
  ::hip.hipEventDestroy(start);
  ::hip.hipEventDestroy(stop);
  return rc;
}

int malloc(uint64_t *dptr, size_t bytes) {
  if (ensureHip())
    return 1;
  void *p = nullptr;
  if (check(::hip.hipMalloc(&p, bytes ? bytes : 1), "hipMalloc"))
    return 1;
  *dptr = reinterpret_cast<uint64_t>(p);
  return 0;
}

int free(uint64_t dptr) {
  if (ensureHip())
    return 1;
  return check(::hip.hipFree(dev(dptr)), "hipFree");
}

int memcpyHtoD(uint64_t dst, const void *src, size_t bytes) {
  if (ensureHip())
    return 1;
  return check(::hip.hipMemcpyHtoD(dev(dst), src, bytes), "hipMemcpyHtoD");
}

int memcpyDtoH(void *dst, uint64_t src, size_t bytes) {
  if (ensureHip())
    return 1;
  return check(::hip.hipMemcpyDtoH(dst, dev(src), bytes), "hipMemcpyDtoH");
}

int memset(uint64_t dst, unsigned char value, size_t bytes) {
  if (ensureHip())
    return 1;
  return check(::hip.hipMemsetD8(dev(dst), value, bytes), "hipMemsetD8");
}

int memInfo(size_t *freeBytes, size_t *totalBytes) {
  if (ensureHip())
    return 1;
  return check(::hip.hipMemGetInfo(freeBytes, totalBytes), "hipMemGetInfo");
}

int synchronize() {
  if (ensureHip())
    return 1;
  return check(::hip.hipDeviceSynchronize(), "hipDeviceSynchronize");
}

} // namespace fa::hip
