//===- fa-opt.cpp - FlashTile's mlir-opt ----------------------------------===//
//
// Registers the `tile` dialect, the upstream dialects FlashTile uses and every
// FlashTile pass and pipeline, then runs MLIR's opt driver.
//
//===----------------------------------------------------------------------===//

#include "fa/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  fa::registerAllPasses();
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  fa::registerAllDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "FlashTile optimizer driver\n", registry));
}
