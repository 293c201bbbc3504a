//===- TileGPUDialect.h - the FlashTile `tilegpu` dialect ------*- C++ -*-===//
#ifndef FA_DIALECT_TILEGPU_IR_TILEGPUDIALECT_H
#define FA_DIALECT_TILEGPU_IR_TILEGPUDIALECT_H

#include "fa/Dialect/Tile/IR/TileDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "fa/Dialect/TileGPU/IR/LinearLayout.h"

#include "fa/Dialect/TileGPU/IR/TileGPUOpsDialect.h.inc"

#include "fa/Dialect/TileGPU/IR/TileGPUAttrInterfaces.h.inc"

#define GET_ATTRDEF_CLASSES
#include "fa/Dialect/TileGPU/IR/TileGPUAttrs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "fa/Dialect/TileGPU/IR/TileGPUOpsTypes.h.inc"

#define GET_OP_CLASSES
#include "fa/Dialect/TileGPU/IR/TileGPUOps.h.inc"

namespace fa::tilegpu {

/// Number of warps a distributed layout spreads over.
unsigned getNumWarps(mlir::Attribute layout);

/// Whether `layout` is a register layout (implements
/// DistributedLayoutAttrInterface).
bool isDistributedLayout(mlir::Attribute layout);

/// A blocked layout for `shape` that gives each thread up to 16 contiguous
/// bytes along the last dimension and spreads the rest over the
/// `threadsPerWarp` lanes of each of `numWarps` warps.
BlockedEncodingAttr getDefaultBlocked(mlir::MLIRContext *ctx,
                                      llvm::ArrayRef<int64_t> shape,
                                      unsigned numWarps,
                                      unsigned threadsPerWarp,
                                      unsigned elemBits);

/// The same layout with its dimensions permuted: result dimension i is
/// operand dimension perm[i]. Null when the layout cannot be permuted
/// without moving data (only blocked layouts can).
mlir::Attribute permuteLayout(mlir::Attribute layout,
                              llvm::ArrayRef<int32_t> perm);

/// Bits one element of type `elem` takes in shared memory. A bool (i1)
/// takes a byte: buffers are addressed per element, and LLVM would pack a
/// vector of i1 into bits.
unsigned sharedElementBits(mlir::Type elem);

/// The swizzled shared layout FlashTile uses for a tile of `shape` stored
/// with `order` (fastest first).
SharedEncodingAttr getSwizzledShared(mlir::MLIRContext *ctx,
                                     llvm::ArrayRef<int64_t> shape,
                                     llvm::ArrayRef<unsigned> order,
                                     unsigned elemBits);

} // namespace fa::tilegpu

#endif // FA_DIALECT_TILEGPU_IR_TILEGPUDIALECT_H
