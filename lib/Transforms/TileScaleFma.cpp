//===- TileScaleFma.cpp - row max/min before the scale, fma after ---------===//
//
// A scaled score tile s = x * k (k a scalar splat) that only feeds row
// max/min reductions and subtractions `s - b` costs one multiply per
// element before anything else can start. Reducing the unscaled tile and
// scaling the row result instead (max(x * k) = k * max(x) for k >= 0, and
// k * min(x) for k < 0) lets each subtraction become one fused
// multiply-add, fma(x, k, -b): the multiply disappears from the tile.
// Reductions are moved only for a constant k, whose sign is known; with a
// runtime k the subtractions alone are fused (a kernel that reduces its
// unscaled scores, as flash_fwd does, needs nothing more). Float rounding
// is monotone, so the row maximum is exactly the same; the fma rounds once
// where the multiply and subtraction rounded twice.
//
//===----------------------------------------------------------------------===//

#include "fa/Transforms/Passes.h"

#include "TileMatchers.h"

#include "fa/Dialect/Tile/IR/TileDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

namespace fa {
#define GEN_PASS_DEF_TILESCALEFMA
#include "fa/Transforms/Passes.h.inc"
} // namespace fa

using namespace mlir;
using namespace fa;
using namespace fa::tile_matchers;

namespace {

tile::ReduceKind opposite(tile::ReduceKind kind) {
  return kind == tile::ReduceKind::Max ? tile::ReduceKind::Min
                                       : tile::ReduceKind::Max;
}

/// `-v`, negated at the root of its broadcast chain (a row vector rather
/// than a whole tile).
Value negateAtRoot(OpBuilder &b, Location loc, Value v) {
  SmallVector<Operation *> chain;
  Value root = stripDataMovement(v, chain);
  return replayChain(b, chain, arith::NegFOp::create(b, loc, root));
}

/// Rewrites `mul = x * splat(k)` when every user is a max/min reduction or
/// a subtraction with `mul` on the left. Returns whether it did.
bool rewrite(arith::MulFOp mul) {
  if (!isF32Tile(mul.getType()))
    return false;
  // x * k with k a splat scalar (a constant one's value known).
  Value x = getSplatScalar(mul.getRhs())   ? mul.getLhs()
            : getSplatScalar(mul.getLhs()) ? mul.getRhs()
                                           : Value();
  if (!x)
    return false;
  Value kTile = x == mul.getLhs() ? mul.getRhs() : mul.getLhs();
  std::optional<double> k = getConstSplat(kTile);
  if (k && std::isnan(*k))
    return false;
  bool anySub = false;
  for (OpOperand &use : mul->getUses()) {
    Operation *user = use.getOwner();
    if (auto reduce = dyn_cast<tile::ReduceOp>(user)) {
      // A runtime scale's sign is unknown: picking the reduction would
      // take a branch (or both reductions), which costs registers and
      // instructions the multiply did not.
      if (!k || (reduce.getKind() != tile::ReduceKind::Max &&
                 reduce.getKind() != tile::ReduceKind::Min))
        return false;
      continue;
    }
    auto sub = dyn_cast<arith::SubFOp>(user);
    if (!sub || use.getOperandNumber() != 0 || sub.getRhs() == mul)
      return false;
    anySub = true;
  }
  // Without a subtraction nothing is saved where the reductions run.
  if (!anySub)
    return false;

  for (Operation *user : llvm::make_early_inc_range(mul->getUsers())) {
    OpBuilder b(user);
    if (auto sub = dyn_cast<arith::SubFOp>(user)) {
      Value neg = negateAtRoot(b, sub.getLoc(), sub.getRhs());
      auto fma = math::FmaOp::create(
          b, sub.getLoc(), x, mul.getRhs() == x ? mul.getLhs() : mul.getRhs(),
          neg);
      Value old = sub.getRhs();
      sub.replaceAllUsesWith(fma.getResult());
      sub.erase();
      // The natural broadcast chain, now unread.
      while (Operation *def = old.getDefiningOp()) {
        if (!isa<tile::BroadcastOp, tile::ExpandDimsOp>(def) ||
            !def->use_empty())
          break;
        old = def->getOperand(0);
        def->erase();
      }
      continue;
    }
    auto reduce = cast<tile::ReduceOp>(user);
    auto rowType = cast<RankedTensorType>(reduce.getType());
    auto scaled = [&](OpBuilder &bb, tile::ReduceKind kind) -> Value {
      Value r = tile::ReduceOp::create(bb, reduce.getLoc(), rowType, kind, x,
                                       reduce.getAxis());
      Value splat = arith::ConstantOp::create(
          bb, reduce.getLoc(),
          DenseElementsAttr::get(rowType, bb.getF32FloatAttr(float(*k))));
      return arith::MulFOp::create(bb, reduce.getLoc(), r, splat);
    };
    Value result =
        scaled(b, *k >= 0 ? reduce.getKind() : opposite(reduce.getKind()));
    reduce.replaceAllUsesWith(result);
    reduce.erase();
  }
  mul.erase();
  return true;
}

struct TileScaleFma : fa::impl::TileScaleFmaBase<TileScaleFma> {
  void runOnOperation() override {
    SmallVector<arith::MulFOp> muls;
    getOperation()->walk([&](arith::MulFOp mul) { muls.push_back(mul); });
    for (arith::MulFOp mul : muls)
      rewrite(mul);
  }
};

} // namespace
