//===- TargetInfo.cpp - the registry of GPU targets -----------------------===//

#include "fa/Target/TargetInfo.h"

#include "mlir/IR/DialectRegistry.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/ErrorHandling.h"

#include <algorithm>
#include <mutex>

namespace fa {
TargetInfo::~TargetInfo() = default;
BarrierCopyProtocol::~BarrierCopyProtocol() = default;

// Only engines that report hasConsumerRelease() are asked for these.
void BarrierCopyProtocol::initEmpty(mlir::OpBuilder &, mlir::Location,
                                    mlir::Value, int64_t) const {
  llvm_unreachable("engine has no consumer release");
}
void BarrierCopyProtocol::arriveEmpty(mlir::OpBuilder &, mlir::Location,
                                      mlir::Value, mlir::Value) const {
  llvm_unreachable("engine has no consumer release");
}
void BarrierCopyProtocol::waitEmpty(mlir::OpBuilder &, mlir::Location,
                                    mlir::Value, mlir::Value,
                                    mlir::Value) const {
  llvm_unreachable("engine has no consumer release");
}

mlir::LogicalResult TargetInfo::markDescriptorParam(mlir::Operation *func,
                                                    unsigned arg, int64_t,
                                                    int64_t) const {
  return func->emitError() << "target " << getName()
                           << " passes no descriptors (kernel argument " << arg
                           << ")";
}

bool TargetInfo::canCopyAsync(CopyEngine, const AsyncCopyRequest &,
                              std::string &why) const {
  why = ("target " + getName() + " has no asynchronous copy engine").str();
  return false;
}

// Every vendor compiled in registers its targets once, on first use of the
// registry (static initializers in archive members would be dropped by the
// linker). A new vendor adds its call here.
void registerNVIDIATargets();
void registerAMDTargets();

namespace {
struct Registry {
  std::mutex mutex;
  llvm::StringMap<TargetInfoFactory> factories;
};

Registry &storage() {
  static Registry registry;
  return registry;
}

Registry &getRegistry() {
  static std::once_flag vendors;
  std::call_once(vendors, [] {
    registerNVIDIATargets();
    registerAMDTargets();
  });
  return storage();
}
} // namespace

void registerTargetInfo(llvm::StringRef name, TargetInfoFactory factory) {
  Registry &r = storage();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.factories[name] = std::move(factory);
}

llvm::SmallVector<std::string> getRegisteredTargetNames() {
  Registry &r = getRegistry();
  std::lock_guard<std::mutex> lock(r.mutex);
  llvm::SmallVector<std::string> names;
  for (const auto &entry : r.factories)
    names.push_back(entry.getKey().str());
  llvm::sort(names);
  return names;
}

std::string getRegisteredTargetList() {
  return llvm::join(getRegisteredTargetNames(), ", ");
}

std::unique_ptr<TargetInfo> createTargetInfo(llvm::StringRef name,
                                             std::string &error) {
  Registry &r = getRegistry();
  TargetInfoFactory factory;
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.factories.find(name);
    if (it != r.factories.end())
      factory = it->second;
  }
  if (factory)
    return factory();
  error = ("unknown GPU target '" + name +
           "' (registered targets: " + getRegisteredTargetList() + ")")
              .str();
  return nullptr;
}

void registerTargetDialects(mlir::DialectRegistry &registry) {
  std::string error;
  for (const std::string &name : getRegisteredTargetNames())
    if (auto info = createTargetInfo(name, error))
      info->getDependentDialects(registry);
}
} // namespace fa
