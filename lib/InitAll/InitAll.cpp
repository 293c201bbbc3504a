//===- InitAll.cpp - register every FlashTile dialect and pass ------------===//

#include "fa/InitAll.h"

#include "fa/Conversion/TileToHost/Passes.h"
#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"

void fa::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<fa::tile::TileDialect>();
}

void fa::registerAllPasses() {
  fa::registerTransformsPasses();
  fa::registerTileToHostPasses();
  fa::registerTileToHostPipeline();
}
