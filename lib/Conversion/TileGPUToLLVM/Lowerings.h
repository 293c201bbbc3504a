//===- Lowerings.h - the generic op families of the tilegpu lowering ------===//
#ifndef FA_LIB_CONVERSION_TILEGPUTOLLVM_LOWERINGS_H
#define FA_LIB_CONVERSION_TILEGPUTOLLVM_LOWERINGS_H

#include "fa/Conversion/TileGPUToLLVM.h"
#include "fa/Conversion/TileGPUToLLVM/KernelLowering.h"

namespace fa {
void populateKernelLowerings(LoweringRegistry &registry);
void populateElementwiseLowerings(LoweringRegistry &registry);
void populateViewLowerings(LoweringRegistry &registry);
void populateReduceLowerings(LoweringRegistry &registry);
void populateLoadStoreLowerings(LoweringRegistry &registry);
void populateSharedMemoryLowerings(LoweringRegistry &registry);
void populateControlFlowLowerings(LoweringRegistry &registry);
void populateScalarLowerings(LoweringRegistry &registry);
void populateGatherLowerings(LoweringRegistry &registry);
} // namespace fa

#endif // FA_LIB_CONVERSION_TILEGPUTOLLVM_LOWERINGS_H
