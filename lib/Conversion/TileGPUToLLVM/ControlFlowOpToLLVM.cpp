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

static LogicalResult lowerFor(scf::ForOp op, KernelLowering &kl) {
  OpBuilder &b = kl.b;
  Location &loc = kl.loc;
  auto &regs = kl.regs;
  IRMapping &map = kl.map;
  SmallVector<Value> inits;
  SmallVector<unsigned> arity;
  for (Value v : op.getInitArgs()) {
    if (isa<RankedTensorType>(v.getType())) {
      auto it = regs.find(v);
      if (it == regs.end())
        return op.emitError("loop argument has no lowered value");
      inits.append(it->second.begin(), it->second.end());
      arity.push_back(it->second.size());
    } else {
      inits.push_back(map.lookup(v));
      arity.push_back(0);
    }
  }
  auto newFor = scf::ForOp::create(b, loc, map.lookup(op.getLowerBound()),
                                   map.lookup(op.getUpperBound()),
                                   map.lookup(op.getStep()), inits);
  Block *nb = newFor.getBody();
  if (!nb->empty())
    nb->getTerminator()->erase();
  map.map(op.getInductionVar(), newFor.getInductionVar());
  auto distribute = [&](ValueRange flat, ValueRange origs) {
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
  distribute(newFor.getRegionIterArgs(), op.getRegionIterArgs());
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(nb);
    if (failed(kl.lowerBlock(*op.getBody())))
      return failure();
    auto yield = cast<scf::YieldOp>(op.getBody()->getTerminator());
    SmallVector<Value> flat;
    for (auto [i, v] : llvm::enumerate(yield.getOperands())) {
      if (arity[i]) {
        auto &rv = regs[v];
        if (rv.size() != arity[i])
          return yield.emitError("loop-carried tile changes layout");
        flat.append(rv.begin(), rv.end());
      } else {
        flat.push_back(map.lookup(v));
      }
    }
    scf::YieldOp::create(b, loc, flat);
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

void fa::populateControlFlowLowerings(LoweringRegistry &registry) {
  registry.add(lowerFor);
  // Branches yielding tiles are rejected by tilegpu-assign-layouts.
  registry.add(lowerIf, [](Operation *op, KernelLowering &) {
    return op->getNumResults() == 0;
  });
}
