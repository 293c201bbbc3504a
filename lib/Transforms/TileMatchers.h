//===- TileMatchers.h - matchers shared by the tile passes ------*- C++ -*-===//
//
// Splat scalars and data-movement chains, as tile-exp2-fold and
// tile-scale-fma read them. Private to lib/Transforms.
//
//===----------------------------------------------------------------------===//
#ifndef FA_LIB_TRANSFORMS_TILEMATCHERS_H
#define FA_LIB_TRANSFORMS_TILEMATCHERS_H

#include "fa/Dialect/Tile/IR/TileDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"

#include <algorithm>
#include <optional>

namespace fa::tile_matchers {
using namespace mlir;

inline bool isF32Tile(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && tensor.hasStaticShape() && tensor.getElementType().isF32();
}

/// Whether `op` only moves data (every element of its result is an element
/// of its operand), so it commutes with scaling by a constant.
inline bool isDataMovement(Operation *op) {
  return isa<tile::BroadcastOp, tile::ExpandDimsOp, tile::TransOp>(op);
}

/// A scalar that every element of a tile equals: the operand of a
/// `tile.splat` (possibly broadcast or expanded), or a splat constant.
struct SplatScalar {
  tile::SplatOp splat;         // null for a constant
  std::optional<double> value; // set for a constant
};

inline std::optional<SplatScalar> getSplatScalar(Value v) {
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

/// Follows data-movement ops from `v` back to their root; records them,
/// outermost last.
inline Value stripDataMovement(Value v, SmallVectorImpl<Operation *> &chain) {
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
inline Value replayChain(OpBuilder &b, ArrayRef<Operation *> chain,
                         Value root) {
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

/// The value of a splat float constant tile (dense, or a splat of a scalar
/// constant), if `v` is one.
inline std::optional<double> getConstSplat(Value v) {
  std::optional<SplatScalar> s = getSplatScalar(v);
  if (!s)
    return std::nullopt;
  if (s->value)
    return s->value;
  FloatAttr attr;
  if (matchPattern(s->splat.getValue(), m_Constant(&attr)))
    return attr.getValueAsDouble();
  return std::nullopt;
}

} // namespace fa::tile_matchers

#endif // FA_LIB_TRANSFORMS_TILEMATCHERS_H
