//===- Compile.h - the one GPU compile entry of every tool -----*- C++ -*-===//
//
// fa-compile, fa-run and fa-gpu compile `tile` IR for a GPU through
// fa::compileKernel: tile-optimize, the back end's pipelines, its assembly
// and binary, and the JSON sidecar.
//
//===----------------------------------------------------------------------===//
#ifndef FA_TARGET_COMPILE_H
#define FA_TARGET_COMPILE_H

#include "fa/Target/Backend.h"

namespace fa {

/// The stage compileKernel stops at.
enum class EmitStage {
  TileGPU,  ///< `tilegpu` IR (layouts, shared memory)
  LLVM,     ///< the vendor's LLVM dialect module
  Assembly, ///< assembly text (PTX)
  Binary,   ///< binary (cubin), its assembly and the sidecar
};

struct CompileOptions {
  /// A registered target name (getBackendTargets()).
  std::string target;
  /// Warps per program; 0: chosen from the kernels (chooseNumWarps).
  unsigned numWarps = 0;
  /// Software pipelining depth of loop loads (1: none).
  unsigned numStages = 2;
  /// Matrix-instruction family for tile.dot ("auto": the target's default).
  std::string mma = "auto";
  /// See GPUOptions::prefetchRegisters.
  unsigned prefetchRegisters = 160;
  /// See GPUOptions::overlapDots.
  bool overlapDots = false;
  /// Copy engine of pipelined loads ("auto": the target's best; "Tma",
  /// "CpAsync", "none").
  std::string copyEngine = "auto";
  /// See GPUOptions::warpSpecialize.
  bool warpSpecialize = false;
  /// See GPUOptions::asyncReductions.
  bool asyncReductions = false;
  /// See GPUOptions::pingpong.
  bool pingpong = false;
  /// See GPUOptions::minProgramsPerSM.
  unsigned minProgramsPerSM = 0;
  EmitStage emit = EmitStage::Binary;
  /// Run the target-independent tile optimizations (tile-optimize) first,
  /// as every target does; only tests of unoptimized code turn this off.
  bool tileOptimize = true;
  /// A kernel that spills registers or has a stack frame is an error, not
  /// a warning.
  bool failOnSpill = false;
};

struct CompiledKernel {
  /// The configuration used (warps chosen when none was given).
  GPUOptions options;
  /// The printed IR (TileGPU, LLVM stages) or the assembly.
  std::string text;
  /// Binary stage: the binary and the sidecar describing it.
  std::string binary;
  llvm::json::Object sidecar;
  BinaryReport report;
};

/// Compiles a `tile` module (it is rewritten in place) for
/// `options.target` up to `options.emit`. With an `output` path the result
/// is also written there: the IR or assembly (`-` is standard output), or
/// for the binary stage the binary, its assembly next to it (written before
/// the assembler runs) and `<output>.json`. Without one, the binary is made
/// in a temporary folder that is removed. Errors are emitted at the module
/// or the offending op.
mlir::FailureOr<CompiledKernel> compileKernel(mlir::ModuleOp module,
                                              const CompileOptions &options,
                                              llvm::StringRef output = {});

/// Prepares `path` to receive a binary, which comes with its assembly and a
/// `.json` sidecar beside it: the path must be a regular file (not a device
/// such as /dev/null), and the binary and sidecar of an earlier compile are
/// removed, so that a failure cannot leave a stale sidecar next to new
/// assembly. On failure `error` says why.
mlir::LogicalResult prepareBinaryOutput(llvm::StringRef path,
                                        std::string &error);

/// Warps per program for `module` when the user gives none: the fewest of
/// 4, 8, 16 such that the f32 dot results of one loop body (the MMA
/// accumulators live at once) need at most `budget` registers per thread,
/// and each warp keeps at least 16 rows of the smallest dot.
unsigned chooseNumWarps(mlir::ModuleOp module, unsigned threadsPerWarp,
                        unsigned budget);

/// tile -> tilegpu: layouts, conversions, pipelining, shared memory (the
/// generic passes; Backend::buildTileGPUPipeline adds the back end's
/// scheduling passes after them).
void buildTileToTileGPUPipeline(mlir::OpPassManager &pm,
                                const GPUOptions &options);

/// What a launcher needs to know about each kernel of a `tilegpu` module:
/// entry, parameters (ABI), grid rule, threads, shared memory. Errors are
/// emitted at the offending op.
mlir::FailureOr<llvm::json::Array> describeKernels(mlir::ModuleOp tilegpu,
                                                   const GPUOptions &options,
                                                   unsigned threadsPerWarp);

/// Registers the named pipelines `fa-tile-to-tilegpu` and
/// `fa-tile-to-llvm-gpu` (options `target`, `num-warps`, `num-stages`).
void registerGPUPipelines();

} // namespace fa

#endif // FA_TARGET_COMPILE_H
