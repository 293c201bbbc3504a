//===- AMDLowerings.h - AMD lowerings of tilegpu ops ------------*- C++ -*-===//
#ifndef FA_LIB_CONVERSION_TILEGPUTOLLVM_AMD_AMDLOWERINGS_H
#define FA_LIB_CONVERSION_TILEGPUTOLLVM_AMD_AMDLOWERINGS_H

#include "fa/Conversion/TileGPUToLLVM/KernelLowering.h"

namespace fa::amd {
/// tile.dot as MFMA (32x32x8 or 16x16x16, bf16/f16 with f32 accumulation)
/// for #tileamd.mfma accumulators.
void populateMfmaLowerings(LoweringRegistry &registry);
/// The generic lowerings, then the AMD ones.
void populateLowerings(LoweringRegistry &registry);
} // namespace fa::amd

#endif // FA_LIB_CONVERSION_TILEGPUTOLLVM_AMD_AMDLOWERINGS_H
