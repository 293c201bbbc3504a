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

/// CopyEngine::Direct: each load is issued `stages - 1` iterations ahead
/// into registers and stored to one of `stages - 1` ring slots at the end
/// of the iteration (PipelineDirectCopies.cpp).
void lowerWithDirect(mlir::scf::ForOp loop,
                     llvm::MutableArrayRef<Prefetch> prefetches,
                     int64_t stages);

} // namespace fa::tilegpu::pipeline

#endif // FA_LIB_DIALECT_TILEGPU_TRANSFORMS_PIPELINELOWERLOADS_H
