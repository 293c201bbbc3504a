//===- PipelineLowerLoads.h - copy engines of the pipeliner -----*- C++ -*-===//
//
// Shared by tilegpu-pipeline-lower-loads and its copy engines, one
// `lowerWith...` function each.
//
//===----------------------------------------------------------------------===//
#ifndef FA_LIB_DIALECT_TILEGPU_TRANSFORMS_PIPELINELOWERLOADS_H
#define FA_LIB_DIALECT_TILEGPU_TRANSFORMS_PIPELINELOWERLOADS_H

#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"
#include "fa/Dialect/TileGPU/Transforms/Pipeline.h"

#include "fa/Target/TargetInfo.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

namespace fa::tilegpu::pipeline {

/// A scheduled load, the buffers it fills and the ring replacing them.
struct Prefetch {
  fa::tile::LoadOp load;
  /// Buffers filled with the load (type: the slot) or with its transpose
  /// (type: the slot transposed); one ring serves them all.
  llvm::SmallVector<LocalAllocOp> allocs;
  llvm::SmallVector<fa::tile::TransOp> transposes;
  /// The type the consumers asked for, and the one the engine fills (the
  /// same but for a barrier engine's panels).
  SharedBufferType slotTy, fillTy;
  mlir::Value ring;
};

/// Moves the clusters of `loop`'s scheduled body up by two, making room for
/// the engine's wait (cluster 0) and copies (cluster 1); returns the
/// highest cluster after the move (0 when none).
inline int64_t makeRoomForCopies(mlir::scf::ForOp loop) {
  int64_t highest = 0;
  for (mlir::Operation &op : loop.getBody()->without_terminator())
    if (auto c = getIntAttr(&op, kCluster)) {
      setIntAttr(&op, kCluster, *c + 2);
      highest = std::max(highest, *c + 2);
    }
  return highest;
}

/// The iteration number (iv - lower bound) / step at `b`'s insertion point,
/// marked for the expander (kIteration).
inline mlir::Value iterationNumber(mlir::OpBuilder &b, mlir::Location loc,
                                   mlir::scf::ForOp loop) {
  auto rel = mlir::arith::DivSIOp::create(
      b, loc,
      mlir::arith::SubIOp::create(b, loc, loop.getInductionVar(),
                                  loop.getLowerBound()),
      loop.getStep());
  rel->setAttr(kIteration, b.getUnitAttr());
  return rel;
}

/// The ring of `stages` buffers of type `slotTy` (slot dimension slowest).
SharedBufferType ringTypeFor(SharedBufferType slotTy, int64_t stages);
/// `t` seen transposed (2-D).
SharedBufferType transposed(SharedBufferType t);
/// Elements in a row (the innermost dimension) of the global tensor `base`,
/// when known at compile time (static shape, or a kernel argument's
/// `tile.dims`).
std::optional<int64_t> rowElements(mlir::Value base);
/// Replaces the buffers of `p` by slot `slot` of its ring, in the buffers'
/// clusters of stage `last`, and erases the load.
void replaceBuffers(Prefetch &p, mlir::Value slot, int64_t last);
/// Moves the address arithmetic the copies of `prefetches` use to `b`'s
/// insertion point.
void hoistAddresses(mlir::OpBuilder &b, mlir::scf::ForOp loop,
                    llvm::MutableArrayRef<Prefetch> prefetches);

/// A barrier-tracked engine (CopyEngine::Tma): copies issued by one thread
/// complete on one barrier per ring slot (PipelineBarrierCopies.cpp).
void lowerWithBarriers(mlir::scf::ForOp loop,
                       llvm::MutableArrayRef<Prefetch> prefetches,
                       int64_t stages, const fa::BarrierCopyProtocol &engine);

/// CopyEngine::Direct: each load is issued `stages - 1` iterations ahead
/// into registers and stored to one of `stages - 1` ring slots at the end
/// of the iteration (PipelineDirectCopies.cpp).
void lowerWithDirect(mlir::scf::ForOp loop,
                     llvm::MutableArrayRef<Prefetch> prefetches,
                     int64_t stages);

} // namespace fa::tilegpu::pipeline

#endif // FA_LIB_DIALECT_TILEGPU_TRANSFORMS_PIPELINELOWERLOADS_H
