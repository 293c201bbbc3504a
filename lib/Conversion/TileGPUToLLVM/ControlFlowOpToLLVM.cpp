//===- ControlFlowOpToLLVM.cpp - scf.for and scf.if -----------------------===//
//
// Loops are rebuilt with the registers of loop-carried tiles as iteration
// arguments; branches without results are rebuilt around their lowered
// bodies. The scf ops left behind go through the upstream conversions.
//
//===----------------------------------------------------------------------===//

#include "Lowerings.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace fa;
using namespace fa::tilegpu;

/// Whether the registers of a loop-carried tile of `elem` (`n` of them) go
/// around the loop in pairs, one 32-bit value each: two 16-bit values share
/// a register, but the assembler gives each 16-bit loop value its own (a
/// carried bf16 operand of a deferred P·V would take twice its registers).
static bool carriedInPairs(Type elem, size_t n) {
  return n % 2 == 0 && (elem.isBF16() || elem.isF16());
}

/// `regs` packed two by two into i32 values.
static SmallVector<Value> packPairs(OpBuilder &b, Location loc,
                                    ArrayRef<Value> regs) {
  SmallVector<Value> words;
  auto vecTy = VectorType::get({2}, regs.front().getType());
  for (size_t i = 0; i + 1 < regs.size(); i += 2) {
    Value vec = LLVM::UndefOp::create(b, loc, vecTy);
    for (unsigned j = 0; j != 2; ++j)
      vec = LLVM::InsertElementOp::create(
          b, loc, vec, regs[i + j],
          LLVM::ConstantOp::create(b, loc, b.getI32Type(), j));
    words.push_back(LLVM::BitcastOp::create(b, loc, b.getI32Type(), vec));
  }
  return words;
}

/// The 16-bit values of `elem` packed in `words` (packPairs' inverse).
static SmallVector<Value> unpackPairs(OpBuilder &b, Location loc,
                                      ValueRange words, Type elem) {
  SmallVector<Value> regs;
  auto vecTy = VectorType::get({2}, elem);
  for (Value w : words) {
    Value vec = LLVM::BitcastOp::create(b, loc, vecTy, w);
    for (unsigned j = 0; j != 2; ++j)
      regs.push_back(LLVM::ExtractElementOp::create(
          b, loc, vec, LLVM::ConstantOp::create(b, loc, b.getI32Type(), j)));
  }
  return regs;
}

/// Rebuilds `yield` (already lowered up to it) with the registers of its
/// tiles flattened in place; `arity[i]` is the register count of operand i
/// (0: a scalar), packed two by two where `paired[i]` (when given). A tile
/// whose registers do not match is `mismatch`.
static LogicalResult flattenYield(scf::YieldOp yield, ArrayRef<unsigned> arity,
                                  KernelLowering &kl, StringRef mismatch,
                                  ArrayRef<bool> paired = {}) {
  SmallVector<Value> flat;
  for (auto [i, v] : llvm::enumerate(yield.getOperands())) {
    if (arity[i]) {
      auto &rv = kl.regs[v];
      if (rv.size() != arity[i])
        return yield.emitError(mismatch);
      if (!paired.empty() && paired[i])
        llvm::append_range(flat, packPairs(kl.b, kl.loc, rv));
      else
        flat.append(rv.begin(), rv.end());
    } else {
      flat.push_back(kl.map.lookup(v));
    }
  }
  scf::YieldOp::create(kl.b, kl.loc, flat);
  return success();
}

static LogicalResult lowerFor(scf::ForOp op, KernelLowering &kl) {
  OpBuilder &b = kl.b;
  Location &loc = kl.loc;
  auto &regs = kl.regs;
  IRMapping &map = kl.map;
  SmallVector<Value> inits;
  SmallVector<unsigned> arity;
  SmallVector<bool> paired;
  for (Value v : op.getInitArgs()) {
    if (auto t = dyn_cast<RankedTensorType>(v.getType())) {
      auto it = regs.find(v);
      if (it == regs.end())
        return op.emitError("loop argument has no lowered value");
      bool pairs = carriedInPairs(t.getElementType(), it->second.size());
      if (pairs)
        llvm::append_range(inits, packPairs(b, loc, it->second));
      else
        inits.append(it->second.begin(), it->second.end());
      arity.push_back(it->second.size());
      paired.push_back(pairs);
    } else {
      inits.push_back(map.lookup(v));
      arity.push_back(0);
      paired.push_back(false);
    }
  }
  auto newFor = scf::ForOp::create(b, loc, map.lookup(op.getLowerBound()),
                                   map.lookup(op.getUpperBound()),
                                   map.lookup(op.getStep()), inits);
  Block *nb = newFor.getBody();
  if (!nb->empty())
    nb->getTerminator()->erase();
  map.map(op.getInductionVar(), newFor.getInductionVar());
  // Unpacks paired registers at `b`'s insertion point.
  auto distribute = [&](ValueRange flat, ValueRange origs) {
    unsigned k = 0;
    for (auto [i, v] : llvm::enumerate(origs)) {
      if (paired[i]) {
        unsigned words = arity[i] / 2;
        regs[v] =
            unpackPairs(b, loc, flat.slice(k, words),
                        cast<RankedTensorType>(v.getType()).getElementType());
        k += words;
      } else if (arity[i]) {
        regs[v] = SmallVector<Value>(flat.slice(k, arity[i]));
        k += arity[i];
      } else {
        map.map(v, flat[k++]);
      }
    }
  };
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(nb);
    distribute(newFor.getRegionIterArgs(), op.getRegionIterArgs());
    if (failed(kl.lowerBlock(*op.getBody())))
      return failure();
    if (failed(flattenYield(cast<scf::YieldOp>(op.getBody()->getTerminator()),
                            arity, kl, "loop-carried tile changes layout",
                            paired)))
      return failure();
  }
  distribute(newFor.getResults(), op.getResults());
  return success();
}

static LogicalResult lowerIf(scf::IfOp op, KernelLowering &kl) {
  OpBuilder &b = kl.b;
  Location &loc = kl.loc;
  IRMapping &map = kl.map;
  bool withElse = !op.getElseRegion().empty();
  auto newIf =
      scf::IfOp::create(b, loc, map.lookup(op.getCondition()), withElse);
  auto lowerRegion = [&](Region &from, Block *to) -> LogicalResult {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(to->getTerminator());
    return kl.lowerBlock(from.front());
  };
  if (failed(lowerRegion(op.getThenRegion(), newIf.thenBlock())))
    return failure();
  if (withElse && failed(lowerRegion(op.getElseRegion(), newIf.elseBlock())))
    return failure();
  return success();
}

/// A branch with results: the registers of its tiles and its scalars become
/// the results of the new `scf.if`, as a loop's carried values do.
static LogicalResult lowerIfResults(scf::IfOp op, KernelLowering &kl) {
  OpBuilder &b = kl.b;
  Location &loc = kl.loc;
  auto &regs = kl.regs;
  IRMapping &map = kl.map;
  SmallVector<Type> types;
  SmallVector<unsigned> arity;
  for (Value r : op.getResults()) {
    if (auto t = dyn_cast<RankedTensorType>(r.getType())) {
      const LinearLayout *ll = kl.layoutOf(op, t);
      if (!ll)
        return failure();
      types.append(ll->numRegs(), t.getElementType());
      arity.push_back(ll->numRegs());
    } else {
      types.push_back(r.getType());
      arity.push_back(0);
    }
  }
  auto newIf = scf::IfOp::create(b, loc, types, map.lookup(op.getCondition()),
                                 /*withElseRegion=*/true);
  auto lowerRegion = [&](Region &from, Block *to) -> LogicalResult {
    OpBuilder::InsertionGuard guard(b);
    if (!to->empty() && to->back().hasTrait<OpTrait::IsTerminator>())
      to->back().erase();
    b.setInsertionPointToEnd(to);
    if (failed(kl.lowerBlock(from.front())))
      return failure();
    return flattenYield(cast<scf::YieldOp>(from.front().getTerminator()), arity,
                        kl, "a branch yields a tile in another layout");
  };
  if (failed(lowerRegion(op.getThenRegion(), newIf.thenBlock())) ||
      failed(lowerRegion(op.getElseRegion(), newIf.elseBlock())))
    return failure();
  unsigned k = 0;
  for (auto [i, r] : llvm::enumerate(op.getResults())) {
    if (arity[i]) {
      regs[r] = SmallVector<Value>(newIf.getResults().slice(k, arity[i]));
      k += arity[i];
    } else {
      map.map(r, newIf.getResult(k++));
    }
  }
  return success();
}

/// A while loop: like scf.for, the registers of its carried tiles become the
/// loop's values; the condition region passes them on as the body's.
static LogicalResult lowerWhile(scf::WhileOp op, KernelLowering &kl) {
  OpBuilder &b = kl.b;
  Location &loc = kl.loc;
  auto &regs = kl.regs;
  IRMapping &map = kl.map;
  // Flattened types and arities of a list of values.
  auto flatten = [&](ValueRange vals, SmallVector<Type> &types,
                     SmallVector<unsigned> &arity) -> LogicalResult {
    for (Value v : vals) {
      if (auto t = dyn_cast<RankedTensorType>(v.getType())) {
        const LinearLayout *ll = kl.layoutOf(op, t);
        if (!ll)
          return failure();
        types.append(ll->numRegs(), t.getElementType());
        arity.push_back(ll->numRegs());
      } else {
        types.push_back(v.getType());
        arity.push_back(0);
      }
    }
    return success();
  };
  auto flatValues = [&](Operation *at, ValueRange vals,
                        ArrayRef<unsigned> arity,
                        SmallVector<Value> &flat) -> LogicalResult {
    for (auto [i, v] : llvm::enumerate(vals)) {
      if (arity[i]) {
        auto &rv = regs[v];
        if (rv.size() != arity[i])
          return at->emitError("a loop-carried tile changes layout");
        flat.append(rv.begin(), rv.end());
      } else {
        flat.push_back(map.lookup(v));
      }
    }
    return success();
  };
  auto distribute = [&](ValueRange flat, ValueRange origs,
                        ArrayRef<unsigned> arity) {
    unsigned k = 0;
    for (auto [i, v] : llvm::enumerate(origs)) {
      if (arity[i]) {
        regs[v] = SmallVector<Value>(flat.slice(k, arity[i]));
        k += arity[i];
      } else {
        map.map(v, flat[k++]);
      }
    }
  };
  SmallVector<Type> beforeTypes, afterTypes;
  SmallVector<unsigned> beforeArity, afterArity;
  if (failed(flatten(op.getBeforeArguments(), beforeTypes, beforeArity)) ||
      failed(flatten(op.getAfterArguments(), afterTypes, afterArity)))
    return failure();
  SmallVector<Value> inits;
  if (failed(flatValues(op, op.getInits(), beforeArity, inits)))
    return failure();
  auto newWhile = scf::WhileOp::create(b, loc, afterTypes, inits);
  SmallVector<Location> beforeLocs(beforeTypes.size(), loc);
  SmallVector<Location> afterLocs(afterTypes.size(), loc);
  Block *before =
      b.createBlock(&newWhile.getBefore(), {}, beforeTypes, beforeLocs);
  Block *after = b.createBlock(&newWhile.getAfter(), {}, afterTypes, afterLocs);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(before);
    distribute(before->getArguments(), op.getBeforeArguments(), beforeArity);
    if (failed(kl.lowerBlock(op.getBefore().front())))
      return failure();
    auto cond = op.getConditionOp();
    SmallVector<Value> flat;
    if (failed(flatValues(cond, cond.getArgs(), afterArity, flat)))
      return failure();
    scf::ConditionOp::create(b, loc, map.lookup(cond.getCondition()), flat);
  }
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(after);
    distribute(after->getArguments(), op.getAfterArguments(), afterArity);
    if (failed(kl.lowerBlock(op.getAfter().front())))
      return failure();
    auto yield = cast<scf::YieldOp>(op.getAfter().front().getTerminator());
    SmallVector<Value> flat;
    if (failed(flatValues(yield, yield.getOperands(), beforeArity, flat)))
      return failure();
    scf::YieldOp::create(b, loc, flat);
  }
  b.setInsertionPointAfter(newWhile);
  distribute(newWhile.getResults(), op.getResults(), afterArity);
  return success();
}

void fa::populateControlFlowLowerings(LoweringRegistry &registry) {
  registry.add(lowerWhile);
  registry.add(lowerFor);
  registry.add(lowerIf, [](Operation *op, KernelLowering &) {
    return op->getNumResults() == 0;
  });
  registry.add(lowerIfResults, [](Operation *op, KernelLowering &) {
    return op->getNumResults() != 0;
  });
}
