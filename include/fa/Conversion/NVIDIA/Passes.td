#ifndef FA_CONVERSION_NVIDIA_PASSES
#define FA_CONVERSION_NVIDIA_PASSES

include "mlir/Pass/PassBase.td"

def ConvertTileGPUToLLVMNVIDIA
    : Pass<"convert-tilegpu-to-llvm-nvidia", "mlir::ModuleOp"> {
  let summary = "lower `tilegpu` kernels to LLVM dialect functions and NVVM ops";
  let description = [{
    Every `tile.kernel` whose tiles carry layouts becomes an `llvm.func`
    kernel: each tile becomes the registers its layout gives the thread,
    element-wise math works register by register, reductions combine in
    registers and then across lanes with shuffles, and global loads and
    stores are vectorized and bounds-predicated (the generic lowerings,
    lib/Conversion/TileGPUToLLVM). NVIDIA's lowerings add dots as mma.sync
    m16n8k16, ldmatrix for shared-memory reads of MMA operands and cp.async
    for asynchronous copies. Scalar `arith`, `scf` and `index` ops are left
    for the upstream conversions that follow.

    The target is the module's `#tilegpu.target`; the `target` option is
    used only for modules without one.

    Kernel parameters: a global tensor of rank r becomes a pointer, r sizes
    (i64) and r - 1 outer strides (i64; the innermost stride is 1);
    scalars keep their type.
  }];
  let options = [
    Option<"target", "target", "std::string", "\"sm_80\"",
           "target for modules without a #tilegpu.target (sm_80, sm_90a)">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
}

#endif // FA_CONVERSION_NVIDIA_PASSES
