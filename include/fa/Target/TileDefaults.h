//===- TileDefaults.h - per-target defaults for kernel parameters -*- C++
//-*-===//
//
// A kernel's tile shapes and compile options are best chosen per target and
// per specialization (head dimension, ...), but the kernel source declares
// one default each. A defaults file beside the kernel (`<kernel>.defaults`)
// lists, per target, conditions on the kernel's parameters and the values to
// use when the user did not set them:
//
//   # target  conditions on parameters      : settings
//   <target>  HEAD_DIM=128                  : BLOCK_N=128 num-warps=8
//   *         HEAD_DIM=64 CAUSAL=true       : num-stages=3
//
// Conditions compare the parameters' values after the user's -D and the
// kernel's own defaults; `*` as the target matches every target. Settings
// are kernel parameters (NAME=VALUE, applied unless given with -D) and the
// compile options `num-warps`, `num-stages`, `mma`, `prefetch-registers`,
// `copy-engine`, `min-programs-per-sm`, and the switches `pingpong`,
// `overlap-dots`, `warp-specialize` and `async-reductions` (true or false),
// applied unless given on the command line. When one kernel of a file is
// compiled alone, a parameter it does not declare is left out (a line may shape
// the file's other kernels). Every matching line applies; for a setting given
// by several, the earliest line wins. docs/gpu.md describes the use.
//
//===----------------------------------------------------------------------===//
#ifndef FA_TARGET_TILEDEFAULTS_H
#define FA_TARGET_TILEDEFAULTS_H

#include "fa/Target/Compile.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

#include <string>
#include <utility>
#include <vector>

namespace fa {

struct TileDefaultRule {
  std::string target;
  llvm::SmallVector<std::pair<std::string, std::string>> when, set;
  unsigned line = 0;
};

struct TileDefaults {
  std::vector<TileDefaultRule> rules;
};

/// The compile options a defaults file may set.
bool isTileDefaultsOption(llvm::StringRef name);

/// Parses the text of a defaults file; on error returns false with `error`
/// set to "<name>:<line>: <message>".
bool parseTileDefaults(llvm::StringRef text, llvm::StringRef name,
                       TileDefaults &out, std::string &error);

/// The settings of the rules for `target` whose conditions hold for
/// `params` (parameter name -> value as written in -D), earliest rule first
/// for each setting.
llvm::StringMap<std::string>
matchTileDefaults(const TileDefaults &defaults, llvm::StringRef target,
                  const llvm::StringMap<std::string> &params);

/// The parameters of a module's kernels as -D would write them (the first
/// kernel's value wins where kernels differ): what rules are matched against.
llvm::StringMap<std::string> kernelParams(mlir::ModuleOp module);

/// Which compile options the user set explicitly: defaults never override
/// them.
struct TileDefaultsGiven {
  bool numWarps = false, numStages = false, mma = false, copyEngine = false,
       prefetchRegisters = false, pingpong = false, overlapDots = false,
       warpSpecialize = false, minProgramsPerSM = false,
       asyncReductions = false;
  /// One kernel of the file is compiled (--kernel): a parameter setting that
  /// it does not declare is left out instead of failing as an unknown -D.
  bool oneKernel = false;
};

/// Applies the defaults file `text` (named `name` in errors) for
/// `options.target` to what the user left unset: the options of matching
/// rules go into `options` (unless `given`), their kernel parameters into
/// `defines` unless already defined there; `respecialize` is set when a
/// parameter was added (the source must then be compiled again). False with
/// `error` for a malformed file or an option value out of range.
bool applyTileDefaults(llvm::StringRef text, llvm::StringRef name,
                       const llvm::StringMap<std::string> &params,
                       const TileDefaultsGiven &given, CompileOptions &options,
                       llvm::StringMap<std::string> &defines,
                       bool &respecialize, std::string &error);

} // namespace fa

#endif // FA_TARGET_TILEDEFAULTS_H
