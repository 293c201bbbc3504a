//===- Backend.cpp - the registry of GPU back ends ------------------------===//

#include "fa/Target/Backend.h"

#include "fa/Target/Compile.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace fa;

Backend::~Backend() = default;

LogicalResult Backend::checkOptions(const GPUOptions &options,
                                    std::string &error) const {
  if (!options.warpSpecialize && !options.pingpong)
    return success();
  error = (llvm::Twine(options.pingpong ? "pingpong" : "warp-specialize") +
           ": the " + getVendor() + " back end (target '" + options.target +
           "') has no warp specialization")
              .str();
  return failure();
}

void Backend::buildTileGPUPipeline(OpPassManager &pm,
                                   const GPUOptions &options) const {
  buildTileToTileGPUPipeline(pm, options);
  buildSchedulingPipeline(pm, options);
}

void Backend::buildSchedulingPipeline(OpPassManager &,
                                      const GPUOptions &) const {}

// Half of a 255-register thread on the chips known so far: the rest holds
// operand fragments, addresses and the softmax state of attention kernels.
unsigned Backend::getAccumulatorRegisterBudget(StringRef) const { return 160; }

namespace {
struct Registry {
  std::vector<std::unique_ptr<Backend>> backends;
  llvm::StringMap<const Backend *> byTarget;
};
Registry &getRegistry() {
  static Registry registry;
  return registry;
}
} // namespace

void fa::registerBackend(std::unique_ptr<Backend> backend) {
  Registry &r = getRegistry();
  for (StringRef target : backend->getTargets())
    r.byTarget.try_emplace(target, backend.get());
  r.backends.push_back(std::move(backend));
}

const Backend *fa::lookupBackend(StringRef target) {
  return getRegistry().byTarget.lookup(target);
}

const Backend *fa::lookupBackend(StringRef target, std::string &error) {
  if (const Backend *b = lookupBackend(target))
    return b;
  error = ("unknown GPU target '" + target +
           "' (registered targets: " + getBackendTargetList() + ")")
              .str();
  return nullptr;
}

SmallVector<std::string> fa::getBackendTargets() {
  SmallVector<std::string> names;
  for (const auto &entry : getRegistry().byTarget)
    names.push_back(entry.getKey().str());
  llvm::sort(names);
  return names;
}

std::string fa::getBackendTargetList() {
  SmallVector<std::string> names = getBackendTargets();
  return names.empty() ? std::string("none") : llvm::join(names, ", ");
}
