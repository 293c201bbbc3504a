//===- Pipeline.h - attributes shared by the pipelining passes -*- C++ -*-===//
//
// The four pipelining passes talk through attributes (see docs/gpu.md):
//   assign-latencies: `tilegpu.latency` on a loop load (iterations ahead);
//   schedule: `tilegpu.pipeline_stage`/`_cluster` on the ops of the loop
//     body and `tilegpu.num_stages` on the loop;
//   lower-loads: rewrites scheduled loads into the target's copies and
//     marks the loop's iteration index and the ops that must not run for
//     iterations past the loop's end;
//   expand: rotates the loop by stage, knowing nothing of copies.
//
//===----------------------------------------------------------------------===//
#ifndef FA_DIALECT_TILEGPU_TRANSFORMS_PIPELINE_H
#define FA_DIALECT_TILEGPU_TRANSFORMS_PIPELINE_H

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Operation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <optional>

namespace fa::tilegpu::pipeline {

/// i32 on a `tile.load`: how many iterations ahead to issue it.
inline constexpr llvm::StringLiteral kLatency = "tilegpu.latency";
/// i32 on the loop: the number of stages.
inline constexpr llvm::StringLiteral kNumStages = "tilegpu.num_stages";
/// i32 on an op of a pipelined loop body: its stage (0 = issued earliest).
inline constexpr llvm::StringLiteral kStage = "tilegpu.pipeline_stage";
/// i32 on an op of a pipelined loop body: ops run in increasing cluster
/// order within one rotated iteration (program order within a cluster).
inline constexpr llvm::StringLiteral kCluster = "tilegpu.pipeline_cluster";
/// Unit, on the op computing (iv - lb) / step: the iteration number, which
/// the expander shifts by the stage distance instead of recomputing it.
inline constexpr llvm::StringLiteral kIteration = "tilegpu.pipeline_iteration";
/// Unit: the op may not run for iterations past the loop's end; the
/// expander guards it by `iv < ub` where it runs ahead.
inline constexpr llvm::StringLiteral kGuard = "tilegpu.pipeline_guard";

inline std::optional<int64_t> getIntAttr(mlir::Operation *op,
                                         llvm::StringRef name) {
  if (auto a = op->getAttrOfType<mlir::IntegerAttr>(name))
    return a.getInt();
  return std::nullopt;
}

inline void setIntAttr(mlir::Operation *op, llvm::StringRef name,
                       int64_t value) {
  op->setAttr(name, mlir::Builder(op->getContext()).getI32IntegerAttr(value));
}

inline void setStage(mlir::Operation *op, int64_t stage, int64_t cluster) {
  setIntAttr(op, kStage, stage);
  setIntAttr(op, kCluster, cluster);
}

/// Whether `v` is computed from the induction variable of `loop` and
/// values defined outside it alone, through pure ops without regions in the
/// loop body (`iv + step` for a load of the next iteration): such an
/// address can be evaluated stages ahead like the induction variable.
inline bool isAddressValue(mlir::Value v, mlir::scf::ForOp loop,
                           unsigned depth = 0) {
  if (v == loop.getInductionVar() || loop.isDefinedOutsideOfLoop(v))
    return true;
  mlir::Operation *def = v.getDefiningOp();
  if (!def || depth > 8 || def->getBlock() != loop.getBody() ||
      def->getNumRegions() || !mlir::isPure(def))
    return false;
  return llvm::all_of(def->getOperands(), [&](mlir::Value o) {
    return isAddressValue(o, loop, depth + 1);
  });
}

/// Removes the pipelining attributes of `root` and the ops nested in it.
inline void clearPipelineAttrs(mlir::Operation *root) {
  root->walk([](mlir::Operation *op) {
    for (llvm::StringRef name :
         {kNumStages, kLatency, kStage, kCluster, kIteration, kGuard})
      op->removeAttr(name);
  });
}

/// Removes the schedule of `loop` (its attribute and its body's).
inline void clearSchedule(mlir::Operation *loop) { clearPipelineAttrs(loop); }

} // namespace fa::tilegpu::pipeline

#endif // FA_DIALECT_TILEGPU_TRANSFORMS_PIPELINE_H
