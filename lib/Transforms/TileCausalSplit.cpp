//===- TileCausalSplit.cpp - split masked block loops ---------------------===//
//
// A causal (or key-length) mask is all true on most key blocks, all false on
// blocks past the diagonal, and mixed only on a few blocks. This pass proves
// which iterations are which from the mask's integer arithmetic and splits
// the loop so that only the mixed blocks compute the mask; fully masked
// blocks are dropped from the iteration space. Masks that switch on as the
// loop advances (the backward's causal mask over query blocks) split the
// other way round: masked blocks first, then unmasked ones. Masks that do not
// depend on the loop are kept in both loops.
//
// Masks are analysed as affine expressions
//   k * iv + c + sum(leaf coefficients * loop-invariant scalars) + iotas
// over the loop induction variable `iv`, where each iota term ranges over
// [0, n-1] along one tile axis. Positions are assumed not to overflow i32
// (they are tensor coordinates).
//
//===----------------------------------------------------------------------===//

#include "fa/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

#include <cmath>

namespace fa {
#define GEN_PASS_DEF_TILECAUSALSPLIT
#include "fa/Transforms/Passes.h.inc"
} // namespace fa

using namespace mlir;
using namespace fa;

namespace {

//===----------------------------------------------------------------------===//
// Affine analysis of integer tiles and scalars.
//===----------------------------------------------------------------------===//

struct IotaTerm {
  int64_t coeff;    // multiplies the index along `axis`
  int64_t maxIndex; // the index ranges over [0, maxIndex]
  unsigned axis;
};

/// ivCoeff * iv + cst + sum(coeff * leaf) + sum(iota terms). Leaves are
/// scalars defined outside the loop.
struct Affine {
  int64_t ivCoeff = 0;
  int64_t cst = 0;
  SmallVector<std::pair<Value, int64_t>> leaves;
  SmallVector<IotaTerm> iotas;

  /// Every coefficient is far from overflowing int64 (each step multiplies
  /// by at most 2^20 or adds two bounded values).
  bool isBounded() const {
    constexpr int64_t limit = int64_t(1) << 40;
    auto ok = [&](int64_t x) { return x > -limit && x < limit; };
    bool r = ok(ivCoeff) && ok(cst);
    for (const auto &leaf : leaves)
      r = r && ok(leaf.second);
    for (const IotaTerm &t : iotas)
      r = r && ok(t.coeff) && t.maxIndex < (1 << 20) &&
          ok(t.coeff * t.maxIndex);
    return r;
  }
  bool isConstant() const {
    return ivCoeff == 0 && leaves.empty() && iotas.empty();
  }
  void scale(int64_t k) {
    ivCoeff *= k;
    cst *= k;
    for (auto &leaf : leaves)
      leaf.second *= k;
    for (IotaTerm &t : iotas)
      t.coeff *= k;
  }
  void add(const Affine &o) {
    ivCoeff += o.ivCoeff;
    cst += o.cst;
    for (const std::pair<Value, int64_t> &leaf : o.leaves) {
      auto it =
          llvm::find_if(leaves, [&](auto &l) { return l.first == leaf.first; });
      if (it != leaves.end())
        it->second += leaf.second;
      else
        leaves.push_back(leaf);
    }
    llvm::append_range(iotas, o.iotas);
  }
  /// Bounds of the iota part over the whole tile.
  int64_t iotaMin() const {
    int64_t r = 0;
    for (const IotaTerm &t : iotas)
      r += std::min<int64_t>(0, t.coeff * t.maxIndex);
    return r;
  }
  int64_t iotaMax() const {
    int64_t r = 0;
    for (const IotaTerm &t : iotas)
      r += std::max<int64_t>(0, t.coeff * t.maxIndex);
    return r;
  }
};

class AffineAnalysis {
public:
  explicit AffineAnalysis(scf::ForOp loop) : loop(loop) {}

  std::optional<Affine> get(Value v, unsigned depth = 0) {
    // Coefficients stay small; deep or huge expressions are not masks.
    if (depth > 32)
      return std::nullopt;
    std::optional<Affine> r = compute(v, depth);
    if (r && !r->isBounded())
      return std::nullopt;
    return r;
  }

private:
  scf::ForOp loop;

  std::optional<Affine> compute(Value v, unsigned depth) {
    Affine a;
    if (v == loop.getInductionVar()) {
      a.ivCoeff = 1;
      return a;
    }
    // Integers wider than i1 (positions), as scalars or tiles.
    Type type = v.getType();
    bool isScalar = type.isIntOrIndex();
    Type elem = isScalar ? type : Type();
    if (auto tensor = dyn_cast<RankedTensorType>(type))
      elem = tensor.getElementType();
    if (!elem || !elem.isIntOrIndex() || elem.isInteger(1))
      return std::nullopt;
    APInt value;
    if (matchPattern(v, m_ConstantInt(&value))) {
      a.cst = value.getSExtValue();
      return a;
    }
    Operation *def = v.getDefiningOp();
    if (isScalar && loop.isDefinedOutsideOfLoop(v)) {
      a.leaves.push_back({v, 1});
      return a;
    }
    if (!def)
      return std::nullopt;
    if (isa<tile::SplatOp, tile::BroadcastOp, arith::IndexCastOp,
            arith::ExtSIOp>(def))
      return get(def->getOperand(0), depth + 1);
    if (auto expand = dyn_cast<tile::ExpandDimsOp>(def)) {
      std::optional<Affine> src = get(expand.getSrc(), depth + 1);
      if (src)
        for (IotaTerm &t : src->iotas)
          if (t.axis >= expand.getAxis())
            ++t.axis;
      return src;
    }
    if (auto iota = dyn_cast<tile::IotaOp>(def)) {
      a.iotas.push_back({1, iota.getType().getDimSize(0) - 1, 0});
      return a;
    }
    if (isa<arith::AddIOp, arith::SubIOp>(def)) {
      std::optional<Affine> lhs = get(def->getOperand(0), depth + 1);
      std::optional<Affine> rhs = get(def->getOperand(1), depth + 1);
      if (!lhs || !rhs)
        return std::nullopt;
      if (isa<arith::SubIOp>(def))
        rhs->scale(-1);
      lhs->add(*rhs);
      return lhs;
    }
    if (isa<arith::MulIOp>(def)) {
      std::optional<Affine> lhs = get(def->getOperand(0), depth + 1);
      std::optional<Affine> rhs = get(def->getOperand(1), depth + 1);
      if (!lhs || !rhs)
        return std::nullopt;
      if (lhs->isConstant())
        std::swap(lhs, rhs);
      // Small factors only, so that coefficients cannot overflow.
      if (!rhs->isConstant() || std::abs(rhs->cst) > (1 << 20))
        return std::nullopt;
      lhs->scale(rhs->cst);
      return lhs;
    }
    return std::nullopt;
  }
};

//===----------------------------------------------------------------------===//
// Masks.
//===----------------------------------------------------------------------===//

/// One comparison of a mask in the form `expr >= 0`. It switches off as the
/// loop advances when expr.ivCoeff < 0, switches on when > 0, and does not
/// depend on the loop when 0.
struct MaskTerm {
  Affine expr;
};

/// Splits `mask` into affine comparisons joined by `and`; fails on anything
/// else.
LogicalResult decomposeMask(Value mask, AffineAnalysis &analysis,
                            SmallVectorImpl<MaskTerm> &terms) {
  Operation *def = mask.getDefiningOp();
  if (!def)
    return failure();
  // Broadcasting a mask repeats its elements: all true (false) stays so.
  if (isa<tile::BroadcastOp, tile::ExpandDimsOp, tile::TransOp>(def))
    return decomposeMask(def->getOperand(0), analysis, terms);
  if (isa<arith::AndIOp>(def))
    return success(
        succeeded(decomposeMask(def->getOperand(0), analysis, terms)) &&
        succeeded(decomposeMask(def->getOperand(1), analysis, terms)));
  auto cmp = dyn_cast<arith::CmpIOp>(def);
  if (!cmp)
    return failure();
  std::optional<Affine> lhs = analysis.get(cmp.getLhs());
  std::optional<Affine> rhs = analysis.get(cmp.getRhs());
  if (!lhs || !rhs)
    return failure();
  // d = lhs - rhs; bring the predicate to `e >= 0`.
  Affine e = *lhs;
  rhs->scale(-1);
  e.add(*rhs);
  switch (cmp.getPredicate()) {
  case arith::CmpIPredicate::sge:
    break;
  case arith::CmpIPredicate::sgt:
    e.cst -= 1;
    break;
  case arith::CmpIPredicate::sle:
    e.scale(-1);
    break;
  case arith::CmpIPredicate::slt:
    e.scale(-1);
    e.cst -= 1;
    break;
  default:
    return failure();
  }
  terms.push_back({std::move(e)});
  return success();
}

/// `select(mask, s, -inf)`, possibly nested in the true operand: the
/// outermost select, the unmasked scores and every mask.
struct MaskedScores {
  arith::SelectOp outer;
  Value scores;
  SmallVector<arith::SelectOp> selects;
};

/// The value of a splat float constant tile, looking through splat and
/// broadcast.
std::optional<double> getConstSplat(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (!isa<tile::SplatOp, tile::BroadcastOp, tile::ExpandDimsOp>(def))
      break;
    v = def->getOperand(0);
  }
  Attribute attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  if (auto dense = dyn_cast<DenseFPElementsAttr>(attr))
    if (dense.isSplat())
      return dense.getSplatValue<APFloat>().convertToDouble();
  if (auto f = dyn_cast<FloatAttr>(attr))
    return f.getValueAsDouble();
  return std::nullopt;
}

bool isNegInf(Value v) {
  std::optional<double> c = getConstSplat(v);
  return c && std::isinf(*c) && *c < 0;
}

bool isMaskingSelect(arith::SelectOp sel) {
  return isa<RankedTensorType>(sel.getCondition().getType()) &&
         isNegInf(sel.getFalseValue());
}

/// Whether `v` (-inf where masked) only reaches exp/exp2, possibly through
/// multiplies by positive constants (exp2(x * log2e)), so masked elements
/// give 0.
bool onlyExponentiated(Value v) {
  for (Operation *user : v.getUsers()) {
    if (isa<math::ExpOp, math::Exp2Op>(user))
      continue;
    auto mul = dyn_cast<arith::MulFOp>(user);
    if (!mul)
      return false;
    Value other = mul.getLhs() == v ? mul.getRhs() : mul.getLhs();
    std::optional<double> c = getConstSplat(other);
    if (!c || !(*c > 0) || !onlyExponentiated(mul.getResult()))
      return false;
  }
  return true;
}

/// Whether a tile of -inf scores in `sel` contributes nothing: it is only
/// reduced with max, or shifted and exponentiated (exp(-inf - m) = 0).
bool onlySoftmaxUses(Value scores) {
  for (Operation *user : scores.getUsers()) {
    if (auto reduce = dyn_cast<tile::ReduceOp>(user)) {
      if (reduce.getKind() != tile::ReduceKind::Max)
        return false;
      continue;
    }
    auto sub = dyn_cast<arith::SubFOp>(user);
    if (!sub || sub.getLhs() != scores || !onlyExponentiated(sub))
      return false;
  }
  return true;
}

bool writesMemory(Operation *root) {
  bool writes = false;
  root->walk([&](Operation *op) {
    if (op == root)
      return WalkResult::advance();
    auto iface = dyn_cast<MemoryEffectOpInterface>(op);
    if (!iface) {
      // Ops with regions and no effects of their own are judged by their
      // bodies; anything else unknown counts as a write.
      if (op->getNumRegions() == 0 ||
          !op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
        writes = writes || !isPure(op);
      return WalkResult::advance();
    }
    if (iface.hasEffect<MemoryEffects::Write>() ||
        iface.hasEffect<MemoryEffects::Free>() ||
        iface.hasEffect<MemoryEffects::Allocate>())
      writes = true;
    return WalkResult::advance();
  });
  return writes;
}

//===----------------------------------------------------------------------===//
// Building the bounds.
//===----------------------------------------------------------------------===//

Value indexConst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// cst + sum(coeff * leaf) as an index.
Value buildInvariant(OpBuilder &b, Location loc, const Affine &e,
                     int64_t extra) {
  Value sum = indexConst(b, loc, e.cst + extra);
  for (auto [leaf, coeff] : e.leaves) {
    if (coeff == 0)
      continue;
    Value v = leaf;
    if (!v.getType().isIndex())
      v = arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
    if (coeff != 1)
      v = arith::MulIOp::create(b, loc, v, indexConst(b, loc, coeff));
    sum = arith::AddIOp::create(b, loc, sum, v);
  }
  return sum;
}

/// floor(x / a) for a > 0, with the ops the host and GPU lowerings support.
Value floorDiv(OpBuilder &b, Location loc, Value x, int64_t a) {
  if (a == 1)
    return x;
  Value div = indexConst(b, loc, a);
  Value q = arith::DivSIOp::create(b, loc, x, div);
  Value r = arith::RemSIOp::create(b, loc, x, div);
  Value zero = indexConst(b, loc, 0);
  Value neg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, r, zero);
  Value qm1 = arith::SubIOp::create(b, loc, q, indexConst(b, loc, 1));
  return arith::SelectOp::create(b, loc, neg, qm1, q);
}

//===----------------------------------------------------------------------===//
// The rewrite.
//===----------------------------------------------------------------------===//

/// Finds the single masked score tile of `loop`'s body.
std::optional<MaskedScores> findMaskedScores(scf::ForOp loop) {
  SmallVector<arith::SelectOp> outers;
  loop.getBody()->walk([&](arith::SelectOp sel) {
    if (!isMaskingSelect(sel))
      return;
    // Inner selects of a chain are handled with their outermost one.
    for (Operation *user : sel->getUsers())
      if (auto userSel = dyn_cast<arith::SelectOp>(user))
        if (isMaskingSelect(userSel) && userSel.getTrueValue() == sel)
          return;
    outers.push_back(sel);
  });
  if (outers.size() != 1)
    return std::nullopt;
  MaskedScores m;
  m.outer = outers.front();
  Value v = m.outer;
  while (auto sel = v.getDefiningOp<arith::SelectOp>()) {
    if (!isMaskingSelect(sel))
      break;
    m.selects.push_back(sel);
    v = sel.getTrueValue();
  }
  m.scores = v;
  return m;
}

/// Marks the masked loop a split leaves, so that running the pass again does
/// not split it into an empty unmasked loop and itself.
constexpr llvm::StringLiteral kMaskedBlocksAttr = "tile.masked_blocks";

/// Replaces each of `selects` by its unmasked operand and erases the mask
/// computations inside `scope` that become dead.
void dropSelects(ArrayRef<arith::SelectOp> selects, Operation *scope) {
  llvm::SetVector<Operation *> dead;
  for (arith::SelectOp sel : selects) {
    sel.getResult().replaceAllUsesWith(sel.getTrueValue());
    dead.insert(sel);
  }
  while (!dead.empty()) {
    Operation *op = dead.pop_back_val();
    if (!isOpTriviallyDead(op))
      continue;
    for (Value operand : op->getOperands())
      if (Operation *d = operand.getDefiningOp())
        if (scope->isProperAncestor(d))
          dead.insert(d);
    op->erase();
  }
}

/// The first iteration of [lb, ...) by step at or after `x` (x >= lb).
Value firstIterationFrom(OpBuilder &b, Location loc, Value x, Value lb,
                         Value step) {
  Value span = arith::SubIOp::create(b, loc, x, lb);
  span = arith::MaxSIOp::create(b, loc, span, indexConst(b, loc, 0));
  Value stepsUp = arith::AddIOp::create(
      b, loc, span, arith::SubIOp::create(b, loc, step, indexConst(b, loc, 1)));
  Value blocks = arith::DivSIOp::create(b, loc, stepsUp, step);
  return arith::AddIOp::create(b, loc, lb,
                               arith::MulIOp::create(b, loc, blocks, step));
}

bool splitLoop(scf::ForOp loop) {
  if (!loop.getInductionVar().getType().isIndex() ||
      loop->hasAttr(kMaskedBlocksAttr))
    return false;
  std::optional<MaskedScores> masked = findMaskedScores(loop);
  if (!masked)
    return false;
  // Each select's mask either does not depend on the loop (it stays in both
  // loops) or depends on it in one direction; all loop-dependent masks must
  // switch the same way (off: causal/key length in a key loop; on: causal in
  // a query loop).
  AffineAnalysis analysis(loop);
  SmallVector<arith::SelectOp> dependent;
  SmallVector<MaskTerm> terms;
  int direction = 0;
  for (arith::SelectOp sel : masked->selects) {
    SmallVector<MaskTerm> selTerms;
    if (failed(decomposeMask(sel.getCondition(), analysis, selTerms)))
      return false;
    auto sign = [](const MaskTerm &t) {
      return t.expr.ivCoeff < 0 ? -1 : t.expr.ivCoeff > 0 ? 1 : 0;
    };
    int selDir = sign(selTerms.front());
    for (const MaskTerm &t : selTerms)
      if (sign(t) != selDir)
        return false;
    if (selDir == 0)
      continue;
    if (direction != 0 && direction != selDir)
      return false;
    direction = selDir;
    dependent.push_back(sel);
    llvm::append_range(terms, selTerms);
  }
  if (direction == 0)
    return false;

  OpBuilder b(loop);
  Location loc = loop.getLoc();
  Value lb = loop.getLowerBound(), step = loop.getStep();
  Value ub = loop.getUpperBound();
  IRMapping map;
  auto mappedDependent = [&] {
    SmallVector<arith::SelectOp> r;
    for (arith::SelectOp sel : dependent)
      r.push_back(cast<arith::SelectOp>(map.lookup(sel.getOperation())));
    return r;
  };

  if (direction > 0) {
    // Per term e = a*iv + R >= 0 (a > 0): all true iff iv >= -floor(Rmin/a).
    // The masked blocks come first: [lb, start2) keeps the masks, [start2,
    // ub) drops them. Leading fully masked blocks are kept: whether they
    // contribute nothing would depend on the carried state (a running
    // maximum still at -inf gives exp(-inf - -inf) = NaN).
    Value firstTrue;
    for (const MaskTerm &t : terms) {
      Value rMin = buildInvariant(b, loc, t.expr, t.expr.iotaMin());
      Value ft = arith::SubIOp::create(b, loc, indexConst(b, loc, 0),
                                       floorDiv(b, loc, rMin, t.expr.ivCoeff));
      firstTrue =
          firstTrue ? arith::MaxSIOp::create(b, loc, firstTrue, ft) : ft;
    }
    Value split = arith::MaxSIOp::create(b, loc, firstTrue, lb);
    split = arith::MinSIOp::create(b, loc, split, ub);
    Value start2 = firstIterationFrom(b, loc, split, lb, step);
    auto head = cast<scf::ForOp>(b.clone(*loop, map));
    head.setUpperBound(start2);
    head->setAttr(kMaskedBlocksAttr, b.getUnitAttr());
    loop.setLowerBound(start2);
    for (auto [operand, value] :
         llvm::zip(loop.getInitsMutable(), head.getResults()))
      operand.set(value);
    dropSelects(dependent, loop);
    return true;
  }

  // Dropping fully masked blocks relies on them contributing nothing: the
  // scores reach the rest of the body only through the masks, and the
  // masked tile only as softmax scores.
  bool canSkip = onlySoftmaxUses(masked->outer) && !writesMemory(loop) &&
                 masked->scores.hasOneUse();
  for (arith::SelectOp sel : ArrayRef(masked->selects).drop_front())
    canSkip = canSkip && sel->hasOneUse();

  // Per term e = -a*iv + R >= 0: all true iff iv <= floor(Rmin / a), all
  // false iff iv >= floor(Rmax / a) + 1.
  Value lastTrue, firstFalse;
  for (const MaskTerm &t : terms) {
    int64_t a = -t.expr.ivCoeff;
    Value rMin = buildInvariant(b, loc, t.expr, t.expr.iotaMin());
    Value rMax = buildInvariant(b, loc, t.expr, t.expr.iotaMax());
    Value tt = floorDiv(b, loc, rMin, a);
    Value ff = arith::AddIOp::create(b, loc, floorDiv(b, loc, rMax, a),
                                     indexConst(b, loc, 1));
    lastTrue = lastTrue ? arith::MinSIOp::create(b, loc, lastTrue, tt) : tt;
    firstFalse =
        firstFalse ? arith::MinSIOp::create(b, loc, firstFalse, ff) : ff;
  }

  if (canSkip)
    ub = arith::MinSIOp::create(b, loc, ub, firstFalse);
  // Unmasked blocks: [lb, split); masked: the grid points in [split, ub).
  Value split = arith::AddIOp::create(b, loc, lastTrue, indexConst(b, loc, 1));
  split = arith::MaxSIOp::create(b, loc, split, lb);
  split = arith::MinSIOp::create(b, loc, split, ub);
  Value start2 = firstIterationFrom(b, loc, split, lb, step);

  auto unmasked = cast<scf::ForOp>(b.clone(*loop, map));
  unmasked.setUpperBound(split);
  dropSelects(mappedDependent(), unmasked);

  loop->setAttr(kMaskedBlocksAttr, b.getUnitAttr());
  loop.setLowerBound(start2);
  loop.setUpperBound(ub);
  for (auto [operand, value] :
       llvm::zip(loop.getInitsMutable(), unmasked.getResults()))
    operand.set(value);
  return true;
}

struct TileCausalSplitPass
    : public fa::impl::TileCausalSplitBase<TileCausalSplitPass> {
  void runOnOperation() override {
    SmallVector<scf::ForOp> loops;
    // Collected first: the loops a split creates are not visited again.
    getOperation()->walk([&](scf::ForOp loop) { loops.push_back(loop); });
    for (scf::ForOp loop : loops)
      splitLoop(loop);
  }
};

} // namespace
