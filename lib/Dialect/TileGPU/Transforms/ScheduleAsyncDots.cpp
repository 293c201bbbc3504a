//===- ScheduleAsyncDots.cpp - asynchronous wgmma issue and waits ---------===//
//
// Asynchronous MMAs (wgmma) run while the issuing warps go on. This pass
// makes that explicit (tilegpu.dot_async + tilegpu.dot_wait) and schedules
// it:
//
// 1. Prefetched dot (FlashAttention-3's intra-warpgroup overlap): in a loop
//    whose body computes a dot from the induction variable and loop
//    invariants alone (QKᵀ of a key block), the dot of iteration i + 1 is
//    issued in iteration i, before the code using the current one (the
//    softmax) runs, and is carried to the next iteration. The first one is
//    computed before the loop.
// 2. Every other asynchronous-capable dot is issued asynchronously and
//    waited for right before its first reader.
// 3. Each wait's depth is the number of dots issued after its own and
//    before it: groups complete in issue order.
//
//===----------------------------------------------------------------------===//

#include "fa/Dialect/TileGPU/Transforms/Passes.h"

#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Dialect/TileGPU/IR/ModuleTarget.h"
#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

namespace fa::tilegpu {
#define GEN_PASS_DEF_TILEGPUSCHEDULEASYNCDOTS
#include "fa/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace fa::tilegpu

using namespace mlir;
using namespace fa::tilegpu;

namespace {

/// Dots the target issues asynchronously: those whose accumulator layout
/// says so (wgmma, #tilenv.mma version 3).
bool isAsyncCapable(fa::tile::DotOp dot) {
  auto mma =
      dyn_cast_or_null<MmaLayoutAttrInterface>(dot.getType().getEncoding());
  return mma && mma.getMmaVersion() == 3;
}

/// The ops of `loop`'s body that `dot`'s operands are computed from, in
/// block order, when they depend on nothing but the induction variable and
/// values from outside the loop, only read memory (or fill a fresh shared
/// buffer) and have no regions. Fails otherwise.
FailureOr<SmallVector<Operation *>> invariantSlice(fa::tile::DotOp dot,
                                                   scf::ForOp loop) {
  if (!loop.isDefinedOutsideOfLoop(dot.getAcc()) &&
      !matchPattern(dot.getAcc(), m_Constant()))
    return failure();
  llvm::SetVector<Operation *> slice;
  SmallVector<Value> work = {dot.getA(), dot.getB()};
  while (!work.empty()) {
    Value v = work.pop_back_val();
    if (v == loop.getInductionVar() || loop.isDefinedOutsideOfLoop(v))
      continue;
    Operation *def = v.getDefiningOp();
    if (!def || def->getBlock() != loop.getBody() || def->getNumRegions())
      return failure();
    bool allowed = isMemoryEffectFree(def) ||
                   isa<fa::tile::LoadOp, LocalAllocOp, LocalLoadOp>(def);
    if (!allowed)
      return failure();
    if (slice.insert(def))
      llvm::append_range(work, def->getOperands());
  }
  SmallVector<Operation *> ordered(slice.begin(), slice.end());
  llvm::sort(ordered,
             [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  return ordered;
}

/// Whether the loop body writes memory other than fresh shared buffers:
/// then a dot's operands of iteration i + 1 could differ when read early.
bool writesMemory(scf::ForOp loop) {
  bool writes = false;
  loop.getBody()->walk([&](Operation *op) {
    if (isa<LocalAllocOp>(op))
      return;
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effects) {
      if (!op->hasTrait<OpTrait::HasRecursiveMemoryEffects>() &&
          !isa<scf::YieldOp>(op))
        writes = true;
      return;
    }
    if (effects.hasEffect<MemoryEffects::Write>())
      writes = true;
  });
  return writes;
}

/// Rebuilds the slice with the induction variable replaced by `iv`; loads
/// lose their in-bounds flags (iteration i + 1 may be past the loop's
/// bound). Returns the dot's operands in the clone.
std::pair<Value, Value> cloneSlice(OpBuilder &b, ArrayRef<Operation *> slice,
                                   fa::tile::DotOp dot, Value oldIv, Value iv) {
  IRMapping map;
  map.map(oldIv, iv);
  for (Operation *op : slice) {
    Operation *clone = b.clone(*op, map);
    if (auto load = dyn_cast<fa::tile::LoadOp>(clone))
      load.removeInBoundsAttr();
  }
  return {map.lookupOrDefault(dot.getA()), map.lookupOrDefault(dot.getB())};
}

/// f32 registers per thread the accumulators of `loop`'s asynchronous dots
/// take, counting `extra` more elements (the prefetched tile).
int64_t accumulatorRegisters(scf::ForOp loop, int64_t extra) {
  int64_t elements = extra;
  for (auto dot : loop.getBody()->getOps<fa::tile::DotOp>())
    if (isAsyncCapable(dot))
      elements += dot.getType().getNumElements();
  int64_t threads = 128;
  if (TargetAttr t = getModuleTarget(loop))
    threads = t.getNumThreads();
  return elements / threads;
}

/// Issues the dot of the next iteration in this one (see the file comment).
bool prefetchDot(scf::ForOp loop, unsigned registerLimit) {
  if (writesMemory(loop))
    return false;
  fa::tile::DotOp dot;
  SmallVector<Operation *> slice;
  for (auto candidate : loop.getBody()->getOps<fa::tile::DotOp>()) {
    if (!isAsyncCapable(candidate) || candidate->use_empty())
      continue;
    auto s = invariantSlice(candidate, loop);
    if (failed(s))
      continue;
    dot = candidate;
    slice = std::move(*s);
    break;
  }
  if (!dot)
    return false;
  // The carried tile lives next to the one being computed: refuse where the
  // accumulators would no longer fit beside the rest of the body.
  if (registerLimit &&
      accumulatorRegisters(loop, dot.getType().getNumElements()) >
          int64_t(registerLimit))
    return false;

  // The dot of the first iteration, before the loop.
  OpBuilder b(loop);
  Location loc = dot.getLoc();
  auto [a0, b0] =
      cloneSlice(b, slice, dot, loop.getInductionVar(), loop.getLowerBound());
  Value acc = dot.getAcc();
  if (!loop.isDefinedOutsideOfLoop(acc))
    acc = b.clone(*acc.getDefiningOp())->getResult(0);
  auto issued0 = DotAsyncOp::create(b, loc, dot.getType(), a0, b0, acc);
  Value first = DotWaitOp::create(b, loc, ValueRange{issued0}, 0).getResult(0);
  // Its operand buffers die here and their memory may be reused by the
  // copies issued before the loop: every warpgroup's product must have
  // read them first.
  BarrierOp::create(b, loc);

  IRRewriter rewriter(loop.getContext());
  Value current;
  auto newLoop = cast<scf::ForOp>(loop.getOperation());
  auto replaced = newLoop.replaceWithAdditionalYields(
      rewriter, ValueRange{first}, /*replaceInitOperandUsesInLoop=*/false,
      [&](OpBuilder &yb, Location yloc, ArrayRef<BlockArgument> args) {
        current = args[0];
        // The next iteration's dot, issued where this one was.
        OpBuilder db(dot);
        // (The body is still the old loop's here; its induction variable
        // becomes the new loop's afterwards.)
        Value next = arith::AddIOp::create(db, loc, loop.getInductionVar(),
                                           loop.getStep());
        auto [a1, b1] =
            cloneSlice(db, slice, dot, loop.getInductionVar(), next);
        auto issued =
            DotAsyncOp::create(db, loc, dot.getType(), a1, b1, dot.getAcc());
        auto wait = DotWaitOp::create(yb, yloc, ValueRange{issued}, 0);
        return SmallVector<Value>{wait.getResult(0)};
      });
  if (failed(replaced))
    return false;
  dot.getResult().replaceAllUsesWith(current);
  dot.erase();
  for (Operation *op : llvm::reverse(slice))
    if (op->use_empty())
      op->erase();
  return true;
}

/// Turns a synchronous dot into an asynchronous one waited for just before
/// its first reader in the block.
void makeAsync(fa::tile::DotOp dot) {
  Block *block = dot->getBlock();
  Operation *firstUser = block->getTerminator();
  for (Operation *user : dot->getUsers()) {
    Operation *anc = block->findAncestorOpInBlock(*user);
    if (anc && anc->isBeforeInBlock(firstUser))
      firstUser = anc;
  }
  OpBuilder b(dot);
  auto issued = DotAsyncOp::create(b, dot.getLoc(), dot.getType(), dot.getA(),
                                   dot.getB(), dot.getAcc());
  b.setInsertionPoint(firstUser);
  auto wait = DotWaitOp::create(b, dot.getLoc(), ValueRange{issued}, 0);
  dot.getResult().replaceAllUsesWith(wait.getResult(0));
  dot.erase();
}

/// Depth of each wait: the dots issued after the ones it waits for, up to
/// the wait. Anything in between that may issue or wait for dots on its own
/// (a nested region, a synchronous MMA) counts as a full wait: depth 0.
void setDepths(Block &block) {
  for (auto wait : block.getOps<DotWaitOp>()) {
    Operation *earliest = wait;
    for (Value v : wait.getInputs()) {
      Operation *def = v.getDefiningOp();
      if (def->getBlock() == &block && def->isBeforeInBlock(earliest))
        earliest = def;
    }
    if (earliest == wait.getOperation())
      continue;
    int32_t later = 0;
    bool unknown = false;
    for (Operation *op = earliest->getNextNode(); op != wait;
         op = op->getNextNode()) {
      if (op->getNumRegions() || isa<fa::tile::DotOp>(op))
        unknown = true;
      if (isa<DotAsyncOp>(op)) {
        if (llvm::is_contained(wait.getInputs(), op->getResult(0)))
          later = 0; // groups up to this one must finish
        else
          ++later;
      }
    }
    wait.setPendings(unknown ? 0 : later);
  }
}

struct ScheduleAsyncDotsPass
    : fa::tilegpu::impl::TileGPUScheduleAsyncDotsBase<ScheduleAsyncDotsPass> {
  using Base::Base;
  void runOnOperation() override {
    if (prefetch) {
      SmallVector<scf::ForOp> loops;
      getOperation().walk([&](scf::ForOp loop) { loops.push_back(loop); });
      for (scf::ForOp loop : loops)
        prefetchDot(loop, prefetchRegisterLimit);
    }
    SmallVector<fa::tile::DotOp> dots;
    getOperation().walk([&](fa::tile::DotOp dot) {
      if (isAsyncCapable(dot))
        dots.push_back(dot);
    });
    for (fa::tile::DotOp dot : dots)
      makeAsync(dot);
    getOperation().walk([&](Block *block) { setDepths(*block); });
  }
};
} // namespace
