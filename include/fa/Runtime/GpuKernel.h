//===- GpuKernel.h - launch a compiled kernel from its sidecar -*- C++ -*-===//
//
// Loads a cubin and its JSON sidecar (format `flashtile-kernel-1`, written by
// `fa-compile --target sm_80|sm_90a`), checks arguments against the
// sidecar's parameters (element type, compile-time sizes, sizes shared by
// symbol, innermost stride 1, alignment) before any launch, evaluates the
// grid rule, marshals the ABI and launches through the CUDA runtime
// (fa/Runtime/CudaRuntime.h). Depends on LLVM Support only (no MLIR), so a
// launcher can be built for machines without LLVM/MLIR 22.
//
//===----------------------------------------------------------------------===//
#ifndef FA_RUNTIME_GPUKERNEL_H
#define FA_RUNTIME_GPUKERNEL_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct fa_rt_kernel;

namespace fa {

/// A kernel parameter as the sidecar describes it.
struct GpuParam {
  std::string name;
  bool isTensor = false;
  std::string dtype; ///< "bf16", "f16", "f32", "i32", ...
  unsigned rank = 0;
  /// Per dimension: a symbol name, or empty with `size` fixed at compile time.
  llvm::SmallVector<std::string, 4> dimSymbols;
  llvm::SmallVector<int64_t, 4> dimSizes;
  unsigned alignBytes = 1;
  /// Passed with a TMA tensor map too (an ABI entry of kind "tensormap"),
  /// built at launch with `box` (outermost first) and `swizzle` bytes.
  bool tensorMap = false;
  llvm::SmallVector<int64_t, 5> box;
  unsigned swizzle = 0;
};

/// A value bound to a parameter: a device tensor or a scalar.
struct GpuArg {
  bool isTensor = false;
  uint64_t ptr = 0;
  llvm::SmallVector<int64_t, 4> sizes, strides; ///< strides in elements
  double floatValue = 0;
  int64_t intValue = 0;

  static GpuArg tensor(uint64_t ptr, llvm::ArrayRef<int64_t> sizes,
                       llvm::ArrayRef<int64_t> strides = {});
  static GpuArg scalarFloat(double v);
  static GpuArg scalarInt(int64_t v);
};

class GpuKernel {
public:
  ~GpuKernel();

  /// Reads `sidecarPath`, selecting kernel `entry` (the only kernel when
  /// empty). Needs no GPU: the cubin it names (relative to the sidecar) is
  /// loaded on device 0 at the first launch, or by ensureLoaded().
  static llvm::Expected<std::unique_ptr<GpuKernel>>
  load(llvm::StringRef sidecarPath, llvm::StringRef entry = "");
  /// As load(), from the sidecar's text (`sidecarPath` names it in errors
  /// and locates a relative cubin). The whole sidecar is validated (size,
  /// nesting depth, schema, ranges, the ABI against the parameters, the grid
  /// rule) so that nothing malformed reaches the driver.
  static llvm::Expected<std::unique_ptr<GpuKernel>>
  parse(llvm::StringRef text, llvm::StringRef sidecarPath,
        llvm::StringRef entry = "");

  llvm::StringRef getEntry() const { return entry; }
  llvm::StringRef getTarget() const { return target; }
  llvm::ArrayRef<GpuParam> getParams() const { return params; }
  /// The compile-time parameters the kernel was specialized with.
  const llvm::json::Object &getSpecialization() const { return spec; }
  std::array<unsigned, 3> getThreads() const { return threads; }
  unsigned getSharedBytes() const { return sharedBytes; }
  /// Index of the parameter called `name`, or -1.
  int findParam(llvm::StringRef name) const;

  /// Checks `args` (one per parameter, in order) against the parameters.
  llvm::Error validate(llvm::ArrayRef<GpuArg> args) const;
  /// The launch grid for `args`.
  llvm::Expected<std::array<unsigned, 3>>
  grid(llvm::ArrayRef<GpuArg> args) const;
  /// Initializes the CUDA runtime on `device` and loads the cubin there
  /// (once; later calls keep the first device).
  llvm::Error ensureLoaded(int device = 0);
  /// Validates, then launches once on the default stream and waits.
  llvm::Error launch(llvm::ArrayRef<GpuArg> args);
  /// Validates, then launches once on `stream` (a CUstream; null: the
  /// default stream) without waiting. The cubin must be loaded
  /// (ensureLoaded) and its device's context current.
  llvm::Error launchAsync(llvm::ArrayRef<GpuArg> args, void *stream);
  /// Validates, then times `iters` launches after `warmup` (milliseconds).
  llvm::Expected<std::vector<float>> time(llvm::ArrayRef<GpuArg> args,
                                          int warmup, int iters);

  /// Packs `args` into the kernel's ABI: slots of `storage` per ABI entry
  /// (8 bytes, or a 64-byte aligned 128-byte tensor map), `pointers` to
  /// them (what the driver's launch takes). Tensor maps are encoded here,
  /// through the driver.
  llvm::Error marshal(llvm::ArrayRef<GpuArg> args,
                      std::vector<uint64_t> &storage,
                      std::vector<void *> &pointers) const;

private:
  GpuKernel() = default;
  llvm::Expected<int64_t> evalGrid(const llvm::json::Value &expr,
                                   llvm::ArrayRef<GpuArg> args) const;

  std::string entry, target, cubinPath;
  std::vector<GpuParam> params;
  llvm::json::Array abi;
  llvm::json::Array gridExprs;
  llvm::json::Object spec;
  std::array<unsigned, 3> threads = {1, 1, 1};
  unsigned sharedBytes = 0;
  /// The binary is an AMD code object, launched through HIP.
  bool hip = false;
  fa_rt_kernel *handle = nullptr;
};

/// Element size in bytes of a sidecar dtype, or 0 when unknown.
unsigned gpuDTypeBytes(llvm::StringRef dtype);

} // namespace fa

#endif // FA_RUNTIME_GPUKERNEL_H
