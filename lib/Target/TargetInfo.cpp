//===- TargetInfo.cpp - pick the TargetInfo for a target name -------------===//

#include "fa/Target/TargetInfo.h"

namespace fa {
TargetInfo::~TargetInfo() = default;

std::unique_ptr<TargetInfo> createNVIDIATargetInfo(llvm::StringRef name);

std::unique_ptr<TargetInfo> createTargetInfo(llvm::StringRef name,
                                             std::string &error) {
  if (auto nv = createNVIDIATargetInfo(name))
    return nv;
  error = ("unknown GPU target '" + name + "' (expected sm_80 or sm_90a)").str();
  return nullptr;
}
} // namespace fa
