//===- HipRuntime.h - the C API over HIP (AMD), internal --------*- C++ -*-===//
//
// The functions behind fa_rt_* (fa/Runtime/CudaRuntime.h) when the platform
// "hip" is selected: the same contracts, over libamdhip64.so loaded with
// dlopen on first use, so nothing needs ROCm to build or link.
//
//===----------------------------------------------------------------------===//
#ifndef FA_LIB_RUNTIME_AMD_HIPRUNTIME_H
#define FA_LIB_RUNTIME_AMD_HIPRUNTIME_H

#include "fa/Runtime/CudaRuntime.h"

#include <string>

namespace fa::hip {
const char *lastError();
/// Records a failure found outside this file (reading a code object file).
int fail(const std::string &msg);
int init(int device);
int computeCapability(int *cc);
int smCount(int *count);
int loadData(const void *image, size_t size, const char *entry,
             fa_rt_kernel **out);
void unload(fa_rt_kernel *kernel);
int kernelInfo(fa_rt_kernel *kernel, int *regs, int *staticSmem,
               int *maxThreads);
int launch(fa_rt_kernel *kernel, const unsigned grid[3],
           const unsigned block[3], unsigned dynSmem, void *stream,
           void **args);
int time(fa_rt_kernel *kernel, const unsigned grid[3], const unsigned block[3],
         unsigned dynSmem, void *stream, void **args, int warmup, int iters,
         float *ms);
int malloc(uint64_t *dptr, size_t bytes);
int free(uint64_t dptr);
int memcpyHtoD(uint64_t dst, const void *src, size_t bytes);
int memcpyDtoH(void *dst, uint64_t src, size_t bytes);
int memset(uint64_t dst, unsigned char value, size_t bytes);
int memInfo(size_t *freeBytes, size_t *totalBytes);
int synchronize();
} // namespace fa::hip

#endif // FA_LIB_RUNTIME_AMD_HIPRUNTIME_H
