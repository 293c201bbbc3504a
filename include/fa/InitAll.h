//===- InitAll.h - register every FlashTile dialect and pass ---*- C++ -*-===//
#ifndef FA_INITALL_H
#define FA_INITALL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace fa {
/// Adds FlashTile's dialects to `registry`.
void registerAllDialects(mlir::DialectRegistry &registry);
/// Registers the GPU back ends (fa/Target/Backend.h) under their target
/// names; the one place that lists the vendors.
void registerAllBackends();
/// Registers the back ends, FlashTile's passes and named pipelines.
void registerAllPasses();
} // namespace fa

#endif // FA_INITALL_H
