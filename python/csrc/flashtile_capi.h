/*===- flashtile_capi.h - libflashtile's C API (for Python's ctypes) -*- C
 * -*-===*
 *
 * The compiler and runtime of the Python package behind plain C functions,
 * so that Python reaches them through ctypes (python/flashtile/_capi.py) and
 * one build serves every Python version. Every function returning int
 * returns 0 on success; on failure ft_last_error() (per thread) says why.
 * Strings returned through `char **` are malloc'ed: release them with
 * ft_free().
 *
 * Sources are `.tile` text; `defines` are the -D specializations of
 * fa-compile as "NAME=VALUE" lines ("" for none); `kernel` selects one
 * kernel of the file ("" compiles every kernel for the GPU; the host needs
 * one, or a file with a single kernel).
 *
 *===----------------------------------------------------------------------===*/
#ifndef FLASHTILE_CAPI_H
#define FLASHTILE_CAPI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A kernel argument: a tensor (host or device memory) or a scalar. */
typedef struct ft_arg {
  int32_t kind; /* FT_ARG_TENSOR, FT_ARG_FLOAT or FT_ARG_INT */
  int32_t rank;
  void *data;             /* tensor: address of element [0, ..., 0] */
  const int64_t *sizes;   /* tensor: `rank` sizes */
  const int64_t *strides; /* tensor: `rank` strides, in elements */
  double f;               /* FT_ARG_FLOAT */
  int64_t i;              /* FT_ARG_INT */
} ft_arg;

enum { FT_ARG_TENSOR = 0, FT_ARG_FLOAT = 1, FT_ARG_INT = 2 };

/* "<flashtile commit> llvm <version>", identifying the compiler. */
const char *ft_version(void);
/* The message of the last failure on this thread ("" if none). */
const char *ft_last_error(void);
void ft_free(void *p);
/* The registered GPU targets, comma separated ("sm_80,sm_90a"). */
const char *ft_targets(void);

/* Runs the front end only and describes the kernels of the source as JSON:
 * [{"name", "params": {NAME: value}, "args": [{"name", "tensor", "dtype",
 * "rank", "dims": [symbol or size]}]}]. */
int ft_inspect(const char *source, size_t size, const char *filename,
               const char *defines, char **json);

/* Compiles for GPU `target` into `output` (the binary), writing the
 * assembly and the `.json` sidecar beside it (fa-compile -o). `num_warps`
 * and `num_stages` 0: not given (the defaults file's, else the compiler's
 * choice and 2 stages). `defaults` (may be null) is the text of the
 * kernel's per-target defaults file (fa/Target/TileDefaults.h), named
 * `defaults_name` in errors; it fills in what `defines` and the options
 * leave unset, as fa-compile does. `log` (may be null) receives the
 * warnings. */
int ft_compile_gpu(const char *source, size_t size, const char *filename,
                   const char *kernel, const char *defines, const char *target,
                   unsigned num_warps, unsigned num_stages,
                   const char *defaults, const char *defaults_name,
                   int fail_on_spill, const char *output, char **log);

/* Host (CPU) kernels: the host lowering, JIT-compiled in process. */
typedef struct ft_host_kernel ft_host_kernel;
int ft_host_compile(const char *source, size_t size, const char *filename,
                    const char *kernel, const char *defines, unsigned opt_level,
                    ft_host_kernel **out);
/* The kernel's arguments and params as JSON (as one entry of ft_inspect). */
int ft_host_describe(ft_host_kernel *kernel, char **json);
/* Checks only (count, kinds, ranks, sizes, unit innermost stride). */
int ft_host_check(ft_host_kernel *kernel, int nargs, const ft_arg *args);
/* Checks, then runs the grid on the calling thread. */
int ft_host_run(ft_host_kernel *kernel, int nargs, const ft_arg *args);
void ft_host_destroy(ft_host_kernel *kernel);

/* GPU kernels, from a sidecar written by ft_compile_gpu (fa::GpuKernel). */
typedef struct ft_gpu_kernel ft_gpu_kernel;
int ft_gpu_load(const char *sidecar_path, const char *entry,
                ft_gpu_kernel **out);
/* Validates the arguments against the sidecar and evaluates the grid; needs
 * no GPU. `grid` (may be null) receives the grid. */
int ft_gpu_check(ft_gpu_kernel *kernel, int nargs, const ft_arg *args,
                 unsigned grid[3]);
/* Validates, loads the binary on `device` (once) and launches on `stream`
 * (a CUstream; 0: the default stream) without waiting. */
int ft_gpu_launch(ft_gpu_kernel *kernel, int device, void *stream, int nargs,
                  const ft_arg *args);
void ft_gpu_destroy(ft_gpu_kernel *kernel);
/* Compute capability (e.g. 90) of CUDA device `device`. */
int ft_device_capability(int device, int *cc);

#ifdef __cplusplus
}
#endif

#endif /* FLASHTILE_CAPI_H */
