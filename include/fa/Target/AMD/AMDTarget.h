//===- AMDTarget.h - the AMD back end (AMDGPU, hsaco) -----------*- C++ -*-===//
//
// CDNA chips (gfx90a, gfx942): tilegpu -> LLVM dialect with ROCDL ops ->
// AMDGPU assembly (LLVM's AMDGPU backend, in process) -> object (LLVM's MC
// assembler, in process) -> hsaco (`ld.lld -shared`, code object v5), whose
// metadata note gives the kernel resources.
//
//===----------------------------------------------------------------------===//
#ifndef FA_TARGET_AMD_AMDTARGET_H
#define FA_TARGET_AMD_AMDTARGET_H

#include "fa/Target/Backend.h"

namespace fa {

/// Registers the AMD TargetInfos (called by the TargetInfo registry).
void registerAMDTargets();
/// Registers the AMD back end for every chip of amd::getChips().
void registerAMDBackend();

namespace amd {

/// The chips FlashTile compiles for.
llvm::ArrayRef<llvm::StringRef> getChips();

/// M and N of the MFMA instruction (32: 32x32x8, 16: 16x16x16) for a dot
/// accumulator of `shape` on `chip`.
int64_t pickMfmaShape(llvm::StringRef chip, llvm::ArrayRef<int64_t> shape);

/// tilegpu -> LLVM dialect with ROCDL ops, ready for translation.
void buildTileGPUToROCDLPipeline(mlir::OpPassManager &pm,
                                 const GPUOptions &options);

/// LLVM dialect module -> AMDGPU assembly text (code object v5), in process.
mlir::LogicalResult translateToAMDGCN(mlir::ModuleOp llvmModule,
                                      const GPUOptions &options,
                                      std::string &assembly);

/// Assembles `asmPath` in process and links the object with `ld.lld
/// -shared` into the code object `hsacoPath`; returns the resources its
/// metadata gives per kernel. A missing ld.lld is an error that says how to
/// install it.
mlir::FailureOr<BinaryReport> assembleHsaco(llvm::StringRef asmPath,
                                            llvm::StringRef hsacoPath,
                                            const GPUOptions &options,
                                            AssemblerError &error);

/// One kernel's entry in the code object's metadata (NT_AMDGPU_METADATA).
struct CodeObjectKernel {
  std::string name;
  int64_t sgprs = 0, vgprs = 0, agprs = 0;
  int64_t sgprSpills = 0, vgprSpills = 0;
  int64_t scratchBytes = 0, ldsBytes = 0;
  int64_t wavefrontSize = 0, maxWorkGroupSize = 0, kernargBytes = 0;
  bool dynamicStack = false;
};

/// Reads the kernels of the metadata note of an AMDGPU ELF code object.
mlir::FailureOr<std::vector<CodeObjectKernel>>
readCodeObjectKernels(llvm::StringRef image, std::string &error);

} // namespace amd
} // namespace fa

#endif // FA_TARGET_AMD_AMDTARGET_H
