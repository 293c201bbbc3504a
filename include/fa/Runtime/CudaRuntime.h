/*===- CudaRuntime.h - FlashTile's CUDA driver runtime (C API) ----*- C -*-===*
 *
 * A thin layer over the CUDA driver API. libcuda.so.1 is loaded with dlopen on
 * first use, so everything builds and links on machines with no GPU and no
 * CUDA toolkit. The C API is meant for tools (fa-run) and for Python (ctypes)
 * launching kernels on PyTorch tensors. Every call returns 0 on success and a
 * non-zero code on failure; fa_rt_last_error() then describes the failure,
 * naming the driver error (for example "CUDA_ERROR_INVALID_VALUE").
 *
 *===----------------------------------------------------------------------===*/
#ifndef FA_RUNTIME_CUDARUNTIME_H
#define FA_RUNTIME_CUDARUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fa_rt_kernel fa_rt_kernel;

/* Selects the driver every call below uses: "cuda" (the default: libcuda.so.1)
 * or "hip" (AMD: libamdhip64.so, code objects from `fa-compile --target
 * gfx90a|gfx942`). Select before fa_rt_init; handles of one platform are not
 * valid on the other. */
int fa_rt_select_platform(const char *platform);

/* Loads the driver, initializes it and makes the primary context of `device`
 * current on this thread (the context PyTorch uses too). Idempotent. */
int fa_rt_init(int device);
/* The message of the last failure on this thread ("" if none). */
const char *fa_rt_last_error(void);
/* Compute capability of the current device, e.g. 90 for sm_90 (HIP: 94 for
 * gfx942, 90 for gfx90a). */
int fa_rt_compute_capability(int *cc);
/* Number of multiprocessors of the current device. */
int fa_rt_sm_count(int *count);

/* Loads a cubin image (file or memory) and looks up `entry`. */
int fa_rt_load_file(const char *cubin_path, const char *entry,
                    fa_rt_kernel **out);
int fa_rt_load_data(const void *image, size_t size, const char *entry,
                    fa_rt_kernel **out);
void fa_rt_unload(fa_rt_kernel *kernel);
/* Registers per thread and static shared memory reported by the driver. */
int fa_rt_kernel_info(fa_rt_kernel *kernel, int *regs, int *static_smem,
                      int *max_threads);

/* Launches `kernel`; `args[i]` points to the value of parameter i. Dynamic
 * shared memory above 48 KiB is enabled automatically. `stream` may be 0. */
int fa_rt_launch(fa_rt_kernel *kernel, const unsigned grid[3],
                 const unsigned block[3], unsigned dyn_smem, void *stream,
                 void **args);
/* Times `iters` launches (after `warmup` untimed ones) with CUDA events,
 * writing each launch's milliseconds to ms[0..iters). */
int fa_rt_time(fa_rt_kernel *kernel, const unsigned grid[3],
               const unsigned block[3], unsigned dyn_smem, void *stream,
               void **args, int warmup, int iters, float *ms);

/* Encodes a tiled TMA descriptor (a CUtensorMap, 128 bytes written to `out`)
 * for a tensor of `rank` (1..5) dimensions at device address `ptr`: `sizes`
 * and `strides` (in elements) and `box` are given outermost dimension first,
 * the innermost stride must be 1; `dtype` is "bf16", "f16" or "f32";
 * `swizzle` is the swizzle span in bytes (0, 32, 64 or 128). Elements outside
 * the tensor read as zero. Needs a driver with cuTensorMapEncodeTiled
 * (CUDA 12). A dimension of size 0 is encoded as 1: kernels issue no copy
 * from an empty tensor. */
int fa_rt_encode_tensor_map(void *out, const char *dtype, unsigned rank,
                            uint64_t ptr, const int64_t *sizes,
                            const int64_t *strides, const int64_t *box,
                            unsigned swizzle);

/* Device memory helpers (used by fa-run; Python uses torch tensors). */
int fa_rt_malloc(uint64_t *dptr, size_t bytes);
int fa_rt_free(uint64_t dptr);
int fa_rt_memcpy_htod(uint64_t dst, const void *src, size_t bytes);
int fa_rt_memcpy_dtoh(void *dst, uint64_t src, size_t bytes);
int fa_rt_memset(uint64_t dst, unsigned char value, size_t bytes);
int fa_rt_mem_info(size_t *free_bytes, size_t *total_bytes);
int fa_rt_synchronize(void);

#ifdef __cplusplus
}
#endif

#endif /* FA_RUNTIME_CUDARUNTIME_H */
