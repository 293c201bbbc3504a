//===- TargetInfo.h - what a GPU target is and can do -----------*- C++ -*-===//
//
// Generic passes and the generic `tilegpu` lowering ask a TargetInfo for the
// primitives that differ by vendor (thread ids, barriers, shuffles, fast
// math, kernel attributes, address spaces) and for capabilities (warp size,
// shared-memory limit, which matrix instructions and copy engines exist).
// Instruction shapes (an MMA's fragments, a matrix load, an asynchronous
// copy) are not here: they belong to the vendor's lowerings.
//
// Targets are found by name in a registry each vendor fills
// (registerTargetInfo); tools list the registered names instead of
// spelling them.
//
//===----------------------------------------------------------------------===//
#ifndef FA_TARGET_TARGETINFO_H
#define FA_TARGET_TARGETINFO_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/Value.h"
#include "mlir/Support/LLVM.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace fa {

/// Families of warp-level (or warpgroup-level) matrix instructions.
enum class MmaKind {
  MmaSyncV2, ///< warp-synchronous m16n8k16 (Ampere and later)
  WgmmaV3,   ///< warpgroup MMA from shared memory (Hopper)
  Mfma,      ///< AMD matrix fused multiply-add (CDNA)
};

/// Ways to move a tile from global to shared memory.
enum class CopyEngine {
  Direct,  ///< loads into registers, then stores (every target)
  CpAsync, ///< per-thread asynchronous 16-byte copies
  Tma,     ///< tensor memory accelerator (bulk, descriptor-based)
};

/// A block of a global tensor to be copied into a shared-memory buffer by
/// a copy engine, described for the engine's legality rule.
struct AsyncCopyRequest {
  /// The block as a load would give it: shape, element type and the
  /// distributed layout that shares the copy among threads.
  mlir::RankedTensorType tile;
  /// The destination buffer (a `!tilegpu.smem` type).
  mlir::Type buffer;
  /// Elements in a row of the global tensor (its innermost size) when known
  /// at compile time.
  std::optional<int64_t> rowElements;
  /// The block's innermost dimension is the tensor's innermost one and
  /// starts at offset 0, so each block row starts a tensor row.
  bool rowAligned = false;
  /// Elements outside the tensor read as zero.
  bool zeroPadding = false;
};

/// The ops of a copy engine whose copies one thread issues and whose
/// completion shared-memory barriers track, one barrier per ring slot
/// (CopyEngine::Tma). The target builds its own ops; the pipeliner
/// (tilegpu-pipeline-lower-loads) only places them in stages, and the
/// expander sees ordinary ops.
class BarrierCopyProtocol {
public:
  virtual ~BarrierCopyProtocol();
  /// Byte alignment of the engine's ring buffers.
  virtual int64_t getBufferAlignment() const = 0;
  /// The slot buffer type the engine fills for a tile whose consumers asked
  /// for `wanted` (a `!tilegpu.smem` type; same shape and elements).
  virtual mlir::Type getSlotType(mlir::Type wanted) const = 0;
  /// What the kernel ABI passes for a tensor the engine copies from
  /// (`tilegpu.descriptor` on the kernel argument: the runtime builds it
  /// from the tensor), for copies of blocks `slot` of `tensor` (a memref)
  /// along tile dimensions `dims`.
  virtual mlir::DictionaryAttr describeTensor(mlir::Type tensor,
                                              llvm::ArrayRef<int64_t> dims,
                                              mlir::Type slot) const = 0;
  /// Initializes `barriers` (a ring of Nx1xi64), one thread; a CTA barrier
  /// must follow.
  virtual void init(mlir::OpBuilder &b, mlir::Location loc,
                    mlir::Value barriers) const = 0;
  /// Barrier `slot` expects `bytes` of copies (one thread arrives).
  virtual void expect(mlir::OpBuilder &b, mlir::Location loc,
                      mlir::Value barriers, mlir::Value slot,
                      int64_t bytes) const = 0;
  /// Copies the block of `base` at `offsets` along `dims` into `dst`,
  /// signalling barrier `slot`.
  virtual void copy(mlir::OpBuilder &b, mlir::Location loc, mlir::Value base,
                    mlir::ValueRange offsets, llvm::ArrayRef<int64_t> dims,
                    mlir::Value dst, mlir::Value barriers,
                    mlir::Value slot) const = 0;
  /// Every thread waits for the phase of parity `phase` (index, 0 or 1) of
  /// barrier `slot`.
  virtual void wait(mlir::OpBuilder &b, mlir::Location loc,
                    mlir::Value barriers, mlir::Value slot,
                    mlir::Value phase) const = 0;
  /// Ends the barriers' life (one thread) so their memory can be reused;
  /// CTA barriers must surround it.
  virtual void release(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value barriers) const = 0;

  // Consumer release ("empty" barriers, one per ring slot): consumers
  // arrive when done reading a slot, and the thread issuing the copies
  // waits for that before refilling it, instead of a CTA barrier.
  /// Whether the engine has them (the ops below); by default not.
  virtual bool hasConsumerRelease() const { return false; }
  /// Initializes `barriers` for one arrival per thread of the CTA
  /// (`threads`), one thread; a CTA barrier must follow.
  virtual void initEmpty(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value barriers, int64_t threads) const;
  /// Every thread arrives on barrier `slot`: it has read the slot.
  virtual void arriveEmpty(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value barriers, mlir::Value slot) const;
  /// The copy-issuing thread waits for phase parity `phase` of barrier
  /// `slot` (every consumer released the slot's previous fill).
  virtual void waitEmpty(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value barriers, mlir::Value slot,
                         mlir::Value phase) const;
};

/// On a lowered kernel function: the number of consumer threads of a
/// warp-specialized kernel (the producer warpgroup follows them).
inline constexpr llvm::StringLiteral kWarpSpecializedAttr =
    "fa.consumer_threads";

/// On a `tile.kernel` compiled for the GPU: the number of its programs that
/// must fit one multiprocessor's registers (min-programs-per-sm).
inline constexpr llvm::StringLiteral kMinProgramsPerSMAttr =
    "tilegpu.min_programs_per_sm";

/// On an asynchronous dot whose loop holds more live registers than the
/// target's lowering assumes (tilegpu-schedule-async-dots, overlap): the
/// descriptors of an operand buffer written before the loop are computed at
/// each issue instead of once before the loop and kept live.
inline constexpr llvm::StringLiteral kRecomputeDescriptorsAttr =
    "tilegpu.recompute_descriptors";

/// On a `tilegpu.dot_wait` that must stay after the operations before it in
/// its block (tilegpu-schedule-async-dots, overlap: the wait for P·V after
/// the softmax it overlaps). The NVIDIA lowering puts a CTA-scope fence
/// before it, which ptxas does not move the wait across: ptxas otherwise
/// issues the wait as early as the registers allow, inside the row maximum,
/// and the warp stalls on P·V before the exponentials.
inline constexpr llvm::StringLiteral kOrderedWaitAttr = "tilegpu.ordered_wait";

class TargetInfo {
public:
  virtual ~TargetInfo();

  /// Target name as given on the command line.
  virtual llvm::StringRef getName() const = 0;
  /// The vendor whose lowerings handle this target.
  virtual llvm::StringRef getVendor() const = 0;
  /// Threads per warp (wavefront).
  virtual unsigned getWarpSize() const = 0;
  /// Largest shared memory a CTA may use, in bytes.
  virtual int64_t getMaxSharedBytes() const = 0;
  virtual unsigned getSharedAddressSpace() const = 0;
  virtual unsigned getGlobalAddressSpace() const = 0;
  virtual bool hasMma(MmaKind kind) const = 0;
  virtual bool hasCopyEngine(CopyEngine engine) const = 0;
  /// Whether `engine` can perform `copy` (the rule its lowering enforces);
  /// otherwise sets `why`. By default no engine copies asynchronously.
  virtual bool canCopyAsync(CopyEngine engine, const AsyncCopyRequest &copy,
                            std::string &why) const;
  /// The ops of `engine` when it is a barrier-tracked engine the target
  /// has; null otherwise.
  virtual const BarrierCopyProtocol *
  getBarrierCopyProtocol(CopyEngine engine) const {
    return nullptr;
  }

  //===--- capabilities: checked before any lowering ---------------------===//
  /// Whether a matrix instruction exists for `a` x `b` accumulated into
  /// `acc` (element types and shapes); otherwise emits an error at `op`.
  virtual mlir::LogicalResult checkDot(mlir::Operation *op,
                                       mlir::RankedTensorType a,
                                       mlir::RankedTensorType b,
                                       mlir::RankedTensorType acc) const = 0;
  /// Whether element-wise `op` (arith/math on tile elements) can be lowered;
  /// otherwise emits an error at `op`.
  virtual mlir::LogicalResult checkElementwise(mlir::Operation *op) const = 0;
  /// The accumulator layout of the target's matrix instruction for a dot
  /// result of `shape` on `numWarps` warps (a vendor MMA encoding).
  virtual mlir::Attribute getDotAccumulatorLayout(mlir::MLIRContext *ctx,
                                                  llvm::ArrayRef<int64_t> shape,
                                                  unsigned numWarps) const = 0;
  /// The accumulator layout for a dot `a` x `b` -> `acc` on `numWarps`
  /// warps when the matrix-instruction family `mma` is asked for ("auto":
  /// the target's default); the default layout where that family cannot
  /// run the dot. Null for a family the target does not have (see
  /// isMmaChoice).
  virtual mlir::Attribute getDotLayoutFor(llvm::StringRef mma,
                                          mlir::RankedTensorType a,
                                          mlir::RankedTensorType b,
                                          mlir::RankedTensorType acc,
                                          unsigned numWarps) const {
    return mma == "auto" ? getDotAccumulatorLayout(acc.getContext(),
                                                   acc.getShape(), numWarps)
                         : mlir::Attribute();
  }
  /// Whether `mma` names a matrix-instruction family of the target.
  virtual bool isMmaChoice(llvm::StringRef mma) const { return mma == "auto"; }
  /// Dialects whose attributes or ops the target's choices create.
  virtual void getDependentDialects(mlir::DialectRegistry &registry) const {}

  //===--- primitives (LLVM dialect values) ------------------------------===//
  virtual mlir::Value threadId(mlir::OpBuilder &b,
                               mlir::Location loc) const = 0;
  virtual mlir::Value programId(mlir::OpBuilder &b, mlir::Location loc,
                                unsigned axis) const = 0;
  virtual mlir::Value numPrograms(mlir::OpBuilder &b, mlir::Location loc,
                                  unsigned axis) const = 0;
  /// CTA-wide barrier (in a warp-specialized kernel, one over the
  /// consumer warps only: kWarpSpecializedAttr on the function).
  virtual void barrier(mlir::OpBuilder &b, mlir::Location loc) const = 0;
  /// A barrier over every thread of the CTA, warp-specialized or not.
  virtual void barrierAll(mlir::OpBuilder &b, mlir::Location loc) const {
    barrier(b, loc);
  }
  /// The value of `v` (32-bit) held by lane `lane ^ mask`.
  virtual mlir::Value shuffleXor(mlir::OpBuilder &b, mlir::Location loc,
                                 mlir::Value v, unsigned mask) const = 0;
  /// Fast 2^x and log2(x) on f32.
  virtual mlir::Value exp2(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value x) const = 0;
  virtual mlir::Value log2(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value x) const = 0;
  /// The most elements of type `elem` one atomic add may update at
  /// contiguous, naturally aligned addresses (1: scalar atomics only).
  virtual unsigned getAtomicAddVectorWidth(mlir::Type elem) const { return 1; }
  /// Adds `values` (at most getAtomicAddVectorWidth of them, one element
  /// type) to consecutive global elements starting at `ptr`, atomically per
  /// element, with no result.
  virtual void atomicAddVector(mlir::OpBuilder &b, mlir::Location loc,
                               mlir::Value ptr,
                               mlir::ArrayRef<mlir::Value> values) const {}
  /// The byte granularity of the target's asynchronous reductions of
  /// `elem` rows from shared into global memory (tilegpu.reduce_async): a
  /// row's length must be a multiple of it, and both its addresses aligned
  /// to it. 0: the target has none for `elem` (tile.atomic_add stays
  /// per-thread atomics).
  virtual unsigned getAsyncReduceRowAlignment(mlir::Type elem) const {
    return 0;
  }
  /// Marks `func` as a kernel entry with `threads` threads per CTA.
  virtual void markKernel(mlir::Operation *func, unsigned threads) const = 0;
  /// Caps the registers of kernel `func` (`threads` threads per CTA) so
  /// that `programs` CTAs fit one multiprocessor's register file. By
  /// default targets cannot: a located error on `func`.
  virtual mlir::LogicalResult capRegisters(mlir::Operation *func,
                                           unsigned threads,
                                           unsigned programs) const {
    return func->emitError()
           << "min-programs-per-sm is not supported on this target";
  }
  /// Marks parameter `arg` of kernel `func` as a descriptor of `bytes`
  /// bytes passed by value with alignment `align` (see
  /// BarrierCopyProtocol::describeTensor). By default targets have none.
  virtual mlir::LogicalResult markDescriptorParam(mlir::Operation *func,
                                                  unsigned arg, int64_t bytes,
                                                  int64_t align) const;
};

//===--- registry ------------------------------------------------------===//

using TargetInfoFactory = std::function<std::unique_ptr<TargetInfo>()>;

/// Makes target `name` known; a vendor calls this for each of its targets.
/// A second registration of one name replaces the first.
void registerTargetInfo(llvm::StringRef name, TargetInfoFactory factory);

/// The TargetInfo for `name`, or null with `error` set (naming the
/// registered targets).
std::unique_ptr<TargetInfo> createTargetInfo(llvm::StringRef name,
                                             std::string &error);

/// Names of the registered GPU targets, sorted.
llvm::SmallVector<std::string> getRegisteredTargetNames();
/// The same names joined with ", " (for help texts and errors).
std::string getRegisteredTargetList();

/// Adds the dialects every registered target may create (for passes that
/// choose layouts or lower through a TargetInfo).
void registerTargetDialects(mlir::DialectRegistry &registry);

} // namespace fa

#endif // FA_TARGET_TARGETINFO_H
