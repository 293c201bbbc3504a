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
#include "fa/Target/TargetInfo.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
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

/// The ops of `loop`'s body that `roots` are computed from when they depend on
/// nothing but the induction variable and values from outside the loop,
/// through ops that only read memory (or fill a fresh shared buffer) and
/// have no regions. Fails otherwise.
FailureOr<llvm::SetVector<Operation *>> addressSlice(ValueRange roots,
                                                     scf::ForOp loop) {
  llvm::SetVector<Operation *> slice;
  SmallVector<Value> work(roots.begin(), roots.end());
  while (!work.empty()) {
    Value v = work.pop_back_val();
    if (v == loop.getInductionVar() || loop.isDefinedOutsideOfLoop(v))
      continue;
    Operation *def = v.getDefiningOp();
    if (!def || def->getBlock() != loop.getBody() || def->getNumRegions())
      return failure();
    if (!isMemoryEffectFree(def) &&
        !isa<fa::tile::LoadOp, LocalAllocOp, LocalLoadOp>(def))
      return failure();
    if (slice.insert(def))
      llvm::append_range(work, def->getOperands());
  }
  return slice;
}

/// addressSlice of `dot`'s operands in block order, when its accumulator is
/// loop-invariant (or a constant). Fails otherwise.
FailureOr<SmallVector<Operation *>> invariantSlice(fa::tile::DotOp dot,
                                                   scf::ForOp loop) {
  if (!loop.isDefinedOutsideOfLoop(dot.getAcc()) &&
      !matchPattern(dot.getAcc(), m_Constant()))
    return failure();
  auto slice = addressSlice({dot.getA(), dot.getB()}, loop);
  if (failed(slice))
    return failure();
  SmallVector<Operation *> ordered(slice->begin(), slice->end());
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

/// The mark of tile-causal-split on the loop of its masked blocks.
constexpr llvm::StringLiteral kMaskedBlocksAttr = "tile.masked_blocks";

/// Defers the loop's second product (P·V) by one iteration, so that it runs
/// on the tensor cores while the next block's softmax runs (see the pass
/// description, `overlap`). Loops with two asynchronous dots that do not
/// have the expected form get a remark and stay as they are. Returns whether
/// the loop was rewritten.
bool overlapSecondDot(scf::ForOp loop) {
  Block *body = loop.getBody();
  SmallVector<fa::tile::DotOp> dots;
  for (auto dot : body->getOps<fa::tile::DotOp>())
    if (isAsyncCapable(dot))
      dots.push_back(dot);
  // The masked blocks tile-causal-split leaves (the diagonal, the last
  // partial block) are few iterations, often one: the peeled first and last
  // stages would cost more than the overlap saves, and the mask's registers
  // next to the deferred operands make them spill.
  if (dots.size() != 2 || loop->hasAttr(kMaskedBlocksAttr))
    return false;
  auto refuse = [&](const Twine &why) {
    loop.emitRemark("products not overlapped: ") << why;
    return false;
  };
  if (writesMemory(loop))
    return refuse("the loop writes memory");
  std::optional<int64_t> stepValue = getConstantIntValue(loop.getStep());
  if (!stepValue || *stepValue <= 0)
    return refuse("the step is not a positive constant");
  fa::tile::DotOp first = dots[0], second = dots[1];
  auto yield = cast<scf::YieldOp>(body->getTerminator());
  if (!second->hasOneUse() || second->use_begin()->getOwner() != yield)
    return refuse("the second product is read in the loop");
  unsigned k = second->use_begin()->getOperandNumber();
  BlockArgument accArg = loop.getRegionIterArgs()[k];
  Value iv = loop.getInductionVar();

  // Stage 1 (deferred): the second product, what computes its accumulator
  // from the carried one, what computes its B operand from the induction
  // variable (the loads of V).
  llvm::SetVector<Operation *> stage1;
  SmallVector<Value> work = {accArg};
  while (!work.empty()) {
    Value v = work.pop_back_val();
    for (Operation *user : v.getUsers()) {
      Operation *op = body->findAncestorOpInBlock(*user);
      if (!op || op == yield)
        continue;
      if (op != second.getOperation() &&
          (!isMemoryEffectFree(op) || op->getNumRegions()))
        return refuse("the accumulator is read by an op that is not pure "
                      "arithmetic");
      if (stage1.insert(op))
        llvm::append_range(work, op->getResults());
    }
  }
  if (!stage1.contains(second))
    return refuse("the second product does not accumulate into a carried "
                  "value");
  auto bSlice = addressSlice(second.getB(), loop);
  if (failed(bSlice))
    return refuse("the B operand of the second product is not loaded from "
                  "the induction variable");
  stage1.insert(bSlice->begin(), bSlice->end());
  stage1.insert(second);
  // Shape ops fed by stage 0 and read only in stage 1 are recomputed there:
  // carrying a broadcast row vector would cost a register per element.
  for (bool changed = true; changed;) {
    changed = false;
    for (Operation &op : body->without_terminator()) {
      if (stage1.contains(&op) || op.use_empty() ||
          !isa<fa::tile::ExpandDimsOp, fa::tile::BroadcastOp,
               fa::tile::SplatOp>(op))
        continue;
      if (llvm::all_of(op.getUsers(), [&](Operation *u) {
            return stage1.contains(body->findAncestorOpInBlock(*u));
          })) {
        stage1.insert(&op);
        changed = true;
      }
    }
  }
  if (stage1.contains(first))
    return refuse("the first product feeds the accumulator");
  // Stage 1's results stay in stage 1 (but the product's, yielded).
  for (Operation *op : stage1)
    for (Operation *user : op->getUsers()) {
      Operation *anc = body->findAncestorOpInBlock(*user);
      if (anc == yield ? op != second.getOperation() : !stage1.contains(anc))
        return refuse("a value of the deferred product is read by the rest "
                      "of the body");
    }
  // What stage 1 reads from stage 0 is carried one iteration.
  llvm::SetVector<Value> carried;
  for (Operation *op : stage1) {
    WalkResult r = op->walk([&](Operation *nested) {
      for (Value v : nested->getOperands()) {
        if (auto arg = dyn_cast<BlockArgument>(v)) {
          if (arg.getOwner() == body && v != iv && v != accArg)
            return WalkResult::interrupt();
          continue;
        }
        Operation *def = v.getDefiningOp();
        if (def->getBlock() == body && !stage1.contains(def))
          carried.insert(v);
      }
      return WalkResult::advance();
    });
    if (r.wasInterrupted())
      return refuse("the deferred product reads another loop-carried value");
  }
  SmallVector<Operation *> stage0Ops, stage1Ops;
  for (Operation &op : body->without_terminator())
    (stage1.contains(&op) ? stage1Ops : stage0Ops).push_back(&op);

  Location loc = loop.getLoc();
  Value lb = loop.getLowerBound(), ub = loop.getUpperBound();
  Value step = loop.getStep();
  SmallVector<Value> inits(loop.getInitArgs());

  // Prologue: stage 0 of the first iteration. Its loads lose their
  // in-bounds flags: the loop may have no iteration (the epilogue then
  // discards what it computed).
  OpBuilder b(loop);
  IRMapping pro;
  pro.map(iv, lb);
  for (auto [i, arg] : llvm::enumerate(loop.getRegionIterArgs()))
    if (i != k)
      pro.map(arg, inits[i]);
  for (Operation *op : stage0Ops) {
    Operation *clone = b.clone(*op, pro);
    if (auto load = dyn_cast<fa::tile::LoadOp>(clone))
      load.removeInBoundsAttr();
  }
  // The prologue's buffers die here; copies issued before the loop may
  // reuse their memory once every warpgroup's product has read them.
  BarrierOp::create(b, loc);
  for (unsigned i = 0, e = inits.size(); i != e; ++i)
    if (i != k)
      loop.getInitArgsMutable()[i].set(
          pro.lookupOrDefault(yield.getOperand(i)));
  SmallVector<Value> carriedInit;
  for (Value v : carried)
    carriedInit.push_back(pro.lookup(v));
  loop.getLowerBoundMutable().assign(arith::AddIOp::create(b, loc, lb, step));

  IRRewriter rewriter(loop.getContext());
  SmallVector<BlockArgument> carriedArgs;
  auto replaced = loop.replaceWithAdditionalYields(
      rewriter, carriedInit, /*replaceInitOperandUsesInLoop=*/false,
      [&](OpBuilder &, Location, ArrayRef<BlockArgument> args) {
        carriedArgs.assign(args.begin(), args.end());
        return SmallVector<Value>(carried.begin(), carried.end());
      });
  if (failed(replaced))
    return refuse("the loop could not carry the deferred product's operands");
  auto newLoop = cast<scf::ForOp>(replaced->getOperation());
  // In the body (moved, not cloned), stage 1 is the previous iteration's:
  // it reads the carried values and `iv - step`. The accumulator's
  // arithmetic (the rescale) goes before the first product, the B operand
  // and the second product right after it: the two issues stay adjacent (a
  // pingpong window between warpgroups can wrap them).
  OpBuilder bb = OpBuilder::atBlockBegin(newLoop.getBody());
  Value newIv = newLoop.getInductionVar();
  Value prevIv = arith::SubIOp::create(bb, loc, newIv, newLoop.getStep());
  Operation *after = first;
  for (Operation *op : stage1Ops) {
    for (auto [v, arg] : llvm::zip(carried, carriedArgs))
      op->replaceUsesOfWith(v, arg);
    op->walk([&](Operation *nested) {
      nested->replaceUsesOfWith(newIv, prevIv);
      for (auto [v, arg] : llvm::zip(carried, carriedArgs))
        nested->replaceUsesOfWith(v, arg);
    });
    if (!bSlice->contains(op) && op != second.getOperation()) {
      op->moveBefore(first);
      continue;
    }

    op->moveAfter(after);
    after = op;
  }

  // Epilogue: stage 1 of the last iteration, when there was one.
  unsigned n = inits.size();
  b.setInsertionPointAfter(newLoop);
  Value any = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, lb, ub);
  TypeRange types = TypeRange(newLoop.getResultTypes()).take_front(n);
  auto ifOp = scf::IfOp::create(b, loc, types, any, /*withElse=*/true);
  {
    OpBuilder tb = OpBuilder::atBlockEnd(ifOp.thenBlock());
    // lb + ((ub - lb - 1) / step) * step
    Value one =
        arith::ConstantOp::create(tb, loc, tb.getIntegerAttr(ub.getType(), 1));
    Value span = arith::SubIOp::create(
        tb, loc, arith::SubIOp::create(tb, loc, ub, lb), one);
    Value lastIv = arith::AddIOp::create(
        tb, loc, lb,
        arith::MulIOp::create(
            tb, loc, arith::DivSIOp::create(tb, loc, span, step), step));
    IRMapping epi;
    epi.map(prevIv, lastIv);
    epi.map(newLoop.getRegionIterArgs()[k], newLoop.getResult(k));
    for (auto [i, arg] : llvm::enumerate(carriedArgs))
      epi.map(arg, newLoop.getResult(n + i));
    for (Operation *op : stage1Ops)
      tb.clone(*op, epi);
    SmallVector<Value> results(newLoop.getResults().take_front(n));
    results[k] = epi.lookup(second.getResult());
    scf::YieldOp::create(tb, loc, results);
    // Without an iteration, the loop's results are the initial values. The
    // accumulator's is taken from the loop, not from its initial value (a
    // constant, zeros): both branches then yield the registers the loop
    // accumulated in, and LLVM keeps the accumulator in one set of registers
    // through the loop, the last product and what follows. With the
    // constant, the last product's accumulator is a second set, joined with
    // the zeros, that ptxas gives a 64-register block of its own next to the
    // loop's (a masked loop after this one reads it): at 128 columns the
    // loop's deferred operand no longer fits in 240 registers.
    SmallVector<Value> none(inits);
    none[k] = newLoop.getResult(k);
    OpBuilder eb = OpBuilder::atBlockEnd(ifOp.elseBlock());
    scf::YieldOp::create(eb, loc, none);
  }
  for (unsigned i = 0; i != n; ++i)
    newLoop.getResult(i).replaceUsesWithIf(
        ifOp.getResult(i),
        [&](OpOperand &use) { return !ifOp->isAncestor(use.getOwner()); });

  // The first product is waited for before its first reader (the softmax),
  // with the second one issued in between; the second is waited for at the
  // end, before the conversions that compute the next operand it reads from
  // registers (they would otherwise overwrite them while it runs).
  Block *newBody = newLoop.getBody();
  Operation *terminator = newBody->getTerminator();
  SmallVector<Operation *> tail;
  llvm::SmallPtrSet<Operation *, 8> tailSet;
  for (Operation &op : llvm::reverse(newBody->without_terminator())) {
    if (!isa<arith::TruncFOp, arith::ExtFOp, ConvertLayoutOp>(op) ||
        op.use_empty() || stage1.contains(&op))
      continue;
    if (llvm::all_of(op.getUsers(), [&](Operation *u) {
          return u == terminator || tailSet.contains(u);
        })) {
      tail.push_back(&op);
      tailSet.insert(&op);
    }
  }
  makeAsync(first);
  OpBuilder wb(second);
  auto issued =
      DotAsyncOp::create(wb, second.getLoc(), second.getType(), second.getA(),
                         second.getB(), second.getAcc());
  wb.setInsertionPoint(terminator);
  auto wait = DotWaitOp::create(wb, second.getLoc(), ValueRange{issued}, 0);
  // The softmax before it is what the product overlaps: the wait must not
  // be issued earlier.
  wait->setAttr(fa::kOrderedWaitAttr, UnitAttr::get(wait.getContext()));
  second.getResult().replaceAllUsesWith(wait.getResult(0));
  second.erase();
  for (Operation *op : llvm::reverse(tail))
    op->moveBefore(terminator);
  return true;
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
    llvm::SmallPtrSet<Operation *, 2> overlapped;
    if (overlap) {
      SmallVector<scf::ForOp> loops;
      getOperation().walk([&](scf::ForOp loop) { loops.push_back(loop); });
      for (scf::ForOp loop : loops) {
        // (The loop is replaced when rewritten.)
        Operation *kernel = loop->getParentOfType<fa::tile::KernelOp>();
        if (overlapSecondDot(loop))
          overlapped.insert(kernel);
      }
    }
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
    // The deferred operands take the registers that the descriptors of a
    // buffer written before a loop (Q's, two per K step) would keep live
    // through the kernel once hoisted from its loops (and shared between
    // them): have them computed at each issue.
    for (Operation *kernel : overlapped)
      kernel->walk([](DotAsyncOp dot) {
        dot->setAttr(fa::kRecomputeDescriptorsAttr,
                     UnitAttr::get(dot.getContext()));
      });
  }
};
} // namespace
