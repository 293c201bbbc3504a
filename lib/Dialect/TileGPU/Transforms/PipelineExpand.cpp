//===- PipelineExpand.cpp - multi-buffered asynchronous-copy loops --------===//

#include "fa/Dialect/TileGPU/Transforms/Passes.h"

#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"

namespace fa::tilegpu {
#define GEN_PASS_DEF_TILEGPUPIPELINEEXPAND
#include "fa/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace fa::tilegpu

using namespace mlir;
using namespace fa::tilegpu;

namespace {
struct Prefetch {
  fa::tile::LoadOp load;
  fa::tile::TransOp trans; // may be null
  LocalAllocOp alloc;
  SharedBufferType slotTy;
  Value ring;
};

/// The buffer type the load's tile has in its own (untransposed) frame.
SharedBufferType slotTypeFor(fa::tile::LoadOp load) {
  auto ty = load.getType();
  auto blocked = dyn_cast<BlockedEncodingAttr>(ty.getEncoding());
  if (!blocked)
    return {};
  auto enc =
      getSwizzledShared(load.getContext(), ty.getShape(), blocked.getOrder(),
                        ty.getElementType().getIntOrFloatBitWidth());
  return SharedBufferType::get(load.getContext(), ty.getShape(),
                               ty.getElementType(), enc);
}

SharedBufferType transposed(SharedBufferType t) {
  auto enc = cast<SharedEncodingAttr>(t.getEncoding());
  SmallVector<unsigned> order = {1u - enc.getOrder()[0],
                                 1u - enc.getOrder()[1]};
  auto tenc =
      SharedEncodingAttr::get(t.getContext(), enc.getVec(), enc.getPerPhase(),
                              enc.getMaxPhase(), order);
  return SharedBufferType::get(t.getContext(),
                               {t.getShape()[1], t.getShape()[0]},
                               t.getElementType(), tenc);
}

struct PipelineExpandPass
    : fa::tilegpu::impl::TileGPUPipelineExpandBase<PipelineExpandPass> {
  void runOnOperation() override {
    SmallVector<scf::ForOp> loops;
    getOperation().walk([&](scf::ForOp loop) {
      if (loop->hasAttr("tilegpu.num_stages"))
        loops.push_back(loop);
    });
    for (scf::ForOp loop : loops)
      expand(loop);
  }

  void expand(scf::ForOp loop) {
    int64_t stages =
        loop->getAttrOfType<IntegerAttr>("tilegpu.num_stages").getInt();
    loop->removeAttr("tilegpu.num_stages");
    SmallVector<Prefetch> prefetches;
    for (Operation &op : loop.getBody()->without_terminator()) {
      auto load = dyn_cast<fa::tile::LoadOp>(op);
      if (!load || !load->hasAttr("tilegpu.pipeline_stage"))
        continue;
      load->removeAttr("tilegpu.pipeline_stage");
      Prefetch p;
      p.load = load;
      Operation *user = *load->user_begin();
      p.trans = dyn_cast<fa::tile::TransOp>(user);
      p.alloc = cast<LocalAllocOp>(p.trans ? *p.trans->user_begin() : user);
      p.slotTy = slotTypeFor(load);
      if (!p.slotTy)
        continue;
      // The buffer readers expect must be this slot, maybe transposed.
      SharedBufferType want = p.trans ? transposed(p.slotTy) : p.slotTy;
      if (want != p.alloc.getType())
        continue;
      prefetches.push_back(p);
    }
    if (prefetches.empty() || stages < 2)
      return;

    MLIRContext *ctx = loop.getContext();
    Location loc = loop.getLoc();
    OpBuilder b(loop);
    auto cIdx = [&](int64_t v) -> Value {
      return arith::ConstantIndexOp::create(b, loc, v);
    };
    Value lb = loop.getLowerBound(), step = loop.getStep();

    for (Prefetch &p : prefetches) {
      auto enc = cast<SharedEncodingAttr>(p.slotTy.getEncoding());
      SmallVector<unsigned> order;
      for (unsigned o : enc.getOrder())
        order.push_back(o + 1);
      order.push_back(0);
      auto ringEnc = SharedEncodingAttr::get(
          ctx, enc.getVec(), enc.getPerPhase(), enc.getMaxPhase(), order);
      SmallVector<int64_t> shape = {stages};
      llvm::append_range(shape, p.slotTy.getShape());
      auto ringTy =
          SharedBufferType::get(ctx, shape, p.slotTy.getElementType(), ringEnc);
      p.ring = AllocRingOp::create(b, loc, ringTy, IntegerAttr());
    }

    // Starts the copies of iteration `iv` into slot `slot`.
    // Loads proven in bounds (`in_bounds`) are so only for iterations of the
    // loop: their copies are skipped past its end instead of relying on
    // bounds checks.
    bool guarded = llvm::any_of(prefetches, [](Prefetch &p) {
      return p.load.getInBounds().has_value();
    });
    auto issue = [&](Value iv, Value slot) {
      OpBuilder::InsertionGuard guard(b);
      if (guarded) {
        Value inLoop = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                             iv, loop.getUpperBound());
        auto ifOp = scf::IfOp::create(b, loc, inLoop, /*withElse=*/false);
        b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
      }
      for (Prefetch &p : prefetches) {
        SmallVector<Value> offsets;
        for (Value o : p.load.getOffsets())
          offsets.push_back(o == loop.getInductionVar() ? iv : o);
        Value dst = RingSlotOp::create(b, loc, p.slotTy, p.ring, slot);
        AsyncCopyOp::create(
            b, loc, p.load.getBase(), offsets, p.load.getDimsAttr(), dst,
            p.load.getType().getEncoding(), p.load.getInBoundsAttr());
      }
    };
    auto issueAndCommit = [&](Value iv, Value slot) {
      issue(iv, slot);
      AsyncCommitOp::create(b, loc);
    };

    // Prologue: iterations 0 .. S-2. Copies past the loop's end read only
    // in-bounds memory (or zero-fill) and are never used.
    for (int64_t s = 0; s + 1 < stages; ++s) {
      Value iv = arith::AddIOp::create(
          b, loc, lb, arith::MulIOp::create(b, loc, step, cIdx(s)));
      issueAndCommit(iv, cIdx(s));
    }

    // Body: wait for this iteration's copy, refill the slot freed by the
    // previous iteration, read this iteration's slot.
    b.setInsertionPointToStart(loop.getBody());
    Value iv = loop.getInductionVar();
    Value rel = arith::DivSIOp::create(
        b, loc, arith::SubIOp::create(b, loc, iv, lb), step);
    Value slot = arith::RemSIOp::create(b, loc, rel, cIdx(stages));
    AsyncWaitOp::create(b, loc, b.getI32IntegerAttr(stages - 2));
    // Copies by other threads become visible after the barrier.
    BarrierOp::create(b, loc);
    Value nextIv = arith::AddIOp::create(
        b, loc, iv, arith::MulIOp::create(b, loc, step, cIdx(stages - 1)));
    Value nextSlot = arith::RemSIOp::create(
        b, loc, arith::AddIOp::create(b, loc, rel, cIdx(stages - 1)),
        cIdx(stages));
    issueAndCommit(nextIv, nextSlot);
    for (Prefetch &p : prefetches) {
      b.setInsertionPoint(p.alloc);
      Value cur = RingSlotOp::create(b, loc, p.slotTy, p.ring, slot);
      if (p.trans)
        cur = TransViewOp::create(b, loc, p.alloc.getType(), cur);
      p.alloc.getResult().replaceAllUsesWith(cur);
      p.alloc.erase();
      if (p.trans)
        p.trans.erase();
      p.load.erase();
    }

    // Drain before anything after the loop reuses shared memory.
    b.setInsertionPointAfter(loop);
    AsyncWaitOp::create(b, loc, b.getI32IntegerAttr(0));
    BarrierOp::create(b, loc);
  }
};
} // namespace
