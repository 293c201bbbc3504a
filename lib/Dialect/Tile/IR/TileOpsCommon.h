//===- TileOpsCommon.h - checks shared by the tile op verifiers -*- C++ -*-===//
#ifndef FA_LIB_DIALECT_TILE_IR_TILEOPSCOMMON_H
#define FA_LIB_DIALECT_TILE_IR_TILEOPSCOMMON_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"

namespace fa::tile {
/// A mask (null: none) must have the shape of the tile it guards.
mlir::LogicalResult verifyMask(mlir::Operation *op, mlir::Value mask,
                               mlir::RankedTensorType tile);
} // namespace fa::tile

#endif // FA_LIB_DIALECT_TILE_IR_TILEOPSCOMMON_H
