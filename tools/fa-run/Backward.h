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
/// declared in BackwardGpu.cpp, which every fa-run build has.
bool backwardRequested();
/// --forward: the forward kernel's file ("" when not given).
const std::string &backwardForwardFile();
/// --deterministic.
bool backwardDeterministic();
/// --repeat.
unsigned backwardRepeat();

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
  /// "host" or a GPU target.
  std::string target;
  /// GPU compilation from sources (0 warps: the compiler's choice).
  unsigned numWarps, numStages;
};

/// Runs and checks the backward on the host; prints the report on stdout and
/// errors on stderr. Returns the exit status: 0 on PASS (or no check), 1 on
/// FAIL or any error.
int runBackward(const BackwardConfig &config);

/// Compiles the backward file (all its kernels) and the forward file for
/// config.target into a new temporary folder `tmpDir`; sets the two
/// sidecars' paths. Returns the exit status. Needs MLIR (Backward.cpp).
int compileBackwardForGpu(const BackwardConfig &config, std::string &bwdSidecar,
                          std::string &fwdSidecar, std::string &tmpDir);

/// Runs the forward kernel flash_fwd of `fwdSidecar`, then the backward
/// kernels of `bwdSidecar` (flash_bwd_preprocess, flash_bwd, then flash_bwd_dq
/// or flash_bwd_dq_convert as flash_bwd was compiled DETERMINISTIC or not) on
/// the GPU, after checking the sidecars' specializations against the
/// command; --repeat and the check as on the host. Needs no MLIR
/// (BackwardGpu.cpp). Returns the exit status.
int runBackwardOnGpu(const BackwardConfig &config,
                     const std::string &bwdSidecar,
                     const std::string &fwdSidecar);

} // namespace fa_run

#endif // FA_TOOLS_FA_RUN_BACKWARD_H
