//===- InsertAsyncFences.cpp - proxy fences before asynchronous reads -----===//
//
// Shared memory written by ordinary stores (the generic proxy) and read by
// the tensor cores through matrix descriptors or by the copy engine's
// reductions (the async proxy: Hopper wgmma, bulk reductions) needs a
// proxy fence in each writing thread and then a CTA barrier. The fences go
// right after the writes that need them, merged with the barrier already
// there where the pipeliner or the code placed one, so that the wgmma and
// reduction lowerings themselves neither fence nor synchronize.
//
//===----------------------------------------------------------------------===//

#include "fa/Dialect/TileGPU/Transforms/Passes.h"

#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseSet.h"

namespace fa::tilegpu {
#define GEN_PASS_DEF_TILEGPUINSERTASYNCFENCES
#include "fa/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace fa::tilegpu

using namespace mlir;
using namespace fa::tilegpu;

namespace {

/// The buffer `v` is a view of: through ring slots and transposed views to
/// the op that allocated it (or a block argument).
Value rootBuffer(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (auto slot = dyn_cast<RingSlotOp>(def))
      v = slot.getRing();
    else if (auto view = dyn_cast<TransViewOp>(def))
      v = view.getSrc();
    else
      break;
  }
  return v;
}

/// Whether `load` reads a wgmma operand (an operand layout of a version-3
/// MMA): the instruction reads B, and A in the shared-memory form, through
/// the async proxy. A read from registers makes the fence unnecessary but
/// harmless.
bool readByAsyncProxy(LocalLoadOp load) {
  auto dot =
      dyn_cast_or_null<DotOperandEncodingAttr>(load.getType().getEncoding());
  auto mma = dot ? dyn_cast<MmaLayoutAttrInterface>(dot.getParent())
                 : MmaLayoutAttrInterface();
  return mma && mma.getMmaVersion() == 3;
}

/// The op right after `op` in its block, if any.
Operation *nextOp(Operation *op) {
  Operation *next = op->getNextNode();
  return next && !next->hasTrait<OpTrait::IsTerminator>() ? next : nullptr;
}

/// A fence after `after` (its block's next op), then a barrier unless one
/// follows already.
void fenceThenBarrier(Operation *after) {
  OpBuilder b(after->getContext());
  b.setInsertionPointAfter(after);
  Operation *next = nextOp(after);
  if (next && isa<FenceAsyncSharedOp>(next))
    return;
  FenceAsyncSharedOp::create(b, after->getLoc());
  if (!next || !isa<BarrierOp>(next))
    BarrierOp::create(b, after->getLoc());
}

/// A fence before the first barrier after `write` in its block (placed
/// after `write`, with a barrier, when there is none).
void fenceBeforeNextBarrier(Operation *write) {
  for (Operation *op = write->getNextNode(); op; op = op->getNextNode()) {
    if (!isa<BarrierOp>(op))
      continue;
    Operation *prev = op->getPrevNode();
    if (prev && isa<FenceAsyncSharedOp>(prev))
      return;
    OpBuilder b(op);
    FenceAsyncSharedOp::create(b, write->getLoc());
    return;
  }
  fenceThenBarrier(write);
}

struct InsertAsyncFencesPass
    : fa::tilegpu::impl::TileGPUInsertAsyncFencesBase<InsertAsyncFencesPass> {
  void runOnOperation() override {
    getOperation().walk([&](fa::tile::KernelOp kernel) { runOn(kernel); });
  }

  void runOn(fa::tile::KernelOp kernel) {
    llvm::DenseSet<Value> asyncRead;
    kernel.walk([&](Operation *op) {
      if (auto load = dyn_cast<LocalLoadOp>(op)) {
        if (readByAsyncProxy(load))
          asyncRead.insert(rootBuffer(load.getSrc()));
      } else if (auto reduce = dyn_cast<ReduceAsyncOp>(op)) {
        asyncRead.insert(rootBuffer(reduce.getSrc()));
      }
    });
    if (asyncRead.empty())
      return;
    SmallVector<Operation *> allocs, stores;
    bool copies = false;
    kernel.walk([&](Operation *op) {
      if (auto alloc = dyn_cast<LocalAllocOp>(op)) {
        if (asyncRead.contains(alloc.getResult()))
          allocs.push_back(op);
      } else if (auto store = dyn_cast<LocalStoreOp>(op)) {
        if (asyncRead.contains(rootBuffer(store.getDst())))
          stores.push_back(op);
      } else if (auto copy = dyn_cast<AsyncCopyOp>(op)) {
        copies |= asyncRead.contains(rootBuffer(copy.getDst()));
      }
    });
    for (Operation *alloc : allocs)
      fenceThenBarrier(alloc);
    for (Operation *store : stores)
      fenceBeforeNextBarrier(store);
    // Per-thread copies are complete in their thread only after its wait.
    if (copies)
      kernel.walk([&](AsyncWaitOp wait) { fenceThenBarrier(wait); });
  }
};
} // namespace
