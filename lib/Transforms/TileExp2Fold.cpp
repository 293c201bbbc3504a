//===- TileExp2Fold.cpp - exp -> exp2 with the softmax scale folded in ----===//
//
// GPUs evaluate exp2 natively (ex2.approx); exp(x) costs an extra multiply by
// log2(e). This pass rewrites exp on f32 tiles into exp2 and folds log2(e)
// into a multiplier the program already has: the softmax scale. For an
// online-softmax loop it moves the running row maximum into the scaled base-2
// domain, so that each score costs one multiply-add before exp2.
//
// Every rewrite replaces a value v by v' = v * log2(e) computed from values
// that are themselves scaled, which is exact up to float rounding because
// multiplying by a positive constant commutes with max, select and data
// movement (broadcast, expand_dims, trans). Values leaving the rewritten chain
// are scaled back by ln(2).
//
//===----------------------------------------------------------------------===//

#include "fa/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

#include <cmath>

namespace fa {
#define GEN_PASS_DEF_TILEEXP2FOLD
#include "fa/Transforms/Passes.h.inc"
} // namespace fa

using namespace mlir;
using namespace fa;

namespace {

constexpr double kLog2E = 1.4426950408889634074; // log2(e)
constexpr double kLn2 = 0.69314718055994530942;  // 1 / log2(e)

bool isF32Tile(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && tensor.hasStaticShape() && tensor.getElementType().isF32();
}

/// Whether `op` only moves data (every element of its result is an element
/// of its operand), so it commutes with scaling by a constant.
bool isDataMovement(Operation *op) {
  return isa<tile::BroadcastOp, tile::ExpandDimsOp, tile::TransOp>(op);
}

/// A scalar that every element of a tile equals: the operand of a
/// `tile.splat` (possibly broadcast or expanded), or a splat constant.
struct SplatScalar {
  mutable tile::SplatOp splat; // null for a constant
  std::optional<double> value; // set for a constant
};

std::optional<SplatScalar> getSplatScalar(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (!isa<tile::BroadcastOp, tile::ExpandDimsOp>(def))
      break;
    v = def->getOperand(0);
  }
  if (auto splat = v.getDefiningOp<tile::SplatOp>())
    if (splat.getValue().getType().isF32())
      return SplatScalar{splat, std::nullopt};
  DenseFPElementsAttr attr;
  if (matchPattern(v, m_Constant(&attr)) && attr.isSplat() &&
      attr.getElementType().isF32())
    return SplatScalar{{}, attr.getSplatValue<APFloat>().convertToDouble()};
  return std::nullopt;
}

/// Builds a tile of type `type` whose elements are `scalar * factor`. The
/// product of a runtime scalar is computed once, next to its splat.
Value buildScaledSplat(OpBuilder &b, Location loc, const SplatScalar &scalar,
                       double factor, RankedTensorType type) {
  OpBuilder::InsertionGuard guard(b);
  if (scalar.value) {
    float f = static_cast<float>(*scalar.value * factor);
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, b.getF32FloatAttr(f)));
  }
  // The scalar product goes right after the scalar's definition (outside
  // any loop the splat sits in), the new splat next to the old one.
  Value x = scalar.splat.getValue();
  if (Operation *def = x.getDefiningOp())
    b.setInsertionPointAfter(def);
  else
    b.setInsertionPointToStart(cast<BlockArgument>(x).getOwner());
  Value k = arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(static_cast<float>(factor)));
  Value product = arith::MulFOp::create(b, loc, x, k);
  b.setInsertionPointAfter(scalar.splat);
  return tile::SplatOp::create(b, loc, type, product);
}

Value buildConstSplat(OpBuilder &b, Location loc, double value,
                      RankedTensorType type) {
  return arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(type, b.getF32FloatAttr(static_cast<float>(value))));
}

/// Splits `mulf(x, splat)` (either operand order) into x and the scalar.
std::optional<std::pair<Value, SplatScalar>> matchScaled(Value v) {
  auto mul = v.getDefiningOp<arith::MulFOp>();
  if (!mul)
    return std::nullopt;
  if (auto s = getSplatScalar(mul.getRhs()))
    return std::make_pair(mul.getLhs(), *s);
  if (auto s = getSplatScalar(mul.getLhs()))
    return std::make_pair(mul.getRhs(), *s);
  return std::nullopt;
}

/// Follows data-movement ops from `v` back to their root; records them,
/// outermost last.
Value stripDataMovement(Value v, SmallVectorImpl<Operation *> &chain) {
  while (Operation *def = v.getDefiningOp()) {
    if (!isDataMovement(def))
      break;
    chain.push_back(def);
    v = def->getOperand(0);
  }
  std::reverse(chain.begin(), chain.end());
  return v;
}

/// Re-applies the data-movement ops of `chain` (innermost first) to `root`.
Value replayChain(OpBuilder &b, ArrayRef<Operation *> chain, Value root) {
  for (Operation *op : chain) {
    IRMapping map;
    map.map(op->getOperand(0), root);
    Operation *copy = b.clone(*op, map);
    copy->getResult(0).setType(RankedTensorType::get(
        cast<RankedTensorType>(op->getResult(0).getType()).getShape(),
        cast<RankedTensorType>(root.getType()).getElementType()));
    root = copy->getResult(0);
  }
  return root;
}

math::Exp2Op createExp2Like(OpBuilder &b, math::ExpOp exp, Value arg) {
  return math::Exp2Op::create(b, exp.getLoc(), arg, exp.getFastmathAttr());
}

//===----------------------------------------------------------------------===//
// Online-softmax loops: carry the running maximum scaled by log2(e).
//===----------------------------------------------------------------------===//

/// The chain `m_new = max(m_old, reduce max(select?(mask, x * scale, -inf)))`
/// with m_old an iteration argument of `loop` and m_new its yielded value.
struct SoftmaxChain {
  scf::ForOp loop;
  unsigned index;
  BlockArgument mOld;
  Operation *maxOp;
  tile::ReduceOp rowMax;
  arith::SelectOp select; // null when unmasked
  arith::MulFOp scaleMul;
  Value x;
  SplatScalar scale;
};

bool isNegInfSplat(Value v) {
  std::optional<SplatScalar> s = getSplatScalar(v);
  if (s && s->splat) {
    FloatAttr attr;
    if (!matchPattern(s->splat.getValue(), m_Constant(&attr)))
      return false;
    s->value = attr.getValueAsDouble();
  }
  return s && s->value && std::isinf(*s->value) && *s->value < 0;
}

std::optional<SoftmaxChain> matchSoftmaxChain(scf::ForOp loop,
                                              unsigned index) {
  SoftmaxChain c;
  c.loop = loop;
  c.index = index;
  c.mOld = loop.getRegionIterArgs()[index];
  if (!isF32Tile(c.mOld.getType()))
    return std::nullopt;
  Value mNew = loop.getYieldedValues()[index];
  c.maxOp = mNew.getDefiningOp();
  if (!c.maxOp || !isa<arith::MaximumFOp, arith::MaxNumFOp>(c.maxOp) ||
      c.maxOp->getBlock() != loop.getBody())
    return std::nullopt;
  Value other;
  if (c.maxOp->getOperand(0) == c.mOld)
    other = c.maxOp->getOperand(1);
  else if (c.maxOp->getOperand(1) == c.mOld)
    other = c.maxOp->getOperand(0);
  else
    return std::nullopt;
  c.rowMax = other.getDefiningOp<tile::ReduceOp>();
  if (!c.rowMax || c.rowMax.getKind() != tile::ReduceKind::Max ||
      !isF32Tile(c.rowMax.getSrc().getType()))
    return std::nullopt;
  Value scores = c.rowMax.getSrc();
  if ((c.select = scores.getDefiningOp<arith::SelectOp>())) {
    if (!isNegInfSplat(c.select.getFalseValue()))
      return std::nullopt;
    scores = c.select.getTrueValue();
  }
  c.scaleMul = scores.getDefiningOp<arith::MulFOp>();
  auto scaled = matchScaled(scores);
  if (!c.scaleMul || !scaled)
    return std::nullopt;
  c.x = scaled->first;
  c.scale = scaled->second;
  return c;
}

/// The values of the chain that have a log2-scaled counterpart, mapped to it
/// once the counterpart is built.
struct ScaledValues {
  llvm::DenseMap<Value, Value> map;
  bool has(Value v) const { return map.count(v); }
};

/// Whether `v` is a data-movement image of a value in `roots`.
bool derivesFrom(Value v, const llvm::SmallPtrSetImpl<Value> &roots) {
  SmallVector<Operation *> chain;
  return roots.contains(stripDataMovement(v, chain));
}

/// `exp(a - b)` with a and b both (data-movement images of) chain values.
bool isRewritableExp(math::ExpOp exp,
                     const llvm::SmallPtrSetImpl<Value> &roots) {
  if (!isF32Tile(exp.getType()))
    return false;
  auto sub = exp.getOperand().getDefiningOp<arith::SubFOp>();
  return sub && derivesFrom(sub.getLhs(), roots) &&
         derivesFrom(sub.getRhs(), roots);
}

bool rewriteSoftmaxLoop(SoftmaxChain &c,
                        llvm::SetVector<Operation *> &maybeDead) {
  Value mNew = c.maxOp->getResult(0);
  Value scores = c.rowMax.getSrc();
  llvm::SmallPtrSet<Value, 4> roots = {scores, c.rowMax.getResult(), c.mOld,
                                       mNew};

  // Only worth it (and only then done) when some exp reads the chain.
  SmallVector<math::ExpOp> exps;
  c.loop.getBody()->walk([&](math::ExpOp exp) {
    if (isRewritableExp(exp, roots))
      exps.push_back(exp);
  });
  if (exps.empty())
    return false;

  OpBuilder b(c.loop);
  Location loc = c.loop.getLoc();
  auto rowType = cast<RankedTensorType>(c.mOld.getType());
  llvm::DenseMap<Value, Value> scaled;

  // Scale the initial value on entry.
  OpOperand &init = c.loop.getInitsMutable()[c.index];
  Value initScaled = arith::MulFOp::create(
      b, loc, init.get(), buildConstSplat(b, loc, kLog2E, rowType));
  init.set(initScaled);

  // Inside the body, other readers of m_old get its natural value back.
  b.setInsertionPointToStart(c.loop.getBody());
  Value mOldNatural = arith::MulFOp::create(
      b, loc, c.mOld, buildConstSplat(b, loc, kLn2, rowType));
  c.mOld.replaceAllUsesExcept(mOldNatural, mOldNatural.getDefiningOp());
  maybeDead.insert(mOldNatural.getDefiningOp());
  scaled[c.mOld] = c.mOld;
  scaled[mOldNatural] = c.mOld;

  // scores' = x * splat(scale * log2e) (masked like the original).
  b.setInsertionPointAfter(c.scaleMul);
  Value scaleSplat = buildScaledSplat(
      b, c.scaleMul.getLoc(), c.scale, kLog2E,
      cast<RankedTensorType>(c.scaleMul.getType()));
  Value s = arith::MulFOp::create(b, c.scaleMul.getLoc(), c.x, scaleSplat,
                                  c.scaleMul.getFastmathAttr());
  if (c.select) {
    b.setInsertionPointAfter(c.select);
    s = arith::SelectOp::create(b, c.select.getLoc(), c.select.getCondition(),
                                s, c.select.getFalseValue());
  }
  scaled[scores] = s;

  // rowmax' and m_new' = max(m_old', rowmax').
  b.setInsertionPointAfter(c.rowMax);
  auto rowMax = tile::ReduceOp::create(b, c.rowMax.getLoc(),
                                       c.rowMax.getType(), c.rowMax.getKind(),
                                       s, c.rowMax.getAxis());
  scaled[c.rowMax.getResult()] = rowMax;
  b.setInsertionPointAfter(c.maxOp);
  IRMapping maxMap;
  maxMap.map(c.mOld, c.mOld);
  maxMap.map(mOldNatural, c.mOld);
  maxMap.map(c.rowMax.getResult(), rowMax.getResult());
  Operation *maxScaled = b.clone(*c.maxOp, maxMap);
  scaled[mNew] = maxScaled->getResult(0);

  // The loop now carries m * log2e.
  auto yield = cast<scf::YieldOp>(c.loop.getBody()->getTerminator());
  yield->setOperand(c.index, maxScaled->getResult(0));
  maybeDead.insert(c.maxOp);

  // exp(a - b) -> exp2(a' - b').
  auto scaledOf = [&](Value v) {
    SmallVector<Operation *> chain;
    Value root = stripDataMovement(v, chain);
    return replayChain(b, chain, scaled.lookup(root));
  };
  for (math::ExpOp exp : exps) {
    auto sub = exp.getOperand().getDefiningOp<arith::SubFOp>();
    b.setInsertionPoint(exp);
    Value lhs = scaledOf(sub.getLhs());
    Value rhs = scaledOf(sub.getRhs());
    Value diff =
        arith::SubFOp::create(b, sub.getLoc(), lhs, rhs, sub.getFastmathAttr());
    exp.replaceAllUsesWith(createExp2Like(b, exp, diff).getResult());
    maybeDead.insert(exp);
  }

  // Users after the loop get the natural maximum back.
  Value result = c.loop.getResult(c.index);
  if (!result.use_empty()) {
    b.setInsertionPointAfter(c.loop);
    Value natural = arith::MulFOp::create(
        b, loc, result, buildConstSplat(b, loc, kLn2, rowType));
    result.replaceAllUsesExcept(natural, natural.getDefiningOp());
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Any other exp on an f32 tile.
//===----------------------------------------------------------------------===//

/// `r * splat(factor * k)` with `v = chain(r)`, re-broadcast through chain:
/// scales a broadcast row statistic at row granularity.
Value scaleAtRoot(OpBuilder &b, Location loc, Value v,
                  std::optional<SplatScalar> k, double factor) {
  SmallVector<Operation *> chain;
  Value root = stripDataMovement(v, chain);
  auto rootType = cast<RankedTensorType>(root.getType());
  Value splat = k ? buildScaledSplat(b, loc, *k, factor, rootType)
                  : buildConstSplat(b, loc, factor, rootType);
  Value product = arith::MulFOp::create(b, loc, root, splat);
  return replayChain(b, chain, product);
}

void rewriteExp(math::ExpOp exp, llvm::SetVector<Operation *> &maybeDead) {
  OpBuilder b(exp);
  Location loc = exp.getLoc();
  auto type = cast<RankedTensorType>(exp.getType());
  Value arg = exp.getOperand();
  Value newArg;

  if (auto scaled = matchScaled(arg)) {
    auto [inner, k] = *scaled;
    if (auto sub = inner.getDefiningOp<arith::SubFOp>()) {
      // exp((a - m) * k) -> exp2(fma(a, k*log2e, m * (-k*log2e))).
      Value mul = buildScaledSplat(b, loc, k, kLog2E, type);
      Value addend = scaleAtRoot(b, loc, sub.getRhs(), k, -kLog2E);
      newArg = math::FmaOp::create(b, loc, sub.getLhs(), mul, addend);
    } else {
      // exp(x * k) -> exp2(x * (k*log2e)).
      newArg = arith::MulFOp::create(b, loc, inner,
                                     buildScaledSplat(b, loc, k, kLog2E, type));
    }
    maybeDead.insert(arg.getDefiningOp());
  } else if (auto sub = arg.getDefiningOp<arith::SubFOp>();
             sub && matchScaled(sub.getLhs())) {
    // exp(x * k - m) -> exp2(fma(x, k*log2e, m * -log2e)).
    auto [x, k] = *matchScaled(sub.getLhs());
    Value mul = buildScaledSplat(b, loc, k, kLog2E, type);
    Value addend = scaleAtRoot(b, loc, sub.getRhs(), std::nullopt, -kLog2E);
    newArg = math::FmaOp::create(b, loc, x, mul, addend);
    maybeDead.insert(sub);
  } else {
    // exp(x) -> exp2(x * log2e).
    newArg = arith::MulFOp::create(b, loc, arg,
                                   buildConstSplat(b, loc, kLog2E, type));
  }
  exp.replaceAllUsesWith(createExp2Like(b, exp, newArg).getResult());
  maybeDead.insert(exp);
}

/// Erases the ops of `ops` left without users, and then their operands'
/// producers that become dead.
void eraseDead(llvm::SetVector<Operation *> &ops) {
  while (!ops.empty()) {
    Operation *op = ops.pop_back_val();
    if (!isOpTriviallyDead(op))
      continue;
    for (Value operand : op->getOperands())
      if (Operation *def = operand.getDefiningOp())
        ops.insert(def);
    op->erase();
  }
}

struct TileExp2FoldPass
    : public fa::impl::TileExp2FoldBase<TileExp2FoldPass> {
  void runOnOperation() override {
    llvm::SetVector<Operation *> maybeDead;

    // Loops first: their exps move to the scaled domain as a whole.
    SmallVector<scf::ForOp> loops;
    getOperation()->walk([&](scf::ForOp loop) { loops.push_back(loop); });
    for (scf::ForOp loop : loops)
      for (unsigned i = 0, e = loop.getNumRegionIterArgs(); i < e; ++i)
        if (auto chain = matchSoftmaxChain(loop, i))
          rewriteSoftmaxLoop(*chain, maybeDead);
    eraseDead(maybeDead);

    SmallVector<math::ExpOp> exps;
    getOperation()->walk([&](math::ExpOp exp) {
      if (isF32Tile(exp.getType()))
        exps.push_back(exp);
    });
    for (math::ExpOp exp : exps)
      rewriteExp(exp, maybeDead);
    eraseDead(maybeDead);
  }
};

} // namespace
