//===- TileDialect.h - the FlashTile `tile` dialect ------------*- C++ -*-===//
#ifndef FA_DIALECT_TILE_IR_TILEDIALECT_H
#define FA_DIALECT_TILE_IR_TILEDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "fa/Dialect/Tile/IR/TileEnums.h.inc"
#include "fa/Dialect/Tile/IR/TileOpsDialect.h.inc"

namespace fa::tile {
class YieldOp;
} // namespace fa::tile

#define GET_OP_CLASSES
#include "fa/Dialect/Tile/IR/TileOps.h.inc"

namespace fa::tile {
/// Entry `d` of the `tile.dims` of the kernel argument `memref`, if any: a
/// symbolic size name (string) or a compile-time size (integer).
mlir::Attribute getTileDimsEntry(mlir::Value memref, int64_t d);

/// The static size of dimension `d` of `memref`: from its type, or from the
/// integer its kernel argument's `tile.dims` fixes (the launch contract).
std::optional<int64_t> getStaticDimSize(mlir::Value memref, int64_t d);
} // namespace fa::tile

#endif // FA_DIALECT_TILE_IR_TILEDIALECT_H
