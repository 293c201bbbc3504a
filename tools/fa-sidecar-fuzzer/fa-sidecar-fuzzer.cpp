//===- fa-sidecar-fuzzer.cpp - libFuzzer target for the sidecar reader ----===//
//
// Feeds arbitrary bytes to fa::GpuKernel::parse, the reader of the JSON kernel
// sidecars that fa-run and fa-run-gpu launch from. What it accepts is then
// used as a launcher would, without a GPU: arguments are made up from the
// parameters (fixed sizes as given, named sizes from the input), checked
// (validate), the grid rule is evaluated and the ABI marshalled. Errors are
// expected; any crash, sanitizer report, leak or hang is a bug. Run it with
// scripts/fuzz.sh.
//
//===----------------------------------------------------------------------===//

#include "fa/Runtime/GpuKernel.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

// LLVM's headers poison and unpoison allocator memory when they are compiled
// with ASan, as this target is; the (uninstrumented) LLVM and MLIR libraries
// do not, so the two would disagree on what is poisoned and ASan would report
// false use-after-poison errors. Manual poisoning is therefore off; ASan's
// own checks (heap, stack, globals) are unaffected.
extern "C" const char *__asan_default_options() {
  return "allow_user_poisoning=0";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  auto kernel = fa::GpuKernel::parse(text, "/fuzz/k.json");
  if (!kernel) {
    llvm::consumeError(kernel.takeError());
    return 0;
  }
  // Sizes for named dimensions, derived from the input so that the grid rule
  // sees varied values (including 0 and large ones).
  llvm::StringMap<int64_t> symbols;
  uint64_t seed = size;
  for (size_t i = 0; i < size && i < 64; ++i)
    seed = seed * 1099511628211ull ^ data[i];
  std::vector<fa::GpuArg> args;
  for (const fa::GpuParam &p : (*kernel)->getParams()) {
    if (!p.isTensor) {
      args.push_back(fa::GpuArg::scalarInt(int64_t(seed % 1000) - 10));
      continue;
    }
    llvm::SmallVector<int64_t, 4> sizes;
    for (unsigned d = 0; d < p.rank; ++d) {
      if (p.dimSizes[d] >= 0) {
        sizes.push_back(p.dimSizes[d]);
        continue;
      }
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      int64_t fresh = int64_t(seed >> 40) % 5000;
      if (p.dimSymbols[d].empty())
        sizes.push_back(fresh);
      else
        sizes.push_back(
            symbols.try_emplace(p.dimSymbols[d], fresh).first->second);
    }
    args.push_back(fa::GpuArg::tensor(/*ptr=*/4096, sizes));
  }
  if (llvm::Error e = (*kernel)->validate(args)) {
    llvm::consumeError(std::move(e));
    return 0;
  }
  auto grid = (*kernel)->grid(args);
  if (!grid) {
    llvm::consumeError(grid.takeError());
    return 0;
  }
  std::vector<uint64_t> storage;
  std::vector<void *> pointers;
  if (llvm::Error e = (*kernel)->marshal(args, storage, pointers))
    llvm::consumeError(std::move(e));
  return 0;
}
