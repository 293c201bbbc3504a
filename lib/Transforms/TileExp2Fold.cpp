//===- TileExp2Fold.cpp - exp -> exp2 with the softmax scale folded in ----===//
//
// GPUs evaluate exp2 natively (ex2.approx); exp(x) costs an extra multiply by
// log2(e). This pass rewrites exp on f32 tiles into exp2 and folds log2(e)
// into a multiplier the program already has: the softmax scale. For an
// online-softmax loop it moves the running row maximum into the scaled base-2
// domain, so that each score costs one multiply and one subtraction before
// exp2 (no fused multiply-add: the scaled scores also feed the row maximum,
// so fusing would keep the unscaled tile alive next to the scaled one).
//
// Every rewrite replaces a value v by v' = v * log2(e) computed from values
// that are themselves scaled, which is exact up to float rounding because
// multiplying by a positive constant commutes with max, select and data
// movement (broadcast, expand_dims, trans). Values leaving the rewritten chain
// are scaled back by ln(2).
//
//===----------------------------------------------------------------------===//

#include "fa/Transforms/Passes.h"

#include "TileMatchers.h"

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
using namespace fa::tile_matchers;

namespace {

constexpr double kLog2E = 1.4426950408889634074; // log2(e)
constexpr double kLn2 = 0.69314718055994530942;  // 1 / log2(e)

/// Builds a tile of type `type` whose elements are `scalar * factor`. The
/// product of a runtime scalar is computed once, next to its splat.
Value buildScaledSplat(OpBuilder &b, Location loc, SplatScalar scalar,
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
      DenseElementsAttr::get(type,
                             b.getF32FloatAttr(static_cast<float>(value))));
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

math::Exp2Op createExp2Like(OpBuilder &b, math::ExpOp exp, Value arg) {
  return math::Exp2Op::create(b, exp.getLoc(), arg, exp.getFastmathAttr());
}

//===----------------------------------------------------------------------===//
// The base-2 domain: values v with a counterpart v' = v * log2(e).
//===----------------------------------------------------------------------===//

bool isScaleInvariant(double c) { return c == 0.0 || std::isinf(c); }

/// Builds v' = v * log2(e) for f32 tiles whose computation commutes with a
/// positive scale: a multiply by a scalar splat (whose scalar absorbs
/// log2(e)), float constants, data movement, elementwise max/min/add/sub/neg,
/// row max/min reductions and selects. With a `root` (a loop iteration
/// argument that carries its scaled value), values computed from it are
/// covered too. Scaling by log2(e) > 1 is monotone and keeps 0 and infinities,
/// so the rewrite is exact up to rounding.
class Log2Domain {
public:
  explicit Log2Domain(Value root = {}) : root(root) {
    if (root)
      built[root] = root;
  }

  /// Whether `v` has a counterpart; `touchesRoot` tells if it reads the root.
  bool covers(Value v, bool *touchesRoot = nullptr) {
    auto [ok, touches] = analyze(v, 0);
    if (touchesRoot)
      *touchesRoot = touches;
    return ok;
  }

  /// Makes `natural` (a value equal to root * ln 2) map back to the root.
  void aliasRoot(Value natural) {
    memo[natural] = {true, true};
    built[natural] = root;
  }

  /// Builds (once) the counterpart of a covered value, right after the
  /// value's definition.
  Value build(Value v) {
    if (Value b = built.lookup(v))
      return b;
    Operation *def = v.getDefiningOp();
    OpBuilder b(def->getContext());
    b.setInsertionPointAfter(def);
    Location loc = def->getLoc();
    auto type = cast<RankedTensorType>(v.getType());
    Value result;
    if (std::optional<double> c = getConstSplat(v)) {
      result = buildConstSplat(b, loc, *c * kLog2E, type);
    } else if (auto scaled = matchScaled(v)) {
      auto mul = cast<arith::MulFOp>(def);
      result = arith::MulFOp::create(
          b, loc, scaled->first,
          buildScaledSplat(b, loc, scaled->second, kLog2E, type),
          mul.getFastmathAttr());
    } else {
      IRMapping map;
      for (Value operand : def->getOperands())
        if (isF32Tile(operand.getType()))
          map.map(operand, build(operand));
      if (auto sel = dyn_cast<arith::SelectOp>(def))
        if (Value cond = buildCondition(sel.getCondition()))
          map.map(sel.getCondition(), cond);
      b.setInsertionPointAfter(def);
      result = b.clone(*def, map)->getResult(0);
    }
    built[v] = result;
    return result;
  }

private:
  Value root;
  llvm::DenseMap<Value, std::pair<bool, bool>> memo;
  llvm::DenseMap<Value, Value> built;

  std::pair<bool, bool> analyze(Value v, unsigned depth) {
    if (root && v == root)
      return {true, true};
    auto it = memo.find(v);
    if (it != memo.end())
      return it->second;
    std::pair<bool, bool> r = compute(v, depth);
    memo[v] = r;
    return r;
  }

  std::pair<bool, bool> all(ValueRange operands, unsigned depth) {
    bool touches = false;
    for (Value operand : operands) {
      auto [ok, t] = analyze(operand, depth + 1);
      if (!ok)
        return {false, false};
      touches |= t;
    }
    return {true, touches};
  }

  std::pair<bool, bool> compute(Value v, unsigned depth) {
    if (depth > 64 || !isF32Tile(v.getType()))
      return {false, false};
    if (getConstSplat(v))
      return {true, false};
    Operation *def = v.getDefiningOp();
    if (!def)
      return {false, false};
    if (matchScaled(v))
      return {true, false};
    if (isDataMovement(def) || isa<arith::NegFOp>(def))
      return all(def->getOperand(0), depth);
    if (isa<arith::MaximumFOp, arith::MaxNumFOp, arith::MinimumFOp,
            arith::MinNumFOp, arith::AddFOp, arith::SubFOp>(def))
      return all(def->getOperands(), depth);
    if (auto reduce = dyn_cast<tile::ReduceOp>(def))
      if (reduce.getKind() != tile::ReduceKind::Sum)
        return all(reduce.getSrc(), depth);
    if (auto sel = dyn_cast<arith::SelectOp>(def))
      return all({sel.getTrueValue(), sel.getFalseValue()}, depth);
    return {false, false};
  }

  /// `cmpf(x, c)` with x covered and c in {0, +-inf} compares the same in
  /// the scaled domain; rebuilding it there frees the natural chain. Other
  /// conditions are kept as they are (still correct: they read natural
  /// values).
  Value buildCondition(Value cond) {
    auto cmp = cond.getDefiningOp<arith::CmpFOp>();
    if (!cmp)
      return {};
    Value lhs = cmp.getLhs(), rhs = cmp.getRhs();
    auto invariant = [](Value x) {
      std::optional<double> c = getConstSplat(x);
      return c && isScaleInvariant(*c);
    };
    if (!(invariant(rhs) && covers(lhs)) && !(invariant(lhs) && covers(rhs)))
      return {};
    Value newLhs = invariant(lhs) ? lhs : build(lhs);
    Value newRhs = invariant(rhs) ? rhs : build(rhs);
    OpBuilder b(cmp);
    b.setInsertionPointAfter(cmp);
    // Operands built after the compare must dominate the new one.
    for (Value x : {newLhs, newRhs})
      if (Operation *d = x.getDefiningOp())
        if (d->getBlock() == cmp->getBlock() && cmp->isBeforeInBlock(d))
          b.setInsertionPointAfter(d);
    return arith::CmpFOp::create(b, cmp.getLoc(), cmp.getPredicate(), newLhs,
                                 newRhs);
  }
};

//===----------------------------------------------------------------------===//
// Online-softmax loops: carry the running maximum scaled by log2(e).
//===----------------------------------------------------------------------===//

/// Moves iteration argument `index` of `loop` to the base-2 domain when its
/// next value is covered by the domain rooted at it and some exp in the body
/// reads it. Returns whether it did.
bool rewriteSoftmaxLoop(scf::ForOp loop, unsigned index,
                        llvm::SetVector<Operation *> &maybeDead) {
  BlockArgument mOld = loop.getRegionIterArgs()[index];
  if (!isF32Tile(mOld.getType()))
    return false;
  Value mNew = loop.getYieldedValues()[index];
  Log2Domain domain(mOld);
  bool touches = false;
  if (!domain.covers(mNew, &touches) || !touches)
    return false;
  SmallVector<math::ExpOp> exps;
  loop.getBody()->walk([&](math::ExpOp exp) {
    bool t = false;
    if (isF32Tile(exp.getType()) && domain.covers(exp.getOperand(), &t) && t)
      exps.push_back(exp);
  });
  if (exps.empty())
    return false;

  OpBuilder b(loop);
  Location loc = loop.getLoc();
  auto rowType = cast<RankedTensorType>(mOld.getType());

  // Scale the initial value on entry.
  OpOperand &init = loop.getInitsMutable()[index];
  init.set(arith::MulFOp::create(b, loc, init.get(),
                                 buildConstSplat(b, loc, kLog2E, rowType)));

  // Readers of the old natural value get it back by a multiply by ln 2; the
  // domain maps that product back to the argument.
  b.setInsertionPointToStart(loop.getBody());
  Value mOldNatural = arith::MulFOp::create(
      b, loc, mOld, buildConstSplat(b, loc, kLn2, rowType));
  mOld.replaceAllUsesExcept(mOldNatural, mOldNatural.getDefiningOp());
  domain.aliasRoot(mOldNatural);
  maybeDead.insert(mOldNatural.getDefiningOp());

  auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
  if (Operation *old = mNew.getDefiningOp())
    maybeDead.insert(old);
  yield->setOperand(index, domain.build(mNew));
  for (math::ExpOp exp : exps) {
    b.setInsertionPoint(exp);
    Value arg = domain.build(exp.getOperand());
    exp.replaceAllUsesWith(createExp2Like(b, exp, arg).getResult());
    maybeDead.insert(exp);
  }

  // Users after the loop get the natural value back.
  Value result = loop.getResult(index);
  if (!result.use_empty()) {
    b.setInsertionPointAfter(loop);
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

/// `select(c1, ... select(cn, x * k, Cn) ..., C1)`: a scaled tile under masks
/// that replace elements by constants (the masked scores of a backward).
struct MaskedScaled {
  SmallVector<arith::SelectOp> selects; // outermost first
  Value x;
  SplatScalar k;
};

std::optional<MaskedScaled> matchMaskedScaled(Value v) {
  MaskedScaled r;
  while (auto sel = v.getDefiningOp<arith::SelectOp>()) {
    if (!getConstSplat(sel.getFalseValue()))
      return std::nullopt;
    r.selects.push_back(sel);
    v = sel.getTrueValue();
  }
  std::optional<std::pair<Value, SplatScalar>> scaled = matchScaled(v);
  if (r.selects.empty() || !scaled)
    return std::nullopt;
  r.x = scaled->first;
  r.k = scaled->second;
  return r;
}

void rewriteExp(math::ExpOp exp, Log2Domain &domain,
                llvm::SetVector<Operation *> &maybeDead) {
  OpBuilder b(exp);
  Location loc = exp.getLoc();
  auto type = cast<RankedTensorType>(exp.getType());
  Value arg = exp.getOperand();
  Value newArg;
  auto scaled = matchScaled(arg);
  arith::SubFOp scaledSub =
      scaled ? scaled->first.getDefiningOp<arith::SubFOp>() : nullptr;
  arith::SubFOp sub = arg.getDefiningOp<arith::SubFOp>();

  if (scaledSub) {
    // exp((a - m) * k) -> exp2(fma(a, k*log2e, m * (-k*log2e))).
    Value mul = buildScaledSplat(b, loc, scaled->second, kLog2E, type);
    Value addend =
        scaleAtRoot(b, loc, scaledSub.getRhs(), scaled->second, -kLog2E);
    newArg = math::FmaOp::create(b, loc, scaledSub.getLhs(), mul, addend);
    maybeDead.insert(arg.getDefiningOp());
  } else if (domain.covers(arg)) {
    // exp(x * k) -> exp2(x * (k*log2e)), exp(s - rowmax(s)) with s = x * k
    // -> exp2(s' - rowmax(s')), ...
    newArg = domain.build(arg);
    maybeDead.insert(arg.getDefiningOp());
  } else if (sub && matchScaled(sub.getLhs())) {
    // exp(x * k - m) -> exp2(fma(x, k*log2e, m * -log2e)).
    auto [x, k] = *matchScaled(sub.getLhs());
    Value mul = buildScaledSplat(b, loc, k, kLog2E, type);
    Value addend = scaleAtRoot(b, loc, sub.getRhs(), std::nullopt, -kLog2E);
    newArg = math::FmaOp::create(b, loc, x, mul, addend);
    maybeDead.insert(sub);
  } else if (std::optional<MaskedScaled> masked =
                 sub ? matchMaskedScaled(sub.getLhs()) : std::nullopt) {
    // exp(select(c, x * k, C) - m) -> exp2(select(c, x * (k*log2e),
    // C*log2e) - m*log2e), m scaled before its broadcast: the masked
    // constants (-inf) keep their meaning and exp(C - m) its NaN/0 cases.
    Value cur = arith::MulFOp::create(
        b, loc, masked->x, buildScaledSplat(b, loc, masked->k, kLog2E, type));
    for (arith::SelectOp sel : llvm::reverse(masked->selects)) {
      auto selType = cast<RankedTensorType>(sel.getType());
      Value c = buildConstSplat(
          b, loc, *getConstSplat(sel.getFalseValue()) * kLog2E, selType);
      cur = arith::SelectOp::create(b, loc, sel.getCondition(), cur, c);
    }
    Value m = scaleAtRoot(b, loc, sub.getRhs(), std::nullopt, kLog2E);
    newArg = arith::SubFOp::create(b, loc, cur, m);
    maybeDead.insert(sub);
  } else {
    // exp(x) -> exp2(x * log2e).
    newArg = arith::MulFOp::create(b, loc, arg,
                                   buildConstSplat(b, loc, kLog2E, type));
  }
  b.setInsertionPoint(exp);
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

struct TileExp2FoldPass : public fa::impl::TileExp2FoldBase<TileExp2FoldPass> {
  void runOnOperation() override {
    llvm::SetVector<Operation *> maybeDead;

    // Loops first: their exps move to the scaled domain as a whole.
    SmallVector<scf::ForOp> loops;
    getOperation()->walk([&](scf::ForOp loop) { loops.push_back(loop); });
    for (scf::ForOp loop : loops)
      for (unsigned i = 0, e = loop.getNumRegionIterArgs(); i < e; ++i)
        if (rewriteSoftmaxLoop(loop, i, maybeDead))
          eraseDead(maybeDead);

    SmallVector<math::ExpOp> exps;
    getOperation()->walk([&](math::ExpOp exp) {
      if (isF32Tile(exp.getType()))
        exps.push_back(exp);
    });
    Log2Domain domain;
    for (math::ExpOp exp : exps)
      rewriteExp(exp, domain, maybeDead);
    eraseDead(maybeDead);
  }
};

} // namespace
