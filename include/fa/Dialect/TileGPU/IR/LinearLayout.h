//===- LinearLayout.h - layouts as bases of register/lane bits -*- C++ -*-===//
//
// Every distributed `tilegpu` layout, applied to a tensor shape, becomes a
// linear layout: the tensor coordinate of (register r, lane l, warp w) is
// the XOR of the bases of the set bits of r, l and w. Lowerings work only
// from this form, so a new layout attribute needs only a conversion here.
//
//===----------------------------------------------------------------------===//
#ifndef FA_DIALECT_TILEGPU_IR_LINEARLAYOUT_H
#define FA_DIALECT_TILEGPU_IR_LINEARLAYOUT_H

#include "mlir/IR/Attributes.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>
#include <string>

namespace fa::tilegpu {

using Offsets = llvm::SmallVector<int64_t, 4>;

struct LinearLayout {
  llvm::SmallVector<int64_t, 4> shape;
  /// Bases of register, lane and warp bits; each is one offset per dimension.
  /// Zero register bases are dropped (no duplicate registers); zero lane and
  /// warp bases mean the data is replicated across those threads.
  llvm::SmallVector<Offsets> reg, lane, warp;

  unsigned rank() const { return shape.size(); }
  int64_t numRegs() const { return int64_t(1) << reg.size(); }
  /// Coordinate of register `r` relative to its thread's base coordinate.
  Offsets regOffset(int64_t r) const;
  /// Register index holding relative offset `off`, if any.
  std::optional<int64_t> findReg(llvm::ArrayRef<int64_t> off) const;
  /// Whether `other` places the same elements in the same lanes and warps,
  /// so converting between them only renames registers.
  bool sameThreadMapping(const LinearLayout &other) const;
  std::string str() const;

  //===--- building blocks for the layouts' toLinearLayout -------------===//
  /// An empty layout on `shape`, or std::nullopt with `error` set when a
  /// dimension is not a power of two.
  static std::optional<LinearLayout> forShape(llvm::ArrayRef<int64_t> shape,
                                              std::string &error);
  /// The offset `value` along `dim` of a rank-`rank` tensor.
  static Offsets unit(unsigned rank, unsigned dim, int64_t value);
  /// Appends `count` bases along `dim`: first, 2 first, 4 first, ...
  static void addBits(llvm::SmallVector<Offsets> &into, unsigned rank,
                      unsigned dim, int64_t first, unsigned count);
  /// Register bases repeating the pattern along `dim` from `from` on.
  void addRepeats(unsigned dim, int64_t from);
  /// Bases past the shape become zero (replication); zero register bases
  /// are dropped.
  void wrap();
};

/// Converts a distributed layout (any attribute implementing
/// DistributedLayoutAttrInterface) on `shape` to its linear layout. On
/// failure returns std::nullopt and sets `error`.
std::optional<LinearLayout> toLinearLayout(mlir::Attribute layout,
                                           llvm::ArrayRef<int64_t> shape,
                                           std::string &error);

} // namespace fa::tilegpu

#endif // FA_DIALECT_TILEGPU_IR_LINEARLAYOUT_H
