//===- Patterns.h - pattern sets shared by the host lowering passes -------===//
#ifndef FA_LIB_CONVERSION_TILETOHOST_PATTERNS_H
#define FA_LIB_CONVERSION_TILETOHOST_PATTERNS_H

#include "mlir/IR/PatternMatch.h"

namespace fa {
/// Masked load/store/atomic_add to unmasked ones plus selects, and
/// `tile.load_scalar` to a guarded `memref.load` (MaskedAccess.cpp).
void populateTileHostMaskedAccessPatterns(mlir::RewritePatternSet &patterns);
} // namespace fa

#endif // FA_LIB_CONVERSION_TILETOHOST_PATTERNS_H
