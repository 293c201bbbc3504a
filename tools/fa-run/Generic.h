//===- Generic.h - fa-run on any kernel: bind, fill, run, compare -*- C++
//-*-===//
//
// fa-run's generic mode: any kernel (or sequence of kernels) of a file runs
// on inputs bound from its signature: tensors are filled with seeded random
// values (or a --fill rule), their sizes come from --size NAME=V, scalars from
// --arg NAME=V, compile-time parameters from -D. Tensors the kernels only
// write start poisoned (NaN, or 0xA5 bytes for integers). The outputs are
// compared with a reference: the same kernels on the host in f64
// (--compare host), a reference kernel written in the language run on the
// host in f64 (--reference), or reference values saved by an earlier run
// (--save-reference / --reference-data, the only kind fa-run-gpu can use).
//
// Files: Generic.cpp (options, references, comparison, saved references,
// the run), GenericPool.cpp (buffers, binding), GenericGpu.cpp (sidecars on
// the GPU): MLIR-free, fa-run-gpu builds them; GenericHost.cpp (compiling
// and JIT-running kernels) is fa-run's only.
//
//===----------------------------------------------------------------------===//
#ifndef FA_TOOLS_FA_RUN_GENERIC_H
#define FA_TOOLS_FA_RUN_GENERIC_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fa_run {

/// One dimension of a tensor argument: a symbolic size or a fixed one.
struct GenericDim {
  std::string symbol; ///< empty when fixed (or unnamed with size < 0)
  int64_t size = -1;
};

/// A kernel argument as fa-run binds it.
struct GenericArg {
  std::string name;
  bool isTensor = false;
  /// "bf16", "f16", "f32", "f64", "i1", "i8", "i16", "i32", "i64", ...
  std::string dtype;
  llvm::SmallVector<GenericDim, 4> dims; ///< tensors: one per dimension
  /// What the kernel does with a tensor (from the IR's memory effects; both
  /// false when unknown, as for a sidecar).
  bool reads = false, writes = false;
};

struct GenericKernelDesc {
  std::string name;
  std::vector<GenericArg> args;
  bool accessKnown = false;
  /// The compile-time parameters it was specialized with, as -D spells
  /// them (a reference kernel gets those it shares).
  llvm::StringMap<std::string> params;
};

/// What a tensor is to the kernel sequence.
enum class Role {
  Input,  ///< read before anything writes it: random values
  InOut,  ///< read and written by its first user (or atomically updated):
          ///< random values, compared after the run
  Output, ///< written before anything reads it: poisoned, compared
};

/// A host buffer of one element type, row-major.
struct Buffer {
  std::string dtype;
  llvm::SmallVector<int64_t, 4> shape;
  std::vector<uint8_t> bytes;
  Role role = Role::Input;
  bool written = false; ///< some kernel of the sequence writes it
  bool touched = false; ///< some kernel reads or writes it

  size_t size() const;
  unsigned elemBytes() const;
  void allocate();
  void poison();
  double get(size_t i) const;
  void set(size_t i, double v);
};

/// A scalar argument's value.
struct Scalar {
  std::string dtype;
  double value = 0;
};

/// The values bound to a kernel sequence's arguments, by name.
struct Pool {
  /// Tensors in the order they first appear in the sequence's signatures.
  std::vector<std::string> order;
  llvm::StringMap<Buffer> tensors;
  llvm::StringMap<Scalar> scalars;
};

/// A kernel sequence ready to run on one target.
class Program {
public:
  virtual ~Program();
  std::vector<GenericKernelDesc> kernels;
  /// A temporary folder (a compiled binary) removed with the program.
  std::string tmpDir;
  /// Runs every kernel once, in order, on the pool's buffers (GPU programs
  /// upload them before and download them after).
  virtual llvm::Error run(Pool &pool) = 0;
  /// Median milliseconds of `iters` launches of each kernel (GPU only).
  virtual llvm::Expected<std::vector<double>> time(Pool &pool, unsigned iters);
};

/// Everything generic mode takes from the command line.
struct GenericConfig {
  std::string file;
  std::string target;
  std::vector<std::string> kernels; ///< empty: the file's only kernel
  llvm::StringMap<std::string> defines;
  llvm::StringMap<int64_t> sizes;
  llvm::StringMap<std::string> args;
  llvm::StringMap<std::string> fills;
  uint64_t seed = 0;
  bool seedGiven = false;
  std::string compare;       ///< "host" or ""
  std::string referenceFile; ///< a reference kernel's .tile/.mlir
  std::vector<std::string> referenceKernels;
  std::string referenceData; ///< saved reference values to compare with
  std::string saveReference; ///< where to save the reference values
  bool check = false;
  double rtol = 0, atol = 0;
  unsigned timeIters = 0;
  bool tileOpt = true;
  unsigned jitOpt = 3;
  unsigned numWarps = 0, numStages = 2;
};

/// Whether any generic-mode option was given.
bool genericOptionsGiven();
/// --pad-pow2: pad tile shapes to powers of two (tile-pad-pow2, as the GPU
/// pipeline does) before the host lowering, to check that pass on the CPU.
bool padPow2Requested();
/// Reads the generic-mode options (and the shared ones passed in) into
/// `config`; reports and returns false on a malformed one.
bool readGenericOptions(GenericConfig &config);
/// Runs generic mode; returns the exit status.
int runGeneric(const GenericConfig &config);

/// Element size in bytes of a dtype fa-run can fill (0: one it cannot).
unsigned dtypeBytes(llvm::StringRef dtype);
/// bf16, f16, f32 or f64.
bool isFloatDType(llvm::StringRef dtype);
/// "4x5x6" ("scalar" for rank 0).
std::string shapeText(llvm::ArrayRef<int64_t> shape);

/// Names of the command's sizes, arguments and fills that some kernel used
/// (the others are reported as typos).
struct Used {
  llvm::StringSet<> sizes, args, fills;
};

/// Binds every argument of `kernels`: tensors sized from `config.sizes` and
/// allocated (roles from the kernels' access), scalars from `config.args`.
llvm::Error buildPool(const std::vector<GenericKernelDesc> &kernels,
                      const GenericConfig &config, Pool &pool, Used &used);
/// Fills the inputs (in order of first appearance, from one stream seeded
/// with `config.seed`, or by `config.fills`) and poisons the outputs.
llvm::Error fillPool(Pool &pool, const GenericConfig &config, Used &used);
/// Reports a size, argument or fill of the command that nothing used.
llvm::Error checkUnused(const GenericConfig &config, const Used &used);
/// A reference's pool for `kernels`: the tensors it shares with `from` (by
/// name) start with `from`'s values converted to its own types.
llvm::Error derivePool(const std::vector<GenericKernelDesc> &kernels,
                       const GenericConfig &config, const Pool &from,
                       Pool &pool, Used &used);

/// The sidecar side: loads `sidecar`'s kernels `names` for the GPU.
llvm::Expected<std::unique_ptr<Program>>
loadGpuProgram(const std::string &sidecar,
               const std::vector<std::string> &names,
               const std::string &target);

#ifndef FA_RUN_GPU_ONLY
/// The host side (GenericHost.cpp). Compiles `file`'s kernels `names` (all
/// of the file, in order, when empty) with `defines`; with `f64`, every
/// float type parameter is set to f64 (`note` says when that cannot
/// compile and the kernels' own types are used). `onlyKnownDefines` drops
/// -D values for parameters the file's kernels do not have (a reference
/// kernel shares the command's -D but need not have every parameter).
/// For `target` host the program runs JIT-compiled code; for a GPU target
/// it compiles a binary into a temporary folder and loads its sidecar.
llvm::Expected<std::unique_ptr<Program>>
compileProgram(const std::string &file, std::vector<std::string> names,
               const llvm::StringMap<std::string> &defines, bool f64,
               bool onlyKnownDefines, const GenericConfig &config,
               const std::string &target, std::string &note);
#endif

} // namespace fa_run

#endif // FA_TOOLS_FA_RUN_GENERIC_H
