//===- NVIDIALowerings.h - NVIDIA lowerings of tilegpu ops ------*- C++ -*-===//
#ifndef FA_LIB_CONVERSION_TILEGPUTOLLVM_NVIDIA_NVIDIALOWERINGS_H
#define FA_LIB_CONVERSION_TILEGPUTOLLVM_NVIDIA_NVIDIALOWERINGS_H

#include "fa/Conversion/TileGPUToLLVM/KernelLowering.h"

namespace fa::nvidia {
/// tile.dot as mma.sync m16n8k16.
void populateDotLowerings(LoweringRegistry &registry);
/// tile.dot as wgmma (sm_90a) for #tilenv.mma version 3 accumulators.
void populateWgmmaLowerings(LoweringRegistry &registry);
/// local_load of mma.sync operands as ldmatrix (overrides the generic one).
void populateLoadMatrixLowerings(LoweringRegistry &registry);
/// async_copy / async_commit / async_wait as cp.async.
void populateAsyncCopyLowerings(LoweringRegistry &registry);
/// tilenv mbarrier and tma_load ops (the TMA copy protocol, sm_90a).
void populateTmaLowerings(LoweringRegistry &registry);
void populateBulkReduceLowerings(LoweringRegistry &registry);
/// The generic lowerings, then the NVIDIA ones.
void populateLowerings(LoweringRegistry &registry);

/// Two 16-bit values packed into one i32 (lo in the low half), and back.
mlir::Value packPair(KernelLowering &kl, mlir::Value lo, mlir::Value hi);
std::pair<mlir::Value, mlir::Value>
unpackPair(KernelLowering &kl, mlir::Value packed, mlir::Type elem);
} // namespace fa::nvidia

#endif // FA_LIB_CONVERSION_TILEGPUTOLLVM_NVIDIA_NVIDIALOWERINGS_H
