//===- HostDialects.cpp - the dialects of the host lowering ---------------===//
//
// Kept apart from the pipeline (Pipeline.cpp) so that a program that
// registers fewer dialects, such as the Python package's static library,
// does not link every upstream dialect just by building the pipeline.
//
//===----------------------------------------------------------------------===//

#include "fa/Conversion/TileToHost/Passes.h"

#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"

using namespace mlir;

void fa::registerTileToHostDialects(DialectRegistry &registry) {
  // Bufferization, deallocation and conversion use interface models that
  // live in many dialects' extensions; register them all.
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registry.insert<tile::TileDialect>();
}
