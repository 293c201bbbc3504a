//===- PipelineAssignLatencies.cpp - loads worth prefetching --------------===//

#include "fa/Dialect/TileGPU/Transforms/Passes.h"

#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"
#include "fa/Dialect/TileGPU/Transforms/Pipeline.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

namespace fa::tilegpu {
#define GEN_PASS_DEF_TILEGPUPIPELINEASSIGNLATENCIES
#include "fa/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace fa::tilegpu

using namespace mlir;
using namespace fa::tilegpu;

namespace {
/// Whether every use of `v` writes it into a shared-memory buffer.
bool onlyFillsBuffers(Value v, bool allowTranspose) {
  if (v.use_empty())
    return false;
  for (Operation *user : v.getUsers()) {
    if (isa<LocalAllocOp>(user))
      continue;
    auto trans = dyn_cast<fa::tile::TransOp>(user);
    if (!allowTranspose || !trans || trans.getType().getRank() != 2 ||
        !onlyFillsBuffers(trans.getResult(), /*allowTranspose=*/false))
      return false;
  }
  return true;
}

/// A load whose address does not depend on the loop body (but on the
/// induction variable, possibly through pure arithmetic such as `iv +
/// step`, pipeline::isAddressOp) and whose consumers read shared memory can
/// be issued iterations ahead into a ring.
bool worthPrefetching(fa::tile::LoadOp load, scf::ForOp loop) {
  // The copy engines have no per-element mask: masked loads stay direct.
  if (load.getMask())
    return false;
  for (Value o : load.getOffsets())
    if (!pipeline::isAddressValue(o, loop))
      return false;
  if (!loop.isDefinedOutsideOfLoop(load.getBase()))
    return false;
  return onlyFillsBuffers(load.getResult(), /*allowTranspose=*/true);
}

struct PipelineAssignLatenciesPass
    : fa::tilegpu::impl::TileGPUPipelineAssignLatenciesBase<
          PipelineAssignLatenciesPass> {
  using Base::Base;
  void runOnOperation() override {
    if (numStages < 2)
      return;
    getOperation().walk([&](scf::ForOp loop) {
      for (Operation &op : loop.getBody()->without_terminator())
        if (auto load = dyn_cast<fa::tile::LoadOp>(op))
          if (worthPrefetching(load, loop))
            pipeline::setIntAttr(load, pipeline::kLatency, numStages - 1);
    });
  }
};
} // namespace
