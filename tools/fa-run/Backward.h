//===- Backward.h - fa-run --backward: check attention gradients -*- C++
//-*-===//
//
// fa-run's backward mode: runs the forward kernel to get o and lse, then the
// backward kernels of a `.tile` file (kernels/flash_bwd.tile's contract) on
// the host, and compares dq, dk and dv with fp64 gradients under the
// forward's tolerance rule. Kept apart from fa-run.cpp, which only calls
// runBackward.
//
//===----------------------------------------------------------------------===//
#ifndef FA_TOOLS_FA_RUN_BACKWARD_H
#define FA_TOOLS_FA_RUN_BACKWARD_H

#include <cstdint>
#include <string>

namespace fa_run {

/// Whether the command asked for the backward (--backward). The backward's
/// own options (--backward, --forward, --deterministic, --repeat) are
/// declared in Backward.cpp.
bool backwardRequested();

/// The options fa-run shares with the forward check.
struct BackwardConfig {
  /// The backward kernels' `.tile` file.
  std::string backwardFile;
  int64_t B, H, HKV, N, NK, D;
  bool causal;
  /// "bf16", "fp16" or "f32".
  std::string dtype;
  uint64_t seed;
  /// 0: the kernels' defaults.
  int64_t blockM, blockN;
  bool check;
  bool tileOpt;
  unsigned jitOpt;
};

/// Runs and checks the backward on the host; prints the report on stdout and
/// errors on stderr. Returns the exit status: 0 on PASS (or no check), 1 on
/// FAIL or any error.
int runBackward(const BackwardConfig &config);

} // namespace fa_run

#endif // FA_TOOLS_FA_RUN_BACKWARD_H
