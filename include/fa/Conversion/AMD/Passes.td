#ifndef FA_CONVERSION_AMD_PASSES
#define FA_CONVERSION_AMD_PASSES

include "mlir/Pass/PassBase.td"

def ConvertTileGPUToLLVMAMD
    : Pass<"convert-tilegpu-to-llvm-amd", "mlir::ModuleOp"> {
  let summary = "lower `tilegpu` kernels to LLVM dialect functions and ROCDL ops";
  let description = [{
    The generic lowerings of lib/Conversion/TileGPUToLLVM (registers per
    tile from its linear layout, vectorized and predicated global access,
    LDS reads and writes, reductions with cross-lane exchanges) plus AMD's:
    dots as MFMA (`rocdl.mfma.f32.32x32x8*` or `16x16x16*`, bf16 and f16
    with f32 accumulation) on `#tileamd.mfma` accumulators. Kernels get
    `rocdl.kernel`, their flat work-group size and waves per EU; the CTA's
    LDS is one module global sized by `tilegpu.shared_bytes`, so the code
    object's metadata states it.

    The target is the module's `#tilegpu.target`; the `target` option is
    used only for modules without one.
  }];
  let options = [
    Option<"target", "target", "std::string", "\"gfx942\"",
           "target for modules without a #tilegpu.target (gfx90a, gfx942)">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect",
                           "::mlir::ROCDL::ROCDLDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
}

#endif // FA_CONVERSION_AMD_PASSES
