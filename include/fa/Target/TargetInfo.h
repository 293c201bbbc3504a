//===- TargetInfo.h - the seam between generic and vendor GPU code -*- C++
//-*-===//
//
// Generic passes and the generic `tilegpu` lowering ask a TargetInfo what the
// chip can do and how to emit the few operations that differ by vendor
// (thread ids, barriers, shuffles, matrix instructions, fast math). Only
// implementations of this interface name vendor intrinsics.
//
//===----------------------------------------------------------------------===//
#ifndef FA_TARGET_TARGETINFO_H
#define FA_TARGET_TARGETINFO_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/Value.h"
#include "mlir/Support/LLVM.h"

#include <memory>
#include <string>

namespace fa {

class TargetInfo {
public:
  virtual ~TargetInfo();

  /// Target name as given on the command line (`sm_80`, `sm_90a`).
  virtual llvm::StringRef getName() const = 0;
  virtual unsigned getWarpSize() const { return 32; }
  /// Largest shared memory a CTA may use, in bytes.
  virtual int64_t getMaxSharedBytes() const = 0;

  //===--- capabilities: checked before any lowering ---------------------===//
  /// Whether a warp-level MMA exists for operands `a`, `b` and accumulator
  /// `acc`; otherwise emits an error at `op` naming what is missing.
  virtual mlir::LogicalResult checkDot(mlir::Operation *op, mlir::Type a,
                                       mlir::Type b, mlir::Type acc) const = 0;
  /// Whether element-wise `op` (arith/math on tile elements) can be lowered;
  /// otherwise emits an error at `op`.
  virtual mlir::LogicalResult checkElementwise(mlir::Operation *op) const = 0;

  //===--- code generation hooks (LLVM dialect values) -------------------===//
  virtual mlir::Value threadId(mlir::OpBuilder &b,
                               mlir::Location loc) const = 0;
  virtual mlir::Value programId(mlir::OpBuilder &b, mlir::Location loc,
                                unsigned axis) const = 0;
  virtual mlir::Value numPrograms(mlir::OpBuilder &b, mlir::Location loc,
                                  unsigned axis) const = 0;
  /// CTA-wide barrier.
  virtual void barrier(mlir::OpBuilder &b, mlir::Location loc) const = 0;
  /// The value of `v` (32-bit) held by lane `lane ^ mask`.
  virtual mlir::Value shuffleXor(mlir::OpBuilder &b, mlir::Location loc,
                                 mlir::Value v, unsigned mask) const = 0;
  /// Fast 2^x and log2(x) on f32.
  virtual mlir::Value exp2(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value x) const = 0;
  virtual mlir::Value log2(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value x) const = 0;
  /// One m16n8k16 MMA: `a` 4 x i32 (pairs of 16-bit values), `b` 2 x i32,
  /// `c` 4 x f32; returns 4 x f32.
  virtual llvm::SmallVector<mlir::Value>
  mma16816(mlir::OpBuilder &b, mlir::Location loc, mlir::Type elemType,
           mlir::ValueRange a, mlir::ValueRange bOps,
           mlir::ValueRange c) const = 0;
  /// Loads `num` (1, 2 or 4) 8x8 matrices of 16-bit elements from shared
  /// memory, each lane giving one row address (`ptr` plus `offsetBytes`, a
  /// constant); returns `num` i32 values.
  virtual llvm::SmallVector<mlir::Value>
  loadMatrix(mlir::OpBuilder &b, mlir::Location loc, mlir::Value ptr,
             int64_t offsetBytes, unsigned num, bool trans) const = 0;
  /// Starts an asynchronous 16-byte copy global -> shared; `srcBytes`
  /// (i32, 0 or 16) bytes are read, the rest is zero-filled.
  virtual void asyncCopy16(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value dst, mlir::Value src,
                           mlir::Value srcBytes) const = 0;
  virtual void asyncCommit(mlir::OpBuilder &b, mlir::Location loc) const = 0;
  /// `ptr` (a global pointer) advanced by `bytes` (i64), as an operation the
  /// LLVM optimizer cannot reassociate. A run of copies then addresses off
  /// one running pointer instead of one hoisted 64-bit offset (or induction
  /// variable) per copy, which costs registers.
  virtual mlir::Value stepPointer(mlir::OpBuilder &b, mlir::Location loc,
                                  mlir::Value ptr, mlir::Value bytes) const;
  /// Waits until at most `pending` groups are in flight.
  virtual void asyncWait(mlir::OpBuilder &b, mlir::Location loc,
                         unsigned pending) const = 0;
  /// Address space of shared memory.
  virtual unsigned getSharedAddressSpace() const = 0;
  /// Marks `func` as a kernel entry with `threads` threads per CTA.
  virtual void markKernel(mlir::Operation *func, unsigned threads) const = 0;
};

/// The TargetInfo for `name`, or null with `error` set.
std::unique_ptr<TargetInfo> createTargetInfo(llvm::StringRef name,
                                             std::string &error);

} // namespace fa

#endif // FA_TARGET_TARGETINFO_H
