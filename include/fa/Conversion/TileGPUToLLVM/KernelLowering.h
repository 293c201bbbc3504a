//===- KernelLowering.h - lowering tilegpu kernels op by op -----*- C++ -*-===//
//
// A kernel is lowered by walking its body once, in order, and keeping for
// every tile the per-thread register values its linear layout gives. Each op
// is lowered by a function found in a LoweringRegistry by op name: the
// generic ones (populateGenericLowerings) and a vendor's, registered after
// them, which are tried first and may decline an op (then the next one
// registered for the name is tried, ending with the generic one).
//
//===----------------------------------------------------------------------===//
#ifndef FA_CONVERSION_TILEGPUTOLLVM_KERNELLOWERING_H
#define FA_CONVERSION_TILEGPUTOLLVM_KERNELLOWERING_H

#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Dialect/TileGPU/IR/LinearLayout.h"
#include "fa/Dialect/TileGPU/IR/ModuleTarget.h"
#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"
#include "fa/Target/TargetInfo.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/StringMap.h"

#include <functional>
#include <map>

namespace fa {

class KernelLowering;

/// The external symbol whose address is the CTA's dynamic shared memory.
inline constexpr const char *kSharedSymbol = "fa_smem";

/// Lowers one op; emits a located error on failure.
using OpLoweringFn =
    std::function<mlir::LogicalResult(mlir::Operation *, KernelLowering &)>;
/// Whether a lowering takes `op` (a vendor's may leave it to the generic).
using OpLoweringGuard =
    std::function<bool(mlir::Operation *, KernelLowering &)>;

class LoweringRegistry {
public:
  /// Adds a lowering for ops named `key` (`tile.dot`), or for every op of a
  /// dialect when `key` is a dialect namespace (`arith`). Later additions
  /// are tried first.
  void add(llvm::StringRef key, OpLoweringFn fn, OpLoweringGuard applies = {});
  /// Adds `fn` for ops of type OpT.
  template <typename OpT>
  void add(mlir::LogicalResult (*fn)(OpT, KernelLowering &),
           OpLoweringGuard applies = {}) {
    add(
        OpT::getOperationName(),
        [fn](mlir::Operation *op, KernelLowering &kl) {
          return fn(llvm::cast<OpT>(op), kl);
        },
        std::move(applies));
  }
  /// Lowers `op` with the first applicable lowering; a located error
  /// naming the op and the target when there is none.
  mlir::LogicalResult lower(mlir::Operation *op, KernelLowering &kl) const;

private:
  struct Entry {
    OpLoweringFn fn;
    OpLoweringGuard applies;
  };
  llvm::StringMap<llvm::SmallVector<Entry, 2>> entries;
};

/// Registers the lowerings every target shares.
void populateGenericLowerings(LoweringRegistry &registry);

/// A tile whose registers are produced on demand, a slice of its K
/// dimension at a time: an operand read only by a matrix instruction is
/// loaded one K step at a time inside it, so its registers are live for
/// that step only. `consumer` materializes it step by step; any other user
/// gets all registers before it is lowered.
struct LazyTile {
  mlir::Operation *consumer;
  /// Fills the registers of K step `kStep` (std::nullopt: all) into `regs`.
  std::function<mlir::LogicalResult(std::optional<int64_t> kStep,
                                    llvm::SmallVector<mlir::Value> &regs)>
      produce;
};

class KernelLowering {
public:
  KernelLowering(tile::KernelOp kernel, const TargetInfo &target,
                 const LoweringRegistry &registry, unsigned numWarps);

  /// Builds the kernel function and lowers the body.
  mlir::LogicalResult run();
  /// Lowers the ops of `block` (not its terminator) at the insertion point.
  mlir::LogicalResult lowerBlock(mlir::Block &block);

  /// A kernel argument that is a global tensor.
  struct Global {
    mlir::Value ptr;
    llvm::SmallVector<mlir::Value> sizes, strides; // i64; strides.back() is 1
    mlir::Type elem;
    /// The copy descriptor passed by value for it (a pointer to it), if
    /// any (KernelABIParam::Descriptor).
    mlir::Value descriptor;
  };

  tile::KernelOp kernel;
  const TargetInfo &target;
  const LoweringRegistry &registry;
  unsigned numWarps;
  mlir::OpBuilder b;
  mlir::Location loc;
  mlir::MLIRContext *ctx;
  /// Lowered values of scalars.
  mlir::IRMapping map;
  /// Per-thread registers of tiles (one value for shared buffers: the base).
  llvm::DenseMap<mlir::Value, llvm::SmallVector<mlir::Value>> regs;
  /// Tiles whose registers are produced on demand (see LazyTile).
  llvm::DenseMap<mlir::Value, LazyTile> lazy;
  llvm::DenseMap<mlir::Value, Global> globals;
  mlir::Value lane, warp, smem;
  std::map<std::pair<const void *, const void *>, tilegpu::LinearLayout>
      layoutCache;

  /// Produces the registers of lazy tile `v` for K step `kStep` (all when
  /// std::nullopt) into regs[v]; nothing for other values. Errors are
  /// located at `user`.
  mlir::LogicalResult materialize(mlir::Operation *user, mlir::Value v,
                                  std::optional<int64_t> kStep);

  //===--- small helpers -------------------------------------------------===//
  mlir::Value c32(int64_t v);
  mlir::Value c64(int64_t v);
  mlir::Value add(mlir::Value x, mlir::Value y);
  mlir::Value mul(mlir::Value x, mlir::Value y);
  mlir::Value andi(mlir::Value x, mlir::Value y);
  /// Bit `i` of `x` (i32, 0 or 1).
  mlir::Value bit(mlir::Value x, unsigned i);
  mlir::Value allTrue(llvm::ArrayRef<mlir::Value> preds);
  mlir::Type ptrTy(unsigned addressSpace);
  mlir::Type sharedPtrTy() { return ptrTy(target.getSharedAddressSpace()); }
  mlir::Type globalPtrTy() { return ptrTy(target.getGlobalAddressSpace()); }

  /// The linear layout of tile type `type`; a located error at `op` when it
  /// has none or it does not fit the target's warp.
  const tilegpu::LinearLayout *layoutOf(mlir::Operation *op, mlir::Type type);
  /// The calling thread's coordinate in `ll` (one i32 per dimension).
  llvm::SmallVector<mlir::Value> threadCoords(const tilegpu::LinearLayout &ll,
                                              bool lanes = true,
                                              bool warps = true);
  /// True in exactly one of the threads holding each element (stores and
  /// atomics from replicated layouts must happen once).
  mlir::Value ownerPredicate(const tilegpu::LinearLayout &ll);
  /// Number of leading register bits that step by 1, 2, 4, ... along `dim`.
  static int64_t contiguousRegs(const tilegpu::LinearLayout &ll, unsigned dim,
                                int64_t limit);
  /// Result registers picked from `src` registers by offset mapping.
  mlir::LogicalResult
  remap(mlir::Operation *op, mlir::Value src, mlir::Value result,
        llvm::function_ref<tilegpu::Offsets(const tilegpu::Offsets &)> toSrc);

  /// Element offset in a shared buffer of the coordinate t + c (thread
  /// part t, constant part c).
  mlir::Value sharedOffset(tilegpu::SharedLayoutAttrInterface enc,
                           llvm::ArrayRef<int64_t> shape,
                           llvm::ArrayRef<mlir::Value> t,
                           llvm::ArrayRef<int64_t> c);
  /// The same offset as a runtime part and a constant part.
  std::pair<mlir::Value, int64_t>
  sharedOffsetParts(tilegpu::SharedLayoutAttrInterface enc,
                    llvm::ArrayRef<int64_t> shape,
                    llvm::ArrayRef<mlir::Value> t, llvm::ArrayRef<int64_t> c);

  /// Addressing shared by global loads, stores, atomics and asynchronous
  /// copies of a block of `g` at `offsets`: the block's base pointer,
  /// whether the offsets of squeezed (non-tile) dimensions are in bounds,
  /// and per tile dimension the in-bounds extent and the stride (i32).
  struct BlockAddress {
    mlir::Value basePtr, squeezeOk;
    llvm::SmallVector<mlir::Value> lim, stride32;
  };
  BlockAddress addressBlock(const Global &g, mlir::Type elem,
                            mlir::ValueRange offsets,
                            llvm::ArrayRef<int64_t> tileDims);
  /// The global tensor behind `base`; a located error at `op` otherwise.
  Global *lookupGlobal(mlir::Operation *op, mlir::Value base);
};

/// Lowers every `tile.kernel` of `module` to an LLVM function with
/// `registry`, for the target the module's #tilegpu.target names (or
/// `defaultTarget` when it has none), which must be one of `vendor`'s.
mlir::LogicalResult lowerTileGPUKernels(mlir::ModuleOp module,
                                        const LoweringRegistry &registry,
                                        llvm::StringRef defaultTarget,
                                        llvm::StringRef vendor);

} // namespace fa

#endif // FA_CONVERSION_TILEGPUTOLLVM_KERNELLOWERING_H
