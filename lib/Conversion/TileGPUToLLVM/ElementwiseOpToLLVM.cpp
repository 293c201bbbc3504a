//===- ElementwiseOpToLLVM.cpp - arith/math, splats, iotas ----------------===//
//
// Element-wise ops work register by register; exp2/log2 (and exp/log
// through them) use the target's fast forms. Scalar arith is cloned.
//
//===----------------------------------------------------------------------===//

#include "Lowerings.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace fa;
using namespace fa::tilegpu;

static LogicalResult lowerConstant(arith::ConstantOp op, KernelLowering &kl) {
  OpBuilder &b = kl.b;
  Location &loc = kl.loc;
  auto &regs = kl.regs;
  auto dense = dyn_cast<DenseElementsAttr>(op.getValue());
  if (!dense || !dense.isSplat())
    return op.emitError("only splat tile constants are supported on the GPU");
  const LinearLayout *ll = kl.layoutOf(op, op.getType());
  if (!ll)
    return failure();
  Attribute v = dense.getSplatValue<Attribute>();
  if (auto bv = dyn_cast<BoolAttr>(v))
    v = b.getIntegerAttr(b.getI1Type(), bv.getValue());
  Value c = arith::ConstantOp::create(b, loc, cast<TypedAttr>(v));
  regs[op.getResult()] = SmallVector<Value>(ll->numRegs(), c);
  return success();
}

static LogicalResult lowerElementwise(Operation *op, KernelLowering &kl) {
  OpBuilder &b = kl.b;
  Location &loc = kl.loc;
  auto &regs = kl.regs;
  IRMapping &map = kl.map;
  const TargetInfo &target = kl.target;
  if (failed(target.checkElementwise(op)))
    return failure();
  bool tiles = isa<RankedTensorType>(op->getResult(0).getType());
  int64_t n = 1;
  if (tiles) {
    const LinearLayout *ll = kl.layoutOf(op, op->getResult(0).getType());
    if (!ll)
      return failure();
    n = ll->numRegs();
  }
  auto operand = [&](Value v, int64_t r) -> Value {
    if (isa<RankedTensorType>(v.getType()))
      return regs[v][r];
    return map.lookup(v);
  };
  SmallVector<SmallVector<Value>> results(op->getNumResults());
  for (int64_t r = 0; r < n; ++r) {
    SmallVector<Value> ops;
    for (Value v : op->getOperands())
      ops.push_back(operand(v, r));
    Value res;
    if (isa<math::Exp2Op>(op)) {
      res = target.exp2(b, loc, ops[0]);
    } else if (isa<math::ExpOp>(op)) {
      Value l2e = arith::ConstantOp::create(
          b, loc, b.getF32FloatAttr(1.4426950408889634f));
      res = target.exp2(b, loc, arith::MulFOp::create(b, loc, ops[0], l2e));
    } else if (isa<math::Log2Op>(op)) {
      res = target.log2(b, loc, ops[0]);
    } else if (isa<math::LogOp>(op)) {
      Value ln2 = arith::ConstantOp::create(
          b, loc, b.getF32FloatAttr(0.6931471805599453f));
      res = arith::MulFOp::create(b, loc, target.log2(b, loc, ops[0]), ln2);
    } else {
      SmallVector<Type> types;
      for (Type t : op->getResultTypes())
        types.push_back(getElementTypeOrSelf(t));
      OperationState st(loc, op->getName());
      st.addOperands(ops);
      st.addTypes(types);
      st.addAttributes(op->getAttrs());
      Operation *clone = b.create(st);
      for (unsigned i = 0; i < op->getNumResults(); ++i)
        results[i].push_back(clone->getResult(i));
      continue;
    }
    results[0].push_back(res);
  }
  for (unsigned i = 0; i < op->getNumResults(); ++i) {
    if (tiles)
      regs[op->getResult(i)] = results[i];
    else
      map.map(op->getResult(i), results[i][0]);
  }
  return success();
}

static bool touchesTiles(Operation *op) {
  auto isTensor = [](Type t) { return isa<RankedTensorType>(t); };
  return llvm::any_of(op->getOperandTypes(), isTensor) ||
         llvm::any_of(op->getResultTypes(), isTensor);
}

static LogicalResult lowerArith(Operation *op, KernelLowering &kl) {
  if (auto cst = dyn_cast<arith::ConstantOp>(op); cst && touchesTiles(op))
    return lowerConstant(cst, kl);
  if (touchesTiles(op))
    return lowerElementwise(op, kl);
  kl.b.clone(*op, kl.map);
  return success();
}

static LogicalResult lowerSplat(tile::SplatOp op, KernelLowering &kl) {
  const LinearLayout *ll = kl.layoutOf(op, op.getType());
  if (!ll)
    return failure();
  kl.regs[op.getResult()] =
      SmallVector<Value>(ll->numRegs(), kl.map.lookup(op.getValue()));
  return success();
}

static LogicalResult lowerIota(tile::IotaOp op, KernelLowering &kl) {
  const LinearLayout *ll = kl.layoutOf(op, op.getType());
  if (!ll)
    return failure();
  Value base = kl.threadCoords(*ll)[0];
  SmallVector<Value> out;
  for (int64_t r = 0; r < ll->numRegs(); ++r)
    out.push_back(kl.add(base, kl.c32(ll->regOffset(r)[0])));
  kl.regs[op.getResult()] = out;
  return success();
}

void fa::populateElementwiseLowerings(LoweringRegistry &registry) {
  registry.add("arith", lowerArith);
  registry.add("math", lowerElementwise);
  registry.add(lowerSplat);
  registry.add(lowerIota);
}
