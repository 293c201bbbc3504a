//===- ConvertTileGPUToLLVMNVIDIA.cpp - the NVIDIA conversion pass --------===//
//
// The generic lowerings plus NVIDIA's (mma.sync, ldmatrix, cp.async, TMA), for
// the target the module's #tilegpu.target names.
//
//===----------------------------------------------------------------------===//

#include "NVIDIALowerings.h"

#include "fa/Conversion/NVIDIA/Passes.h"

using namespace mlir;
using namespace fa;

namespace fa {
#define GEN_PASS_DEF_CONVERTTILEGPUTOLLVMNVIDIA
#include "fa/Conversion/NVIDIA/Passes.h.inc"
} // namespace fa

void nvidia::populateLowerings(LoweringRegistry &registry) {
  populateGenericLowerings(registry);
  populateDotLowerings(registry);
  populateLoadMatrixLowerings(registry);
  populateAsyncCopyLowerings(registry);
  populateTmaLowerings(registry);
  populateBulkReduceLowerings(registry);
  populateWgmmaLowerings(registry);
}

namespace {
struct ConvertTileGPUToLLVMNVIDIAPass
    : fa::impl::ConvertTileGPUToLLVMNVIDIABase<ConvertTileGPUToLLVMNVIDIAPass> {
  using Base::Base;
  void runOnOperation() override {
    LoweringRegistry registry;
    nvidia::populateLowerings(registry);
    if (failed(lowerTileGPUKernels(getOperation(), registry, target, "nvidia")))
      signalPassFailure();
  }
};
} // namespace
