//===- CpAsync.cpp - when cp.async can copy a tile ------------------------===//

#include "fa/Target/NVIDIA/CpAsync.h"

#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"

using namespace mlir;

bool fa::nvidia::canCpAsyncVectors(Type elementType,
                                   const tilegpu::LinearLayout &ll,
                                   unsigned bufferInner, std::string &why) {
  why = "async copies need 16-byte vectors along the innermost dimension";
  if (!elementType.isIntOrFloat())
    return false;
  unsigned bits = elementType.getIntOrFloatBitWidth();
  if (bits % 8 || (kCpAsyncBytes * 8) % bits)
    return false;
  unsigned inner = ll.rank() - 1;
  if (bufferInner != inner)
    return false;
  // The first registers of a thread must step by one along the innermost
  // dimension, a whole vector of them.
  int64_t vec = kCpAsyncBytes * 8 / bits;
  for (int64_t v = 1, i = 0; v < vec; v *= 2, ++i)
    if (size_t(i) >= ll.reg.size() ||
        ll.reg[i] != tilegpu::LinearLayout::unit(ll.rank(), inner, v))
      return false;
  return true;
}

bool fa::nvidia::canCpAsync(const AsyncCopyRequest &copy, std::string &why) {
  RankedTensorType tile = copy.tile;
  auto buffer = dyn_cast_or_null<tilegpu::SharedBufferType>(copy.buffer);
  if (!tile || !buffer || tile.getRank() == 0) {
    why = "async copies need a tile and a shared buffer";
    return false;
  }
  if (!copy.zeroPadding) {
    why = "cp.async fills out-of-bounds elements with zero only";
    return false;
  }
  auto shared =
      dyn_cast<tilegpu::SharedLayoutAttrInterface>(buffer.getEncoding());
  auto ll = tilegpu::toLinearLayout(tile.getEncoding(), tile.getShape(), why);
  if (!shared || !ll)
    return false;
  if (!canCpAsyncVectors(tile.getElementType(), *ll, shared.getOrder()[0], why))
    return false;
  // Every vector must start 16-byte aligned: rows of the block start rows
  // of the tensor whose width is a known multiple of the vector.
  int64_t vec =
      kCpAsyncBytes * 8 / tile.getElementType().getIntOrFloatBitWidth();
  if (!copy.rowAligned || !copy.rowElements || *copy.rowElements % vec ||
      tile.getShape().back() % vec) {
    why = "async copies need rows that start 16-byte aligned (a block at "
          "offset 0 of the innermost dimension, whose compile-time width is "
          "a multiple of 16 bytes)";
    return false;
  }
  return true;
}
