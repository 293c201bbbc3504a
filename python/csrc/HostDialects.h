//===- HostDialects.h - dialects for the host lowering ---------*- C++ -*-===//
#ifndef FLASHTILE_HOSTDIALECTS_H
#define FLASHTILE_HOSTDIALECTS_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace ft {
/// The dialects and interface models the host lowering and the JIT use (a
/// subset of fa::registerTileToHostDialects).
void registerHostDialects(mlir::DialectRegistry &registry);
} // namespace ft

#endif // FLASHTILE_HOSTDIALECTS_H
