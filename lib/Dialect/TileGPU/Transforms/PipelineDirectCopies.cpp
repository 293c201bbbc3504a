//===- PipelineDirectCopies.cpp - the Direct copy engine of the pipeliner -===//
//
// CopyEngine::Direct (AMD's: no asynchronous copy hardware): a load runs
// `stages - 1` iterations ahead into registers, early in the iteration, and
// its tile is stored to shared memory at the end of the iteration, after
// this iteration's reads; the global latency is hidden behind the
// iteration's compute, and the ring needs only `stages - 1` slots (one for
// two stages: shared memory is the scarce resource, 64 KiB on AMD). In
// program order of the body before rotation (the expander reorders by
// cluster):
//   cluster 0, last stage: a CTA barrier: the last stores are visible;
//   cluster 1, stage 0: the loads (tile.load, into registers);
//   later clusters: the body, reading slot `iteration % (S - 1)`;
//   last cluster: a CTA barrier (last stage: every thread is done reading
//     the slot), then the loaded tiles stored into slot
//     `iteration % (S - 1)` of their own iteration (stage 0,
//     tilegpu.local_store), which is the slot just read.
// Loads and their stores share stage 0, so no value crosses stages.
//
//===----------------------------------------------------------------------===//

#include "PipelineLowerLoads.h"

#include "fa/Dialect/TileGPU/Transforms/Pipeline.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace fa::tilegpu;
namespace pl = fa::tilegpu::pipeline;

/// Loads that run ahead may run past the loop's end: a dimension whose
/// offset changes in the loop keeps its bounds check (`in_bounds` is true
/// only for the loop's own iterations); other dimensions keep theirs.
static void keepChecksAhead(fa::tile::LoadOp load, scf::ForOp loop) {
  auto flags = load.getInBounds();
  if (!flags)
    return;
  SmallVector<int64_t> dims = load.getTileDims();
  SmallVector<bool> kept(flags->begin(), flags->end());
  bool any = false;
  for (auto [i, d] : llvm::enumerate(dims)) {
    Value offset = load.getOffsets()[d];
    if (!loop.isDefinedOutsideOfLoop(offset))
      kept[i] = false;
    any |= kept[i];
  }
  if (any)
    load.setInBoundsAttr(DenseBoolArrayAttr::get(load.getContext(), kept));
  else
    load.removeInBoundsAttr();
}

void pl::lowerWithDirect(scf::ForOp loop, MutableArrayRef<Prefetch> prefetches,
                         int64_t stages) {
  Location loc = loop.getLoc();
  OpBuilder b(loop);
  int64_t slots = std::max<int64_t>(1, stages - 1);
  for (Prefetch &p : prefetches)
    p.ring = AllocRingOp::create(b, loc, pl::ringTypeFor(p.slotTy, slots),
                                 IntegerAttr(), IntegerAttr());
  Value numSlots = arith::ConstantIndexOp::create(b, loc, slots);

  // Clusters of the scheduled body move up by two to make room; the stores
  // go after the last.
  Block *body = loop.getBody();
  int64_t lastCluster = pl::makeRoomForCopies(loop);
  int64_t last = stages - 1;

  b.setInsertionPointToStart(body);
  Value rel = pl::iterationNumber(b, loc, loop);
  Value slot = arith::RemSIOp::create(b, loc, rel, numSlots);
  Operation *after = BarrierOp::create(b, loc);
  for (Operation &op : llvm::make_range(body->begin(), b.getInsertionPoint()))
    pl::setStage(&op, last, 0);

  // The loads, first thing of stage 0, in program order.
  for (Prefetch &p : prefetches) {
    p.load->moveAfter(after);
    after = p.load;
    pl::setStage(p.load, 0, 1);
    p.load->removeAttr(pl::kLatency);
    keepChecksAhead(p.load, loop);
  }
  // The stores, last thing of stage 0, once every thread is done reading.
  b.setInsertionPoint(body->getTerminator());
  pl::setStage(BarrierOp::create(b, loc), last, lastCluster + 1);
  Value storeSlot = arith::RemSIOp::create(b, loc, rel, numSlots);
  pl::setStage(storeSlot.getDefiningOp(), 0, lastCluster + 1);
  for (Prefetch &p : prefetches) {
    Value dst = RingSlotOp::create(b, loc, p.slotTy, p.ring, storeSlot);
    auto store = LocalStoreOp::create(b, loc, p.load.getResult(), dst);
    pl::setStage(dst.getDefiningOp(), 0, lastCluster + 1);
    pl::setStage(store, 0, lastCluster + 1);
  }

  // The buffers become this iteration's slot, where they were filled.
  for (Prefetch &p : prefetches) {
    for (LocalAllocOp alloc : p.allocs) {
      b.setInsertionPoint(alloc);
      int64_t cluster = pl::getIntAttr(alloc, pl::kCluster).value_or(3);
      Value cur = RingSlotOp::create(b, loc, p.slotTy, p.ring, slot);
      pl::setStage(cur.getDefiningOp(), last, cluster);
      if (alloc.getType() != p.slotTy) {
        cur = TransViewOp::create(b, loc, alloc.getType(), cur);
        pl::setStage(cur.getDefiningOp(), last, cluster);
      }
      alloc.getResult().replaceAllUsesWith(cur);
      alloc.erase();
    }
    for (fa::tile::TransOp trans : p.transposes)
      trans.erase();
  }

  // Stores that ran past the end must finish before the memory is reused.
  b.setInsertionPointAfter(loop);
  BarrierOp::create(b, loc);
}
