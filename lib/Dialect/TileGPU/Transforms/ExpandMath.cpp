//===- ExpandMath.cpp - math without GPU instructions, as exp2/log2/arith -===//
//
// Rewrites the math ops of the language that GPUs have no instruction for
// into the ones they have (exp2, log2, floor) and arith, on tiles and
// scalars alike; f16/bf16 math is widened to f32. Accuracy (f32): tanh, erf
// and sin/cos (|x| < 1e4) within a few ulp of the fast exp2 they use; pow
// as exp2(y log2|x|), whose relative error grows with |y log2 x|.
//
//===----------------------------------------------------------------------===//

#include "fa/Dialect/TileGPU/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

#include <cmath>

namespace fa::tilegpu {
#define GEN_PASS_DEF_TILEGPUEXPANDMATH
#include "fa/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace fa::tilegpu

using namespace mlir;

namespace {

/// Builds element-wise f32 code on values of one shape (scalar or tile).
struct Ew {
  OpBuilder &b;
  Location loc;
  Type type; // f32 or tensor<...xf32>

  Type withElem(Type e) const {
    if (auto t = dyn_cast<RankedTensorType>(type))
      return RankedTensorType::get(t.getShape(), e);
    return e;
  }
  Value cst(double v) const { return cstOf(b.getF32FloatAttr(float(v))); }
  Value icst(int64_t v) const { return cstOf(b.getI32IntegerAttr(v)); }
  Value cstOf(TypedAttr a) const {
    if (auto t = dyn_cast<RankedTensorType>(type))
      return arith::ConstantOp::create(
          b, loc,
          DenseElementsAttr::get(
              RankedTensorType::get(t.getShape(), a.getType()), a));
    return arith::ConstantOp::create(b, loc, a);
  }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  Value neg(Value x) { return arith::NegFOp::create(b, loc, x); }
  Value abs(Value x) { return math::AbsFOp::create(b, loc, x); }
  Value exp2(Value x) { return math::Exp2Op::create(b, loc, x); }
  Value log2(Value x) { return math::Log2Op::create(b, loc, x); }
  Value floor(Value x) { return math::FloorOp::create(b, loc, x); }
  Value cmp(arith::CmpFPredicate p, Value x, Value y) {
    return arith::CmpFOp::create(b, loc, p, x, y);
  }
  Value sel(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, loc, c, x, y);
  }
  Value andi(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  /// c0 + x (c1 + x (c2 + ...)), Horner.
  Value poly(Value x, ArrayRef<double> c) {
    Value r = cst(c.back());
    for (int i = int(c.size()) - 2; i >= 0; --i)
      r = add(mul(r, x), cst(c[i]));
    return r;
  }
  /// x with the sign of s (s < 0: -x).
  Value signOf(Value s, Value x) {
    return sel(cmp(arith::CmpFPredicate::OLT, s, cst(0)), neg(x), x);
  }

  Value tanh(Value x) {
    Value a = abs(x);
    // 1 - 2 / (e^{2a} + 1); an odd series where that cancels.
    Value e = exp2(mul(a, cst(2.0 * M_LOG2E)));
    Value big = sub(cst(1), div(cst(2), add(e, cst(1))));
    Value x2 = mul(x, x);
    Value small =
        mul(x, poly(x2, {1.0, -1.0 / 3, 2.0 / 15, -17.0 / 315, 62.0 / 2835}));
    return sel(cmp(arith::CmpFPredicate::OLT, a, cst(0.125)), small,
               signOf(x, big));
  }

  Value erf(Value x) {
    Value a = abs(x);
    Value x2 = mul(x, x);
    // 2/sqrt(pi) (x - x^3/3 + x^5/10 - x^7/42 + x^9/216 - x^11/1320).
    Value series = mul(
        mul(x, cst(M_2_SQRTPI)),
        poly(x2, {1.0, -1.0 / 3, 1.0 / 10, -1.0 / 42, 1.0 / 216, -1.0 / 1320}));
    // Abramowitz-Stegun 7.1.26 (absolute error below 1.5e-7).
    Value t = div(cst(1), add(cst(1), mul(a, cst(0.3275911))));
    Value p = mul(t, poly(t, {0.254829592, -0.284496736, 1.421413741,
                              -1.453152027, 1.061405429}));
    Value g = exp2(mul(neg(mul(a, a)), cst(M_LOG2E)));
    Value tail = sub(cst(1), mul(p, g));
    return sel(cmp(arith::CmpFPredicate::OLT, a, cst(0.5)), series,
               signOf(x, tail));
  }

  /// sin (cosine = false) or cos of x.
  Value sincos(Value x, bool cosine) {
    // k = round(x / (pi/2)); r = x - k pi/2 in three parts (Cody-Waite).
    Value k = floor(add(mul(x, cst(M_2_PI)), cst(0.5)));
    Value r = sub(x, mul(k, cst(1.5703125)));
    r = sub(r, mul(k, cst(4.837512969970703125e-4)));
    r = sub(r, mul(k, cst(7.54978995489188216e-8)));
    Value r2 = mul(r, r);
    Value s =
        add(r, mul(mul(r, r2), poly(r2, {-1.6666654611e-1, 8.3321608736e-3,
                                         -1.9515295891e-4})));
    Value c = add(
        sub(cst(1), mul(r2, cst(0.5))),
        mul(mul(r2, r2), poly(r2, {4.166664568298827e-2, -1.388731625493765e-3,
                                   2.443315711809948e-5})));
    // Quadrant: sin takes s, c, -s, -c; cos is one quadrant ahead.
    Value q = arith::FPToSIOp::create(b, loc, withElem(b.getI32Type()), k);
    if (cosine)
      q = arith::AddIOp::create(b, loc, q, icst(1));
    Value odd = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                      andi(q, icst(1)), icst(0));
    Value negate = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                         andi(q, icst(2)), icst(0));
    Value v = sel(odd, c, s);
    return sel(negate, neg(v), v);
  }

  Value pow(Value x, Value y) {
    Value r = exp2(mul(y, log2(abs(x))));
    Value yInt = cmp(arith::CmpFPredicate::OEQ, floor(y), y);
    Value half = floor(mul(y, cst(0.5)));
    Value yOdd =
        andi(yInt, cmp(arith::CmpFPredicate::ONE, mul(half, cst(2)), y));
    Value xNeg = cmp(arith::CmpFPredicate::OLT, x, cst(0));
    r = sel(andi(xNeg, yOdd), neg(r), r);
    Value yFrac = cmp(arith::CmpFPredicate::UNE, floor(y), y);
    r = sel(andi(xNeg, yFrac), cst(NAN), r);
    // pow(x, 0) = pow(1, y) = 1, even for NaN.
    r = sel(cmp(arith::CmpFPredicate::OEQ, y, cst(0)), cst(1), r);
    return sel(cmp(arith::CmpFPredicate::OEQ, x, cst(1)), cst(1), r);
  }
};

bool isNarrowFloat(Type t) {
  Type e = getElementTypeOrSelf(t);
  return e.isF16() || e.isBF16();
}

Type withElemOf(Type t, Type e) {
  if (auto r = dyn_cast<RankedTensorType>(t))
    return RankedTensorType::get(r.getShape(), e);
  return e;
}

/// The ops this pass computes from others (f32 and narrower floats).
bool isExpanded(Operation *op) {
  return isa<math::TanhOp, math::SinOp, math::CosOp, math::ErfOp, math::PowFOp>(
      op);
}

/// Ops with an f32 instruction that narrow floats go through.
bool isWidened(Operation *op) {
  return isa<math::ExpOp, math::Exp2Op, math::LogOp, math::Log2Op,
             math::RsqrtOp, math::FloorOp, math::CeilOp>(op) ||
         isExpanded(op);
}

void expand(Operation *op) {
  OpBuilder b(op);
  Location loc = op->getLoc();
  if (auto absi = dyn_cast<math::AbsIOp>(op)) {
    Value x = absi.getOperand();
    Type t = x.getType();
    Value zero =
        isa<RankedTensorType>(t)
            ? Value(arith::ConstantOp::create(
                  b, loc,
                  DenseElementsAttr::get(
                      cast<ShapedType>(t),
                      b.getIntegerAttr(getElementTypeOrSelf(t), 0))))
            : Value(arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, 0)));
    Value negx = arith::SubIOp::create(b, loc, zero, x);
    Value isNeg =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, zero);
    Value r = arith::SelectOp::create(b, loc, isNeg, negx, x);
    op->getResult(0).replaceAllUsesWith(r);
    op->erase();
    return;
  }
  Type resTy = op->getResult(0).getType();
  Type elem = getElementTypeOrSelf(resTy);
  if (!elem.isF32() && !isNarrowFloat(resTy))
    return; // f64: refused by the target, with the op's location
  bool narrow = isNarrowFloat(resTy);
  if (!narrow && !isExpanded(op))
    return; // an f32 op with an instruction
  Type f32Ty = withElemOf(resTy, b.getF32Type());
  SmallVector<Value> args;
  for (Value v : op->getOperands())
    args.push_back(narrow ? Value(arith::ExtFOp::create(b, loc, f32Ty, v)) : v);
  Ew ew{b, loc, f32Ty};
  Value r;
  if (isa<math::TanhOp>(op))
    r = ew.tanh(args[0]);
  else if (isa<math::ErfOp>(op))
    r = ew.erf(args[0]);
  else if (isa<math::SinOp>(op))
    r = ew.sincos(args[0], false);
  else if (isa<math::CosOp>(op))
    r = ew.sincos(args[0], true);
  else if (isa<math::PowFOp>(op))
    r = ew.pow(args[0], args[1]);
  else {
    // A widened op with an f32 instruction: the same op on f32 values.
    OperationState st(loc, op->getName());
    st.addOperands(args);
    st.addTypes(f32Ty);
    st.addAttributes(op->getAttrs());
    r = b.create(st)->getResult(0);
  }
  if (narrow)
    r = arith::TruncFOp::create(b, loc, resTy, r);
  op->getResult(0).replaceAllUsesWith(r);
  op->erase();
}

struct ExpandMathPass
    : fa::tilegpu::impl::TileGPUExpandMathBase<ExpandMathPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (isa<math::AbsIOp>(op) || isWidened(op))
        ops.push_back(op);
    });
    for (Operation *op : ops)
      expand(op);
  }
};

} // namespace
