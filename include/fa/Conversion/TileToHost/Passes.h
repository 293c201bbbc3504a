//===- Passes.h - passes lowering `tile` IR to host code -------*- C++ -*-===//
//
// The host path: `tile` kernels become `func.func`s over tensors and memrefs,
// are bufferized and lowered to the LLVM dialect, and run in-process with
// MLIR's ExecutionEngine (see fa/Runtime/HostRunner.h).
//
//===----------------------------------------------------------------------===//
#ifndef FA_CONVERSION_TILETOHOST_PASSES_H
#define FA_CONVERSION_TILETOHOST_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace fa {

#define GEN_PASS_DECL
#include "fa/Conversion/TileToHost/Passes.h.inc"

/// Adds the whole host lowering to `pm` (a module pass manager): tile
/// kernels to funcs, tile ops to linalg, bufferization, loops, and the LLVM
/// dialect with every float type the CPU lacks emulated.
void buildTileToHostPipeline(mlir::OpPassManager &pm);

/// Registers the `tile-to-host` pipeline (the passes themselves register
/// with `registerTileToHostPasses()`).
void registerTileToHostPipeline();

/// Adds to `registry` the dialects and interface models the host lowering
/// and the JIT need.
void registerTileToHostDialects(mlir::DialectRegistry &registry);

#define GEN_PASS_REGISTRATION
#include "fa/Conversion/TileToHost/Passes.h.inc"

/// Names of the functions the host lowering generates for kernel `kernel`.
std::string getHostEntryName(llvm::StringRef kernel);
std::string getHostGridName(llvm::StringRef kernel);
std::string getHostProgramName(llvm::StringRef kernel);
/// `@k__grid_size(args..., axis) -> index`: the grid size along `axis`.
std::string getHostGridSizeName(llvm::StringRef kernel);

} // namespace fa

#endif // FA_CONVERSION_TILETOHOST_PASSES_H
