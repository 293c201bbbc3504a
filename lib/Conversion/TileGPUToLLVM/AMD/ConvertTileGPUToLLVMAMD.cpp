//===- ConvertTileGPUToLLVMAMD.cpp - the AMD conversion pass --------------===//
//
// The generic lowerings plus AMD's (MFMA), for the target the module's
// #tilegpu.target names. The CTA's shared memory becomes one LDS global of
// the size the allocator computed (tilegpu.shared_bytes), so the code
// object's metadata states the LDS a kernel uses and the launcher passes
// no dynamic LDS.
//
//===----------------------------------------------------------------------===//

#include "AMDLowerings.h"

#include "fa/Conversion/AMD/Passes.h"

using namespace mlir;
using namespace fa;

namespace fa {
#define GEN_PASS_DEF_CONVERTTILEGPUTOLLVMAMD
#include "fa/Conversion/AMD/Passes.h.inc"
} // namespace fa

void amd::populateLowerings(LoweringRegistry &registry) {
  populateGenericLowerings(registry);
  populateMfmaLowerings(registry);
}

/// Defines the shared-memory symbol as an LDS array of the largest
/// `tilegpu.shared_bytes` of the module's kernels (none when no kernel uses
/// shared memory: the generic lowering then declares it empty).
static void defineLds(ModuleOp module) {
  int64_t bytes = 0;
  for (auto kernel : module.getOps<tile::KernelOp>())
    if (auto s = kernel->getAttrOfType<IntegerAttr>("tilegpu.shared_bytes"))
      bytes = std::max(bytes, s.getInt());
  if (bytes == 0 || module.lookupSymbol(kSharedSymbol))
    return;
  OpBuilder b(module.getBodyRegion());
  Location loc = module.getLoc();
  auto arr = LLVM::LLVMArrayType::get(b.getI8Type(), bytes);
  auto global = LLVM::GlobalOp::create(
      b, loc, arr, /*isConstant=*/false, LLVM::Linkage::Internal, kSharedSymbol,
      Attribute(), /*alignment=*/16, /*addrSpace=*/3);
  // LDS cannot be initialized: its initial value is undefined.
  Block *init = b.createBlock(&global.getInitializerRegion());
  b.setInsertionPointToStart(init);
  Value undef = LLVM::UndefOp::create(b, loc, arr);
  LLVM::ReturnOp::create(b, loc, undef);
}

namespace {
struct ConvertTileGPUToLLVMAMDPass
    : fa::impl::ConvertTileGPUToLLVMAMDBase<ConvertTileGPUToLLVMAMDPass> {
  using Base::Base;
  void runOnOperation() override {
    LoweringRegistry registry;
    amd::populateLowerings(registry);
    defineLds(getOperation());
    if (failed(lowerTileGPUKernels(getOperation(), registry, target, "amd")))
      signalPassFailure();
  }
};
} // namespace
