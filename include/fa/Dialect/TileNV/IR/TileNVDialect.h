//===- TileNVDialect.h - NVIDIA layouts of the GPU back end -----*- C++ -*-===//
#ifndef FA_DIALECT_TILENV_IR_TILENVDIALECT_H
#define FA_DIALECT_TILENV_IR_TILENVDIALECT_H

#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "fa/Dialect/TileNV/IR/TileNVDialect.h.inc"

#define GET_ATTRDEF_CLASSES
#include "fa/Dialect/TileNV/IR/TileNVAttrs.h.inc"

#define GET_OP_CLASSES
#include "fa/Dialect/TileNV/IR/TileNVOps.h.inc"

#endif // FA_DIALECT_TILENV_IR_TILENVDIALECT_H
