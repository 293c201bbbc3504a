//===- Passes.h - AMD conversion passes -------------------------*- C++ -*-===//
#ifndef FA_CONVERSION_AMD_PASSES_H
#define FA_CONVERSION_AMD_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/ROCDLDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace fa {
#define GEN_PASS_DECL
#include "fa/Conversion/AMD/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "fa/Conversion/AMD/Passes.h.inc"
} // namespace fa

#endif // FA_CONVERSION_AMD_PASSES_H
