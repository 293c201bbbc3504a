//===- CpAsync.h - when cp.async can copy a tile ----------------*- C++ -*-===//
//
// The one statement of the cp.async copy rule: the NVIDIA TargetInfo answers
// the pipeliner's canCopyAsync with it, and the cp.async lowering checks
// the part it relies on with it.
//
//===----------------------------------------------------------------------===//
#ifndef FA_TARGET_NVIDIA_CPASYNC_H
#define FA_TARGET_NVIDIA_CPASYNC_H

#include "fa/Dialect/TileGPU/IR/LinearLayout.h"
#include "fa/Target/TargetInfo.h"

namespace fa::nvidia {

/// Bytes one cp.async moves.
inline constexpr unsigned kCpAsyncBytes = 16;

/// Whether threads holding `ll` (a layout of `elementType` elements) can copy
/// with 16-byte vectors along the innermost dimension into a buffer whose
/// fastest-varying dimension is `bufferInner`; otherwise sets `why`.
bool canCpAsyncVectors(mlir::Type elementType, const tilegpu::LinearLayout &ll,
                       unsigned bufferInner, std::string &why);

/// The whole rule: the vectors above, plus rows that start 16-byte aligned
/// (block at offset 0 of the innermost dimension, compile-time row width a
/// multiple of 16 bytes) and zero padding (what cp.async's zero-fill gives).
bool canCpAsync(const AsyncCopyRequest &copy, std::string &why);

} // namespace fa::nvidia

#endif // FA_TARGET_NVIDIA_CPASYNC_H
