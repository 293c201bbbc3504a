//===- NVBackend.h - the NVIDIA back end (PTX, ptxas, cubin) ---*- C++ -*-===//
#ifndef FA_TARGET_NVIDIA_NVBACKEND_H
#define FA_TARGET_NVIDIA_NVBACKEND_H

#include "fa/Target/Backend.h"

namespace fa {

/// Registers the NVIDIA back end for sm_80 and sm_90a.
void registerNVIDIABackend();

/// tilegpu -> LLVM dialect with NVVM ops, ready for translation.
void buildTileGPUToNVVMPipeline(mlir::OpPassManager &pm,
                                const GPUOptions &options);

/// LLVM dialect module -> PTX text, in-process through the NVPTX backend.
mlir::LogicalResult translateToPTX(mlir::ModuleOp llvmModule,
                                   const GPUOptions &options, std::string &ptx);

/// Runs `ptxas -v` on `ptxPath`, writing `cubinPath`; returns the parsed
/// report (per entry: registers, spills, stack, shared; warnings). A
/// missing ptxas is an error that says how to install it.
mlir::FailureOr<BinaryReport> runPtxas(llvm::StringRef ptxPath,
                                       llvm::StringRef cubinPath,
                                       const GPUOptions &options,
                                       AssemblerError &error);

} // namespace fa

#endif // FA_TARGET_NVIDIA_NVBACKEND_H
