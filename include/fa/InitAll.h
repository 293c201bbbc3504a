//===- InitAll.h - register every FlashTile dialect and pass ---*- C++ -*-===//
#ifndef FA_INITALL_H
#define FA_INITALL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace fa {
/// Adds FlashTile's dialects to `registry`.
void registerAllDialects(mlir::DialectRegistry &registry);
/// Registers FlashTile's passes and named pipelines with the pass registry.
void registerAllPasses();
} // namespace fa

#endif // FA_INITALL_H
