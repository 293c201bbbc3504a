//===- Pipeline.cpp - the tile-to-host pass pipeline ----------------------===//

#include "fa/Conversion/TileToHost/Passes.h"

#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void fa::buildTileToHostPipeline(OpPassManager &pm) {
  // tile -> func + tensor/linalg/memref.
  pm.addPass(createConvertTileKernelToFunc());
  pm.addPass(createConvertTileToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Element-wise arith/math on tensors become linalg.generic.
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());

  // Tensors -> buffers, with every allocation freed.
  pm.addPass(createTileHostBufferize());
  bufferization::buildBufferDeallocationPipeline(pm);

  // Buffers -> loops over scalars.
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createLoopInvariantCodeMotionPass());

  // Floats the CPU has no arithmetic for (bf16, f16) compute in f32, as the
  // GPU's tensor cores and ALUs do; each op rounds its result back.
  math::MathExtendToSupportedTypesOptions mathOpts;
  mathOpts.targetTypeStr = "f32";
  pm.addNestedPass<func::FuncOp>(
      math::createMathExtendToSupportedTypes(mathOpts));
  arith::ArithEmulateUnsupportedFloatsOptions emulOpts;
  emulOpts.sourceTypeStrs = {"bf16", "f16"};
  emulOpts.targetTypeStr = "f32";
  pm.addNestedPass<func::FuncOp>(
      arith::createArithEmulateUnsupportedFloats(emulOpts));

  // Everything -> LLVM dialect.
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // bf16 <-> f32 conversions as integer code: x86 without AVX512-BF16 has no
  // instruction for them and LLVM would call a runtime helper instead.
  arith::ArithExpandOpsPassOptions expandOpts;
  expandOpts.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expandOpts));
  pm.addPass(createConvertMathToLLVMPass());
  // Math ops LLVM has no intrinsic for (erf, tan, ...) call libm.
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void fa::registerTileToHostPipeline() {
  PassPipelineRegistration<>(
      "tile-to-host",
      "Lower tile kernels to LLVM dialect host code (func per kernel with a "
      "loop over the grid)",
      [](OpPassManager &pm) { buildTileToHostPipeline(pm); });
}
