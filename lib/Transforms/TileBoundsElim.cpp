//===- TileBoundsElim.cpp - prove tile.load dimensions in bounds ----------===//
//
// Loads inside a loop that stops before the tensor's end (the unmasked loop
// of tile-causal-split) need no per-element bounds checks. This pass proves
// `iv + T <= size` from the loop's upper bound and records it in the load's
// `in_bounds` flags, as well as constant offsets into dimensions of static
// size.
//
//===----------------------------------------------------------------------===//

#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"

namespace fa {
#define GEN_PASS_DEF_TILEBOUNDSELIM
#include "fa/Transforms/Passes.h.inc"
} // namespace fa

using namespace mlir;
using namespace fa;

namespace {

/// `value <= leaf + offset` whenever the loop runs at least once.
struct UpperBound {
  Value leaf;
  int64_t offset;
};

Value stripCasts(Value v) {
  while (auto cast = v.getDefiningOp<arith::IndexCastOp>())
    v = cast.getIn();
  return v;
}

std::optional<int64_t> constantOf(Value v) {
  APInt c;
  if (matchPattern(stripCasts(v), m_ConstantInt(&c)))
    return c.getSExtValue();
  return std::nullopt;
}

/// Collects upper bounds of `v` valid for a loop with constant lower bound
/// `lb`: a bound that only fails when `v <= lb` is still a bound, since the
/// loop then runs no iteration.
void collectUpperBounds(Value v, int64_t lb, int64_t shift,
                        SmallVectorImpl<UpperBound> &out, unsigned depth = 0) {
  v = stripCasts(v);
  constexpr int64_t kLimit = int64_t(1) << 40;
  if (depth > 8 || shift > kLimit || shift < -kLimit) {
    out.push_back({v, shift});
    return;
  }
  Operation *def = v.getDefiningOp();
  if (auto min = dyn_cast_or_null<arith::MinSIOp>(def)) {
    collectUpperBounds(min.getLhs(), lb, shift, out, depth + 1);
    collectUpperBounds(min.getRhs(), lb, shift, out, depth + 1);
    return;
  }
  if (auto max = dyn_cast_or_null<arith::MaxSIOp>(def)) {
    // max(a, c) + shift with c + shift <= lb: if a < c the loop is empty;
    // otherwise the bound is a + shift.
    for (auto [a, c] : {std::pair(max.getLhs(), max.getRhs()),
                        std::pair(max.getRhs(), max.getLhs())})
      if (auto k = constantOf(c); k && *k + shift <= lb) {
        collectUpperBounds(a, lb, shift, out, depth + 1);
        return;
      }
  }
  if (auto addOp = dyn_cast_or_null<arith::AddIOp>(def)) {
    if (auto k = constantOf(addOp.getRhs())) {
      collectUpperBounds(addOp.getLhs(), lb, shift + *k, out, depth + 1);
      return;
    }
    if (auto k = constantOf(addOp.getLhs())) {
      collectUpperBounds(addOp.getRhs(), lb, shift + *k, out, depth + 1);
      return;
    }
  }
  if (auto subOp = dyn_cast_or_null<arith::SubIOp>(def))
    if (auto k = constantOf(subOp.getRhs())) {
      collectUpperBounds(subOp.getLhs(), lb, shift - *k, out, depth + 1);
      return;
    }
  out.push_back({v, shift});
}

/// The symbolic name a kernel argument gives to dimension `d`, if any.
StringAttr dimName(Value memref, int64_t d) {
  return dyn_cast_or_null<StringAttr>(tile::getTileDimsEntry(memref, d));
}

/// Whether `v` equals the size of dimension `d` of `memref`.
bool isSizeOf(Value v, Value memref, int64_t d) {
  auto dim = stripCasts(v).getDefiningOp<memref::DimOp>();
  if (!dim)
    return false;
  std::optional<int64_t> index = dim.getConstantIndex();
  if (!index)
    return false;
  if (dim.getSource() == memref && *index == d)
    return true;
  StringAttr a = dimName(dim.getSource(), *index), b = dimName(memref, d);
  return a && b && a == b;
}

/// Sets the `in_bounds` flag of every tile dimension t (global dimension d)
/// of `load` for which `proven(t, d)` holds; flags already set stay.
void markInBounds(tile::LoadOp load,
                  function_ref<bool(int64_t t, int64_t d)> proven) {
  SmallVector<int64_t> tileDims = load.getTileDims();
  SmallVector<bool> inBounds(tileDims.size(), false);
  if (auto old = load.getInBounds())
    inBounds.assign(old->begin(), old->end());
  bool changed = false;
  for (auto [t, d] : llvm::enumerate(tileDims))
    if (!inBounds[t] && proven(t, d))
      inBounds[t] = changed = true;
  if (changed)
    load.setInBounds(inBounds);
}

struct TileBoundsElimPass : fa::impl::TileBoundsElimBase<TileBoundsElimPass> {
  void runOnOperation() override {
    // Constant offsets into dimensions of static size (the head dimension).
    getOperation()->walk([&](tile::LoadOp load) {
      ArrayRef<int64_t> shape = load.getResult().getType().getShape();
      markInBounds(load, [&](int64_t t, int64_t d) {
        std::optional<int64_t> off = constantOf(load.getOffsets()[d]);
        std::optional<int64_t> size = tile::getStaticDimSize(load.getBase(), d);
        return off && size && *off >= 0 && *off + shape[t] <= *size;
      });
    });
    getOperation()->walk([&](scf::ForOp loop) {
      std::optional<int64_t> lb = constantOf(loop.getLowerBound());
      if (!lb || *lb < 0)
        return;
      SmallVector<UpperBound> bounds;
      collectUpperBounds(loop.getUpperBound(), *lb, 0, bounds);
      Value iv = loop.getInductionVar();
      loop.getBody()->walk([&](tile::LoadOp load) {
        ArrayRef<int64_t> shape = load.getResult().getType().getShape();
        markInBounds(load, [&](int64_t t, int64_t d) {
          if (stripCasts(load.getOffsets()[d]) != iv)
            return false;
          return llvm::any_of(bounds, [&](const UpperBound &ub) {
            return ub.offset <= 1 - shape[t] &&
                   isSizeOf(ub.leaf, load.getBase(), d);
          });
        });
      });
    });
  }
};

} // namespace
