//===- Passes.h - tile-level optimization passes ---------------*- C++ -*-===//
#ifndef FA_TRANSFORMS_PASSES_H
#define FA_TRANSFORMS_PASSES_H

#include "fa/Dialect/Tile/IR/TileDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace fa {

#define GEN_PASS_DECL
#include "fa/Transforms/Passes.h.inc"

/// Adds the target-independent tile optimizations, in order: cleanup
/// (canonicalize, cse), longest-first renumbering, exp -> exp2 folding,
/// causal loop splitting, cleanup, bounds elimination.
void buildTileOptimizationPipeline(mlir::OpPassManager &pm);

/// Registers the passes above and the `tile-optimize` pipeline.
void registerTransformsPasses();

} // namespace fa

#endif // FA_TRANSFORMS_PASSES_H
