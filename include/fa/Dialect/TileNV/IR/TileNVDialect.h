//===- TileNVDialect.h - NVIDIA layouts of the GPU back end -----*- C++ -*-===//
#ifndef FA_DIALECT_TILENV_IR_TILENVDIALECT_H
#define FA_DIALECT_TILENV_IR_TILENVDIALECT_H

#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"

#include "mlir/IR/Dialect.h"

#include "fa/Dialect/TileNV/IR/TileNVDialect.h.inc"

#define GET_ATTRDEF_CLASSES
#include "fa/Dialect/TileNV/IR/TileNVAttrs.h.inc"

#endif // FA_DIALECT_TILENV_IR_TILENVDIALECT_H
