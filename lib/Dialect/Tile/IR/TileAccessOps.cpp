//===- TileAccessOps.cpp - verifiers of element-wise global accesses -----===//
//
// tile.gather and tile.load_scalar: accesses that address elements one by
// one rather than as a block (TileOps.cpp has the block accesses).
//
//===----------------------------------------------------------------------===//

#include "TileOpsCommon.h"

#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace fa::tile;

LogicalResult GatherOp::verify() {
  MemRefType mem = getBase().getType();
  RankedTensorType res = getResult().getType();
  if (static_cast<int64_t>(getIndices().size()) != mem.getRank())
    return emitOpError() << "expects one index tile per global dimension ("
                         << mem.getRank() << "), got " << getIndices().size();
  for (Value i : getIndices())
    if (cast<RankedTensorType>(i.getType()).getShape() != res.getShape())
      return emitOpError() << "index tile " << i.getType()
                           << " differs in shape from the result " << res;
  if (res.getElementType() != mem.getElementType())
    return emitOpError() << "result element type " << res.getElementType()
                         << " differs from the global tensor's "
                         << mem.getElementType();
  if (failed(verifyMask(*this, getMask(), res)))
    return failure();
  if (auto pad = getPaddingAttr())
    if (pad.getType() != mem.getElementType() ||
        !isa<FloatAttr, IntegerAttr>(pad))
      return emitOpError() << "padding must be a " << mem.getElementType()
                           << " constant";
  return success();
}

TypedAttr GatherOp::getPaddingOrZero() {
  if (auto pad = getPaddingAttr())
    return pad;
  Type elem = getResult().getType().getElementType();
  Builder b(getContext());
  if (isa<FloatType>(elem))
    return b.getFloatAttr(elem, 0.0);
  return b.getIntegerAttr(elem, 0);
}

LogicalResult LoadScalarOp::verify() {
  MemRefType mem = getBase().getType();
  if (static_cast<int64_t>(getIndices().size()) != mem.getRank())
    return emitOpError() << "expects one index per global dimension ("
                         << mem.getRank() << "), got " << getIndices().size();
  if (getResult().getType() != mem.getElementType())
    return emitOpError() << "result type " << getResult().getType()
                         << " differs from the element type "
                         << mem.getElementType();
  if (auto pad = getPaddingAttr()) {
    if (pad.getType() != mem.getElementType() ||
        !isa<FloatAttr, IntegerAttr>(pad))
      return emitOpError() << "padding must be a " << mem.getElementType()
                           << " constant";
  }
  return success();
}
