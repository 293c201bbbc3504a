//===- Tma.h - when and how TMA copies a tile --------------------*- C++
//-*-===//
//
// The Hopper tensor memory accelerator as a copy engine (CopyEngine::Tma):
// the rule the pipeliner asks (canTma), the protocol ops it places (mbarrier
// rings, bulk tensor copies; tilenv ops), and the figures the lowering and
// the kernel ABI share.
//
//===----------------------------------------------------------------------===//
#ifndef FA_TARGET_NVIDIA_TMA_H
#define FA_TARGET_NVIDIA_TMA_H

#include "fa/Target/TargetInfo.h"

namespace fa::nvidia {

/// Bytes of a CUtensorMap, passed by value; its alignment.
inline constexpr int64_t kTensorMapBytes = 128;
inline constexpr int64_t kTensorMapAlign = 64;
/// The 128-byte swizzle: a box row is at most 128 bytes, and the pattern
/// repeats every 8 rows (1024 bytes), so buffers start 1024-byte aligned.
inline constexpr int64_t kTmaSwizzleBytes = 128;
inline constexpr int64_t kTmaBufferAlign = 1024;
/// Largest box extent along any dimension.
inline constexpr int64_t kTmaMaxBox = 256;
/// Largest tensor rank of a tiled tensor map.
inline constexpr unsigned kTmaMaxRank = 5;

/// Whether TMA can fill `copy.buffer` with `copy.tile`: 16-bit elements,
/// a 2-D buffer of 128-byte-swizzled rows (vec 8, perPhase 1, maxPhase 8)
/// of 64 elements or 64-element panels, at most 256 rows, rows of the
/// block starting rows of the tensor, whose width is a multiple of 16
/// bytes, and zero padding; otherwise sets `why`.
bool canTma(const AsyncCopyRequest &copy, std::string &why);

/// The TMA protocol ops (tilenv mbarrier and tma_load ops).
const BarrierCopyProtocol &getTmaProtocol();

} // namespace fa::nvidia

#endif // FA_TARGET_NVIDIA_TMA_H
