//===- InitAll.cpp - register every FlashTile dialect and pass ------------===//

#include "fa/InitAll.h"

#include "fa/Conversion/Passes.h"
#include "fa/Conversion/TileToHost/Passes.h"
#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Dialect/TileAMD/IR/TileAMDDialect.h"
#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"
#include "fa/Dialect/TileGPU/Transforms/Passes.h"
#include "fa/Dialect/TileNV/IR/TileNVDialect.h"
#include "fa/Dialect/TileNV/Transforms/Passes.h"
#include "fa/Target/AMD/AMDTarget.h"
#include "fa/Target/Compile.h"
#include "fa/Target/NVIDIA/NVBackend.h"
#include "fa/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"

void fa::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<fa::tile::TileDialect>();
  registry.insert<fa::tilegpu::TileGPUDialect>();
  registry.insert<fa::tilenv::TileNVDialect>();
  registry.insert<fa::tileamd::TileAMDDialect>();
}

void fa::registerAllBackends() {
  fa::registerNVIDIABackend();
  fa::registerAMDBackend();
}

void fa::registerAllPasses() {
  fa::registerAllBackends();
  fa::registerTransformsPasses();
  fa::tilegpu::registerTileGPUPasses();
  fa::tilenv::registerTileNVPasses();
  fa::registerFAConversionPasses();
  fa::registerGPUPipelines();
  fa::registerTileToHostPasses();
  fa::registerTileToHostPipeline();
}
