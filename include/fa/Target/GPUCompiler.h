//===- GPUCompiler.h - tile IR to PTX and cubin ------------------*- C++
//-*-===//
#ifndef FA_TARGET_GPUCOMPILER_H
#define FA_TARGET_GPUCOMPILER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/JSON.h"

#include <string>

namespace fa {

struct GPUOptions {
  std::string target = "sm_90a"; ///< sm_80 or sm_90a
  unsigned numWarps = 4;
  /// Software pipelining depth of loop loads (1: none).
  unsigned numStages = 2;
};

/// tile -> tilegpu: layouts, conversions, shared memory.
void buildTileToTileGPUPipeline(mlir::OpPassManager &pm,
                                const GPUOptions &options);
/// tilegpu -> LLVM dialect with NVVM ops, ready for translation.
void buildTileGPUToLLVMPipeline(mlir::OpPassManager &pm,
                                const GPUOptions &options);
/// Registers the named pipelines `fa-tile-to-tilegpu` and
/// `fa-tilegpu-to-llvm` (options `target`, `num-warps`).
void registerGPUPipelines();

/// What a launcher needs to know about each kernel of a `tilegpu` module:
/// entry, parameters (ABI), grid rule, threads, shared memory. Errors are
/// emitted at the offending op.
mlir::FailureOr<llvm::json::Array> describeKernels(mlir::ModuleOp tilegpu,
                                                   const GPUOptions &options);

/// LLVM dialect module -> PTX text, in-process through the NVPTX backend.
mlir::LogicalResult translateToPTX(mlir::ModuleOp llvmModule,
                                   const GPUOptions &options, std::string &ptx);

/// Runs `ptxas -v` on `ptxPath`, writing `cubinPath`; returns the parsed
/// report (per entry: registers, spills, stack, shared, warnings). A
/// missing ptxas is an error that says how to install it.
mlir::FailureOr<llvm::json::Object> runPtxas(llvm::StringRef ptxPath,
                                             llvm::StringRef cubinPath,
                                             const GPUOptions &options,
                                             std::string &error);

enum class GPUEmit { TileGPU, LLVM, PTX, Cubin };

/// The whole GPU path for a `tile` module: writes `output` (and for cubin
/// the PTX next to it and a `<output>.json` sidecar).
mlir::LogicalResult compileForGPU(mlir::ModuleOp module,
                                  const GPUOptions &options, GPUEmit emit,
                                  llvm::StringRef output);

} // namespace fa

#endif // FA_TARGET_GPUCOMPILER_H
