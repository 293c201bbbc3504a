//===- Backend.h - GPU back ends per vendor, by target name ----*- C++ -*-===//
//
// A Backend owns what differs by vendor on the way from `tilegpu` IR to a
// loadable binary: the passes down to the vendor's LLVM dialect module, the
// translation to assembly, the assembler that makes the binary (and reports
// registers and spills), and the vendor's part of the kernel sidecar. Back
// ends register the target names they compile for; the compile entry
// (fa/Target/Compile.h) and every tool find them by that name.
//
//===----------------------------------------------------------------------===//
#ifndef FA_TARGET_BACKEND_H
#define FA_TARGET_BACKEND_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/JSON.h"

#include <memory>
#include <string>
#include <vector>

namespace fa {

/// The configuration of one GPU compilation, every choice made.
struct GPUOptions {
  std::string target;
  unsigned numWarps = 4;
  /// Software pipelining depth of loop loads (1: none).
  unsigned numStages = 2;
  /// Matrix-instruction family for tile.dot ("auto": the target's default).
  std::string mma = "auto";
  /// Asynchronous MMAs: issue a loop's QKᵀ one iteration ahead while the
  /// asynchronous accumulators, the carried tile included, take at most this
  /// many f32 registers per thread (tilegpu-schedule-async-dots; 0: never).
  unsigned prefetchRegisters = 160;
  /// Asynchronous MMAs: defer a loop's P·V by one iteration, so that it runs
  /// during the next block's softmax (tilegpu-schedule-async-dots, overlap);
  /// loops it applies to are not prefetched.
  bool overlapDots = false;
  /// Copy engine of pipelined loads ("auto": the target's best).
  std::string copyEngine = "auto";
  /// A producer warpgroup issues the copies, the others compute (a back
  /// end's scheduling pass, Backend::buildSchedulingPipeline; NVIDIA's
  /// tilegpu-warp-specialize, for kernels whose loops all copy with TMA).
  bool warpSpecialize = false;
  /// Atomic adds of whole rows go through shared memory and the target's
  /// asynchronous row reductions (tilegpu-stage-async-reductions).
  bool asyncReductions = false;
  /// The consumer warpgroups take turns issuing their MMAs (NVIDIA's
  /// tilegpu-pingpong, after warpSpecialize, which it implies).
  bool pingpong = false;
  /// Registers per thread capped so that this many programs fit one SM
  /// (NVIDIA: .maxnreg; 0: no cap).
  unsigned minProgramsPerSM = 0;
};

/// Why assembling failed.
struct AssemblerError {
  /// What went wrong and what to do about it.
  std::string message;
  /// The assembler ran and refused the code (the error belongs at the
  /// kernel); false when the tool is missing or could not run.
  bool inCode = false;
};

/// What the assembler says about one kernel of a binary.
struct KernelResources {
  int64_t registers = 0;
  int64_t spillStores = 0;
  int64_t spillLoads = 0;
  int64_t stackBytes = 0;
  int64_t staticSharedBytes = 0;
  /// The assembler's reports of code it made slow on purpose (NVIDIA:
  /// serialized wgmma, C7510-C7519; ignored setmaxnreg, C7508).
  std::vector<std::string> performanceWarnings;
  /// Further figures of the vendor's report, by name, in its order (AMD:
  /// the code object's metadata), for the vendor's sidecar fields.
  std::vector<std::pair<std::string, int64_t>> details;
};

/// The assembler's report on a binary.
struct BinaryReport {
  /// The program that made the binary (its path), named in diagnostics.
  std::string tool;
  llvm::StringMap<KernelResources> kernels;
  std::vector<std::string> warnings;
  /// The assembler's full output.
  std::string log;
};

class Backend {
public:
  virtual ~Backend();

  /// The vendor, for messages ("NVIDIA").
  virtual llvm::StringRef getVendor() const = 0;
  /// The target names this back end compiles for.
  virtual llvm::SmallVector<llvm::StringRef> getTargets() const = 0;

  /// Loads the dialects the back end's passes create into `ctx`.
  virtual void loadDialects(mlir::MLIRContext &ctx) const = 0;

  /// Whether the back end can honour `options`; otherwise `error` names the
  /// option and why. The compile entry and the fa-opt pipelines ask before
  /// building any pass. The default refuses the switches that only some
  /// back ends implement in buildSchedulingPipeline (warpSpecialize,
  /// pingpong) rather than ignore them.
  virtual mlir::LogicalResult checkOptions(const GPUOptions &options,
                                           std::string &error) const;

  /// Adds the passes from `tile` IR (after tile-optimize) to `tilegpu`
  /// (layouts, shared memory, pipelining). The default is the generic
  /// fa::buildTileToTileGPUPipeline followed by buildSchedulingPipeline.
  virtual void buildTileGPUPipeline(mlir::OpPassManager &pm,
                                    const GPUOptions &options) const;
  /// Adds the vendor's kernel scheduling passes on `tilegpu` IR, after
  /// shared-memory allocation (the end of the generic pipeline), as
  /// `options` ask (NVIDIA: warp specialization and pingpong). The default
  /// adds none.
  virtual void buildSchedulingPipeline(mlir::OpPassManager &pm,
                                       const GPUOptions &options) const;
  /// Adds the passes from `tilegpu` to the vendor's LLVM dialect module,
  /// ready for translation to LLVM IR.
  virtual void buildLLVMPipeline(mlir::OpPassManager &pm,
                                 const GPUOptions &options) const = 0;

  /// Translates the LLVM dialect module to the vendor's assembly text.
  virtual mlir::LogicalResult
  translateToAssembly(mlir::ModuleOp llvmModule, const GPUOptions &options,
                      std::string &assembly) const = 0;

  /// Assembles the file `assemblyPath` into `binaryPath`. On failure,
  /// `error` says why and what to do.
  virtual mlir::FailureOr<BinaryReport>
  assemble(llvm::StringRef assemblyPath, llvm::StringRef binaryPath,
           const GPUOptions &options, AssemblerError &error) const = 0;

  /// File extensions (no dot) of the assembly and the binary.
  virtual llvm::StringRef getAssemblyExtension() const = 0;
  virtual llvm::StringRef getBinaryExtension() const = 0;

  /// How many accumulator registers (32-bit) a thread may hold before the
  /// rest of a kernel risks spilling; the compile entry picks the number of
  /// warps from it when none is given (see chooseNumWarps).
  virtual unsigned getAccumulatorRegisterBudget(llvm::StringRef target) const;

  /// Adds the vendor's fields to the sidecar: the binary's file name and,
  /// per kernel (`kernels`, matched by "entry"), its assembler report.
  virtual void describeBinary(llvm::json::Object &sidecar,
                              llvm::StringRef binaryFileName,
                              const BinaryReport &report) const = 0;
};

/// Registers `backend` under each of its targets. A target registered twice
/// keeps its first back end.
void registerBackend(std::unique_ptr<Backend> backend);
/// The back end of `target`, or null.
const Backend *lookupBackend(llvm::StringRef target);
/// The back end of `target`; otherwise null and `error` names the
/// registered targets.
const Backend *lookupBackend(llvm::StringRef target, std::string &error);
/// The registered target names, sorted.
llvm::SmallVector<std::string> getBackendTargets();
/// The registered target names as text: "a, b, c" (or "none").
std::string getBackendTargetList();

} // namespace fa

#endif // FA_TARGET_BACKEND_H
