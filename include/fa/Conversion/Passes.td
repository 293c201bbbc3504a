#ifndef FA_CONVERSION_PASSES
#define FA_CONVERSION_PASSES

include "mlir/Pass/PassBase.td"

def ConvertTileGPUToLLVM : Pass<"convert-tilegpu-to-llvm", "mlir::ModuleOp"> {
  let summary = "lower `tilegpu` kernels to LLVM dialect functions and vendor ops";
  let description = [{
    Every `tile.kernel` whose tiles carry layouts becomes an `llvm.func`
    kernel: each tile becomes the registers its layout gives the thread,
    element-wise math works register by register, reductions combine in
    registers and then across lanes with shuffles, dots become MMA
    instructions, shared-memory buffers are read with ldmatrix where they
    feed MMA operands, and global loads and stores are vectorized and
    bounds-predicated. Vendor instructions come from the target's
    TargetInfo. Scalar `arith`, `scf` and `index` ops are left for the
    upstream conversions that follow.

    Kernel parameters: a global tensor of rank r becomes a pointer, r sizes
    (i64) and r - 1 outer strides (i64; the innermost stride is 1);
    scalars keep their type.
  }];
  let options = [
    Option<"target", "target", "std::string", "\"sm_80\"",
           "GPU target (sm_80, sm_90a)">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
}

#endif // FA_CONVERSION_PASSES
