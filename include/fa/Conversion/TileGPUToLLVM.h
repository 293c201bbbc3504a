//===- TileGPUToLLVM.h - kernel ABI of lowering and sidecar ---*- C++ -*-===//
#ifndef FA_CONVERSION_TILEGPUTOLLVM_H
#define FA_CONVERSION_TILEGPUTOLLVM_H

#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "llvm/ADT/SmallVector.h"

namespace fa {

/// One parameter of a lowered kernel, in launch order.
struct KernelABIParam {
  enum Kind { Pointer, Size, Stride, Descriptor, Scalar };
  unsigned arg; ///< index of the `tile.kernel` argument it comes from
  Kind kind;
  unsigned dim;    ///< tensor dimension for sizes and strides
  mlir::Type type; ///< scalar type (i64 for sizes and strides)
  /// A descriptor's `tilegpu.descriptor` attribute (bytes, align, and what
  /// the runtime needs to build it).
  mlir::DictionaryAttr descriptor = {};
};

/// A global tensor of rank r passes a pointer, r sizes and r - 1 outer
/// strides (the innermost stride is 1), then, when its kernel argument has
/// a `tilegpu.descriptor` (a copy engine's, set by the pipeliner), that
/// descriptor by value; scalars pass themselves.
llvm::SmallVector<KernelABIParam> getKernelABI(tile::KernelOp kernel);

/// Attribute `name` of kernel argument `i`, if present and of type T.
template <typename T>
T getKernelArgAttr(tile::KernelOp kernel, unsigned i, llvm::StringRef name) {
  std::optional<mlir::ArrayAttr> all = kernel.getArgAttrs();
  if (!all || i >= all->size())
    return {};
  auto dict = llvm::dyn_cast<mlir::DictionaryAttr>((*all)[i]);
  return dict ? dict.getAs<T>(name) : T();
}

} // namespace fa

#endif // FA_CONVERSION_TILEGPUTOLLVM_H
