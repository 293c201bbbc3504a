//===- Pipeline.cpp - the tile optimization pipeline ----------------------===//

#include "fa/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

namespace fa {
#define GEN_PASS_REGISTRATION
#include "fa/Transforms/Passes.h.inc"
} // namespace fa

void fa::buildTileOptimizationPipeline(mlir::OpPassManager &pm) {
  // Cleanup first so the matchers see canonical splats and shared values.
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  // Renumbering first: the later passes see the renumbered query offset as
  // one more loop-invariant value.
  pm.addPass(createTileLongestFirst());
  // exp2 folding before the split: the split then clones the base-2 loop
  // body, and the running maximum crosses the two loops in one domain.
  pm.addPass(createTileExp2Fold());
  pm.addPass(createTileCausalSplit());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  // After the split and cleanup: the unmasked loop's bound is then a plain
  // min/max expression of the key length.
  pm.addPass(createTileBoundsElim());
  // Last: the split loops' unmasked bodies are where a scaled score tile
  // feeds only its row maximum and the exp2's subtraction.
  pm.addPass(createTileScaleFma());
}

void fa::registerTransformsPasses() {
  registerFATransformsPasses();
  mlir::PassPipelineRegistration<>(
      "tile-optimize",
      "target-independent tile optimizations (canonicalize, cse, "
      "tile-longest-first, tile-exp2-fold, tile-causal-split, "
      "tile-bounds-elim, tile-scale-fma)",
      [](mlir::OpPassManager &pm) { buildTileOptimizationPipeline(pm); });
}
