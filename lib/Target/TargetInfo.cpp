//===- TargetInfo.cpp - pick the TargetInfo for a target name -------------===//

#include "fa/Target/TargetInfo.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace fa {
TargetInfo::~TargetInfo() = default;

mlir::Value TargetInfo::stepPointer(mlir::OpBuilder &b, mlir::Location loc,
                                    mlir::Value ptr, mlir::Value bytes) const {
  return mlir::LLVM::GEPOp::create(b, loc, ptr.getType(), b.getI8Type(), ptr,
                                   bytes);
}

std::unique_ptr<TargetInfo> createNVIDIATargetInfo(llvm::StringRef name);

std::unique_ptr<TargetInfo> createTargetInfo(llvm::StringRef name,
                                             std::string &error) {
  if (auto nv = createNVIDIATargetInfo(name))
    return nv;
  error =
      ("unknown GPU target '" + name + "' (expected sm_80 or sm_90a)").str();
  return nullptr;
}
} // namespace fa
