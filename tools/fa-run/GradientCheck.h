//===- GradientCheck.h - fp64 attention gradients and their check -*- C++
//-*-===//
//
// What fa-run's backward check needs besides running kernels: element types,
// tensors that start as NaN, the fp64 and the plain same-precision gradients,
// and the tolerance rule. No MLIR, so that fa-run-gpu (the GPU-only build)
// shares it with the host check of Backward.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef FA_TOOLS_FA_RUN_GRADIENTCHECK_H
#define FA_TOOLS_FA_RUN_GRADIENTCHECK_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace fa_run {

enum class DType { BF16, F16, F32 };

/// Bit conversions between f32 and the 16-bit types (round to nearest even).
float bitsToFloat(uint32_t x);
uint32_t floatToBits(float f);
uint16_t floatToBF16(float f);
float bf16ToFloat(uint16_t h);
uint16_t floatToF16(float f);
float f16ToFloat(uint16_t h);
/// Rounds `v` to the nearest value of `t`.
float roundTo(float v, DType t);
/// Unit roundoff of `t` (half the distance from 1 to the next value).
double unitRoundoff(DType t);

/// Parses bf16, f16 / fp16 or f32 (the last for the host only).
bool parseDType(llvm::StringRef name, DType &out);
/// The tile/sidecar spelling: "bf16", "f16" or "f32".
const char *dtypeTileName(DType t);

/// A tensor in an element type; new tensors hold NaN so that elements a
/// kernel forgets to write fail the check.
struct Tensor {
  DType type;
  std::vector<int64_t> shape;
  std::vector<uint16_t> half;
  std::vector<float> single;

  Tensor(DType t, std::vector<int64_t> s);
  size_t size() const;
  size_t bytes() const { return size() * (type == DType::F32 ? 4 : 2); }
  void *data();
  /// Refills with NaN in place: kernels hold pointers to the storage.
  void fillNaN();
  void set(size_t i, float v);
  double get(size_t i) const;
  std::vector<double> values() const;
  bool sameBits(const Tensor &o) const;
};

/// The problem the gradients are computed for.
struct Dims {
  int64_t B, H, HKV, N, NK, D;
  bool causal;
  double scale;
  int64_t visible(int64_t i) const { return causal ? std::min(NK, i + 1) : NK; }
};

/// Fills the tensors with standard normal samples (rounded to their type),
/// in order, from `seed`.
void fillNormal(uint64_t seed, llvm::ArrayRef<Tensor *> tensors);

/// Compares dq, dk and dv with fp64 gradients of q, k, v and do under the
/// forward's rule (kernel error <= 2 x the error of a plain same-precision
/// backward + the unit roundoff); prints one line per gradient and the rule.
/// Returns whether all three pass.
bool checkGradients(const Dims &p, DType t, llvm::StringRef dtypeName,
                    const Tensor &q, const Tensor &k, const Tensor &v,
                    const Tensor &dO, const Tensor &dq, const Tensor &dk,
                    const Tensor &dv);

/// The end of a backward run (host or GPU): reports whether `repeat` runs
/// gave identical gradients, then, with `check`, checkGradients and its
/// time, and PASS or FAIL. Returns the exit code.
int finishBackward(const Dims &p, DType t, llvm::StringRef dtypeName,
                   bool check, unsigned repeat, bool identical, const Tensor &q,
                   const Tensor &k, const Tensor &v, const Tensor &dO,
                   const Tensor &dq, const Tensor &dk, const Tensor &dv);

} // namespace fa_run

#endif // FA_TOOLS_FA_RUN_GRADIENTCHECK_H
