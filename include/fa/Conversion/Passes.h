//===- Passes.h - FlashTile conversion passes -------------------*- C++ -*-===//
//
// The GPU conversion passes, one per vendor, each sharing the generic
// lowerings of lib/Conversion/TileGPUToLLVM.
//
//===----------------------------------------------------------------------===//
#ifndef FA_CONVERSION_PASSES_H
#define FA_CONVERSION_PASSES_H

#include "fa/Conversion/AMD/Passes.h"
#include "fa/Conversion/NVIDIA/Passes.h"

namespace fa {
/// Registers every vendor's conversion passes.
inline void registerFAConversionPasses() {
  registerNVIDIAConversionPasses();
  registerAMDConversionPasses();
}
} // namespace fa

#endif // FA_CONVERSION_PASSES_H
