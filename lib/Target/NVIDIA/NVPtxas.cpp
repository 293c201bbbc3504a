//===- NVPtxas.cpp - PTX -> cubin with ptxas, and its -v report -----------===//

#include "fa/Target/NVIDIA/NVBackend.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Regex.h"

using namespace mlir;
using namespace fa;

static std::string findPtxas() {
  // FA_PTXAS names the ptxas to use (tests set it to a missing file).
  if (const char *explicitPath = std::getenv("FA_PTXAS"))
    return llvm::sys::fs::can_execute(explicitPath) ? explicitPath : "";
  if (const char *home = std::getenv("CUDA_HOME")) {
    llvm::SmallString<256> p(home);
    llvm::sys::path::append(p, "bin", "ptxas");
    if (llvm::sys::fs::can_execute(p))
      return p.str().str();
  }
  if (llvm::sys::fs::can_execute("/usr/local/cuda/bin/ptxas"))
    return "/usr/local/cuda/bin/ptxas";
  if (auto p = llvm::sys::findProgramByName("ptxas"))
    return *p;
  return {};
}

FailureOr<BinaryReport> fa::runPtxas(StringRef ptxPath, StringRef cubinPath,
                                     const GPUOptions &options,
                                     AssemblerError &error) {
  std::string ptxas = findPtxas();
  if (ptxas.empty()) {
    error.message =
        "ptxas not found (looked in $FA_PTXAS, $CUDA_HOME/bin, "
        "/usr/local/cuda/bin and PATH); the PTX was written to " +
        ptxPath.str() +
        ". Install the CUDA toolkit (e.g. the nvidia-cuda-toolkit package "
        "or CUDA 12.x/13.x from NVIDIA) or set CUDA_HOME";
    return failure();
  }
  llvm::SmallString<128> logPath;
  llvm::sys::fs::createTemporaryFile("ptxas", "log", logPath);
  std::string arch = "-arch=" + options.target;
  std::string out = cubinPath.str();
  std::string in = ptxPath.str();
  SmallVector<StringRef> args = {ptxas, arch, "-v", "-O3", in, "-o", out};
  std::optional<StringRef> redirects[] = {std::nullopt, StringRef(logPath),
                                          StringRef(logPath)};
  std::string execError;
  int rc = llvm::sys::ExecuteAndWait(ptxas, args, std::nullopt, redirects, 0, 0,
                                     &execError);
  auto log = llvm::MemoryBuffer::getFile(logPath);
  std::string text = log ? (*log)->getBuffer().str() : std::string();
  llvm::sys::fs::remove(logPath);
  if (rc != 0) {
    error.message = "ptxas failed (" + ptxas + " " + arch +
                    "): " + (execError.empty() ? text : execError);
    error.inCode = execError.empty();
    return failure();
  }
  // Parse the -v report.
  BinaryReport report;
  report.tool = ptxas;
  report.log = text;
  KernelResources *current = nullptr;
  llvm::Regex entryRe("Compiling entry function '([^']+)'");
  llvm::Regex propsRe("Function properties for ([^ \n]+)");
  llvm::Regex frameRe("([0-9]+) bytes stack frame, ([0-9]+) bytes spill "
                      "stores, ([0-9]+) bytes spill loads");
  llvm::Regex usedRe("Used ([0-9]+) registers");
  llvm::Regex smemRe("([0-9]+) bytes smem");
  // Serialized wgmma (C7510-C7519: insufficient registers, C7512; a
  // non-wgmma instruction or call in the pipeline stage, ...) or ignored
  // setmaxnreg (C7508): correct code, but the asynchrony asked for is gone.
  // ptxas tags them all "Potential Performance Loss".
  llvm::Regex perfRe("\\(C75(08|1[0-9])\\)|Potential Performance Loss");
  llvm::Regex perfFnRe("function '([^']+)'");
  SmallVector<StringRef> lines;
  StringRef(text).split(lines, '\n');
  auto number = [](StringRef s) {
    int64_t n = 0;
    (void)s.getAsInteger(10, n);
    return n;
  };
  for (StringRef line : lines) {
    SmallVector<StringRef> m;
    if (entryRe.match(line, &m) || propsRe.match(line, &m)) {
      current = &report.kernels[m[1]];
      continue;
    }
    bool perf = perfRe.match(line);
    if (line.contains("warning") || perf)
      report.warnings.push_back(line.trim().str());
    if (perf) {
      KernelResources *k = current;
      if (perfFnRe.match(line, &m))
        k = &report.kernels[m[1]];
      if (k)
        k->performanceWarnings.push_back(line.trim().str());
    }
    if (!current)
      continue;
    if (frameRe.match(line, &m)) {
      current->stackBytes = number(m[1]);
      current->spillStores = number(m[2]);
      current->spillLoads = number(m[3]);
    }
    if (usedRe.match(line, &m))
      current->registers = number(m[1]);
    if (smemRe.match(line, &m))
      current->staticSharedBytes = number(m[1]);
  }
  return report;
}
