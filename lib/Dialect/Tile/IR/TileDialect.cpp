//===- TileDialect.cpp - the FlashTile `tile` dialect ---------------------===//

#include "fa/Dialect/Tile/IR/TileDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace fa::tile;

#include "fa/Dialect/Tile/IR/TileEnums.cpp.inc"
#include "fa/Dialect/Tile/IR/TileOpsDialect.cpp.inc"

void TileDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "fa/Dialect/Tile/IR/TileOps.cpp.inc"
      >();
}

Operation *TileDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                            Type type, Location loc) {
  return arith::ConstantOp::materialize(builder, value, type, loc);
}

mlir::Attribute fa::tile::getTileDimsEntry(mlir::Value memref, int64_t d) {
  auto arg = mlir::dyn_cast<mlir::BlockArgument>(memref);
  if (!arg)
    return {};
  auto kernel = mlir::dyn_cast<KernelOp>(arg.getOwner()->getParentOp());
  std::optional<mlir::ArrayAttr> all =
      kernel ? kernel.getArgAttrs() : std::nullopt;
  if (!all || arg.getArgNumber() >= all->size())
    return {};
  auto dict = mlir::dyn_cast<mlir::DictionaryAttr>((*all)[arg.getArgNumber()]);
  auto dims =
      dict ? dict.getAs<mlir::ArrayAttr>("tile.dims") : mlir::ArrayAttr();
  if (!dims || d >= static_cast<int64_t>(dims.size()))
    return {};
  return dims[d];
}

std::optional<int64_t> fa::tile::getStaticDimSize(mlir::Value memref,
                                                  int64_t d) {
  auto type = mlir::cast<mlir::MemRefType>(memref.getType());
  if (!type.isDynamicDim(d))
    return type.getDimSize(d);
  if (auto n = mlir::dyn_cast_or_null<mlir::IntegerAttr>(
          getTileDimsEntry(memref, d)))
    return n.getInt();
  return std::nullopt;
}
