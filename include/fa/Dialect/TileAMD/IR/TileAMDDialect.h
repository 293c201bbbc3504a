//===- TileAMDDialect.h - AMD layouts of the GPU back end -------*- C++ -*-===//
#ifndef FA_DIALECT_TILEAMD_IR_TILEAMDDIALECT_H
#define FA_DIALECT_TILEAMD_IR_TILEAMDDIALECT_H

#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"

#include "mlir/IR/Dialect.h"

#include "fa/Dialect/TileAMD/IR/TileAMDDialect.h.inc"

#define GET_ATTRDEF_CLASSES
#include "fa/Dialect/TileAMD/IR/TileAMDAttrs.h.inc"

#endif // FA_DIALECT_TILEAMD_IR_TILEAMDDIALECT_H
