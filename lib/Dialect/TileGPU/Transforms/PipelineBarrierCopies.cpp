//===- PipelineBarrierCopies.cpp - barrier-tracked copies of the pipeliner ===//
//
// CopyEngine::Tma: bulk copies one thread issues into ring slots, each slot
// completing on an mbarrier; with the engine's consumer release a second
// ring of barriers tells the copying thread when every thread is done with
// a slot, so the warps need no CTA barrier per iteration.
//
//===----------------------------------------------------------------------===//

#include "PipelineLowerLoads.h"

#include "fa/Dialect/TileGPU/IR/ModuleTarget.h"
#include "fa/Dialect/TileGPU/Transforms/Pipeline.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace fa::tilegpu;
namespace pl = fa::tilegpu::pipeline;

namespace fa::tilegpu::pipeline {
namespace {
/// Whether every read of the buffers of `prefetches` in `loop`'s body is
/// over by the end of the iteration: the asynchronous dots reading a slot
/// are issued in the body itself and a wait with no group left in flight
/// (pendings 0; groups complete in order) follows the last of them there.
bool readsEndInIteration(scf::ForOp loop, ArrayRef<Prefetch> prefetches) {
  Block *body = loop.getBody();
  bool ok = true;
  Operation *lastDot = nullptr;
  std::function<void(Value)> visit = [&](Value buf) {
    for (Operation *user : buf.getUsers()) {
      if (isa<RingSlotOp, TransViewOp>(user)) {
        visit(user->getResult(0));
        continue;
      }
      if (!isa<LocalLoadOp>(user))
        continue;
      for (Operation *reader : user->getUsers()) {
        if (!isa<DotAsyncOp>(reader))
          continue;
        if (reader->getBlock() != body) {
          ok = false;
          continue;
        }
        if (!lastDot || lastDot->isBeforeInBlock(reader))
          lastDot = reader;
      }
    }
  };
  // The buffers the ring slots will replace.
  for (const Prefetch &p : prefetches)
    for (LocalAllocOp alloc : p.allocs)
      visit(alloc.getResult());
  if (!ok || !lastDot)
    return ok;
  for (Operation *op = lastDot->getNextNode(); op; op = op->getNextNode())
    if (auto wait = dyn_cast<DotWaitOp>(op))
      if (wait.getPendings() == 0)
        return true;
  return false;
}

} // namespace

/// A barrier-tracked engine (CopyEngine::Tma): a ring of S buffers per load
/// and one ring of S barriers for them all, initialized before the loop. In
/// program order of the body before rotation:
///   cluster 0, last stage: every thread waits for the barrier of this
///     iteration's slot (its fill number iteration / S, so parity
///     (iteration / S) % 2);
///   cluster 1, stage 0 (never past the loop's end, so that no copy is in
///     flight after it): one thread expects the slot's bytes and issues the
///     copies into slot `iteration % S`;
///   later clusters: the body, reading this iteration's slot.
/// The slot refilled was read S iterations earlier. With the engine's
/// consumer release, a second ring of S "empty" barriers orders that: every
/// thread arrives on the slot's one at the end of its iteration (last
/// stage, last cluster) and the copying thread waits for the fill's
/// previous release (parity (iteration / S + 1) % 2, which a fresh barrier
/// passes) before expecting bytes, so the warps are not held together.
/// Otherwise (or when an asynchronous dot still reads a slot after its
/// iteration) a CTA barrier after the wait: every thread is then done with
/// the previous iteration. After the loop the barriers are released between
/// two CTA barriers.
void lowerWithBarriers(scf::ForOp loop, MutableArrayRef<Prefetch> prefetches,
                       int64_t stages, const fa::BarrierCopyProtocol &engine) {
  MLIRContext *ctx = loop.getContext();
  Location loc = loop.getLoc();
  OpBuilder b(loop);
  IntegerAttr align = b.getI64IntegerAttr(engine.getBufferAlignment());
  int64_t bytes = 0;
  for (Prefetch &p : prefetches) {
    p.ring = AllocRingOp::create(b, loc, ringTypeFor(p.fillTy, stages),
                                 IntegerAttr(), align);
    bytes += p.fillTy.getNumElements() *
             p.fillTy.getElementType().getIntOrFloatBitWidth() / 8;
  }
  auto barEnc = SharedEncodingAttr::get(ctx, 1, 1, 1, {1, 0}, 0);
  auto barTy = SharedBufferType::get(ctx, {stages, 1}, b.getI64Type(), barEnc);
  Value bars = AllocRingOp::create(b, loc, barTy, IntegerAttr(), IntegerAttr());
  engine.init(b, loc, bars);
  Value empty;
  if (engine.hasConsumerRelease() && readsEndInIteration(loop, prefetches)) {
    TargetAttr target = getModuleTarget(loop->getParentOfType<ModuleOp>());
    empty = AllocRingOp::create(b, loc, barTy, IntegerAttr(), IntegerAttr());
    engine.initEmpty(b, loc, empty, target.getNumThreads());
  }
  BarrierOp::create(b, loc);
  Value numSlots = arith::ConstantIndexOp::create(b, loc, stages);
  Value two = arith::ConstantIndexOp::create(b, loc, 2);
  Value one = empty ? arith::ConstantIndexOp::create(b, loc, 1) : Value();

  Block *body = loop.getBody();
  pl::makeRoomForCopies(loop);
  int64_t last = stages - 1;

  b.setInsertionPointToStart(body);
  Value rel = pl::iterationNumber(b, loc, loop);
  Value slot = arith::RemSIOp::create(b, loc, rel, numSlots);
  Value phase = arith::RemSIOp::create(
      b, loc, arith::DivSIOp::create(b, loc, rel, numSlots), two);
  engine.wait(b, loc, bars, slot, phase);
  if (!empty)
    BarrierOp::create(b, loc);
  for (Operation &op : llvm::make_range(body->begin(), b.getInsertionPoint()))
    pl::setStage(&op, last, 0);

  Value copySlot = arith::RemSIOp::create(b, loc, rel, numSlots);
  hoistAddresses(b, loop, prefetches);
  // The addresses stay unguarded: later stages may read them too.
  auto unguarded = std::prev(b.getInsertionPoint());
  if (empty) {
    Value released = arith::RemSIOp::create(
        b, loc,
        arith::AddIOp::create(
            b, loc, arith::DivSIOp::create(b, loc, rel, numSlots), one),
        two);
    engine.waitEmpty(b, loc, empty, copySlot, released);
  }
  engine.expect(b, loc, bars, copySlot, bytes);
  for (Prefetch &p : prefetches) {
    Value dst = RingSlotOp::create(b, loc, p.fillTy, p.ring, copySlot);
    engine.copy(b, loc, p.load.getBase(), p.load.getOffsets(),
                p.load.getTileDims(), dst, bars, copySlot);
  }
  for (Operation &op :
       llvm::make_range(std::next(unguarded), b.getInsertionPoint()))
    op.setAttr(pl::kGuard, b.getUnitAttr());
  for (Operation &op : llvm::make_range(copySlot.getDefiningOp()->getIterator(),
                                        b.getInsertionPoint()))
    pl::setStage(&op, 0, 1);

  for (Prefetch &p : prefetches)
    replaceBuffers(p, slot, last);

  if (empty) {
    int64_t lastCluster = 0;
    for (Operation &op : body->without_terminator())
      if (pl::getIntAttr(&op, pl::kStage) == last)
        lastCluster = std::max(lastCluster,
                               pl::getIntAttr(&op, pl::kCluster).value_or(0));
    b.setInsertionPoint(body->getTerminator());
    engine.arriveEmpty(b, loc, empty, slot);
    pl::setStage(&*std::prev(b.getInsertionPoint()), last, lastCluster);
  }

  b.setInsertionPointAfter(loop);
  BarrierOp::create(b, loc);
  engine.release(b, loc, bars);
  if (empty)
    engine.release(b, loc, empty);
  BarrierOp::create(b, loc);
}

} // namespace fa::tilegpu::pipeline
