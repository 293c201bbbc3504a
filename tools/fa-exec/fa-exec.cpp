//===- fa-exec.cpp - run one kernel on the host on tensors from files -----===//
//
//   fa-exec FILE.tile|FILE.mlir [--kernel NAME] [-D NAME=VALUE]... \
//       --tensor NAME=PATH:D0xD1x... [--scalar NAME=VALUE]... \
//       [--write NAME=PATH]...
//
// Compiles the kernel as fa-run does (front end, or `tile` IR from a .mlir
// file; tile optimizations; host lowering), binds each global tensor to the raw
// little-endian contents of a file (in the argument's element type, row-major,
// sizes given after the colon) and each scalar to a value, runs the grid on the
// CPU and writes the tensors named by --write. Tests use it to check kernels
// whose inputs must be built on purpose (sequence offsets, block tables)
// against a reference computed in Python. Every argument must be bound; errors
// name it.
//
//===----------------------------------------------------------------------===//

#include "fa/Conversion/TileToHost/Passes.h"
#include "fa/Frontend/Frontend.h"
#include "fa/Runtime/HostRunner.h"
#include "fa/Transforms/Passes.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <vector>

using namespace llvm;

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<file.tile>"),
                                      cl::Required);
static cl::opt<std::string> kernelName("kernel",
                                       cl::desc("kernel to run (default: the "
                                                "only one)"),
                                       cl::init(""));
static cl::list<std::string> defines("D", cl::Prefix,
                                     cl::desc("NAME=VALUE parameter"));
static cl::list<std::string> tensors("tensor",
                                     cl::desc("NAME=PATH:D0xD1x... input"));
static cl::list<std::string> scalars("scalar", cl::desc("NAME=VALUE"));
static cl::list<std::string> writes("write",
                                    cl::desc("NAME=PATH: write after the run"));

static int fail(const Twine &msg) {
  errs() << "fa-exec: error: " << msg << "\n";
  return 1;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "run a kernel on host tensors\n");

  fa::FrontendOptions options;
  for (StringRef d : defines) {
    auto [name, value] = d.split('=');
    if (name.empty() || !d.contains('='))
      return fail("-D " + d + ": expected NAME=VALUE");
    options.defines[name] = value.str();
  }
  options.kernelName = kernelName;
  auto file = fa::readSourceFile(inputFile);
  if (!file)
    return fail("cannot read '" + inputFile +
                "': " + toString(file.takeError()));
  SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(*file), SMLoc());
  mlir::DialectRegistry registry;
  fa::registerTileToHostDialects(registry);
  mlir::MLIRContext ctx(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module;
  if (sys::path::extension(inputFile) == ".mlir") {
    // tile IR, already specialized (say, after a pass under test).
    mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &ctx);
    module = mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &ctx);
  } else {
    module = fa::compileTileSource(sourceMgr, ctx, options);
  }
  if (!module)
    return 1;
  mlir::PassManager pm(&ctx);
  fa::buildTileOptimizationPipeline(pm);
  if (failed(pm.run(*module)))
    return fail("the tile optimizations failed");
  auto kernel = fa::HostKernel::compile(*module, kernelName);
  if (!kernel)
    return fail(toString(kernel.takeError()));

  StringMap<std::pair<std::string, SmallVector<int64_t, 4>>> tensorSpecs;
  for (StringRef t : tensors) {
    auto [name, rest] = t.split('=');
    auto [path, dims] = rest.rsplit(':');
    SmallVector<int64_t, 4> sizes;
    SmallVector<StringRef, 4> parts;
    dims.split(parts, 'x');
    for (StringRef p : parts) {
      int64_t v;
      if (p.getAsInteger(10, v) || v < 0)
        return fail("--tensor " + t + ": bad size '" + p + "'");
      sizes.push_back(v);
    }
    tensorSpecs[name] = {path.str(), sizes};
  }
  StringMap<std::string> scalarValues;
  for (StringRef s : scalars) {
    auto [name, value] = s.split('=');
    scalarValues[name] = value.str();
  }

  std::vector<std::vector<char>> storage;
  std::vector<fa::HostArg> args;
  StringMap<unsigned> storageOf;
  for (const fa::HostArgInfo &a : (*kernel)->getArgs()) {
    if (a.isBuffer) {
      auto it = tensorSpecs.find(a.name);
      if (it == tensorSpecs.end())
        return fail("no --tensor for argument '" + a.name + "'");
      auto &[path, sizes] = it->second;
      if (sizes.size() != a.rank)
        return fail("--tensor " + a.name + ": " + Twine(sizes.size()) +
                    " sizes for a tensor of rank " + Twine(a.rank));
      int64_t n = 1;
      for (int64_t s : sizes)
        n *= s;
      unsigned bytes = std::max(1u, a.elementType.getIntOrFloatBitWidth() / 8);
      auto buf = MemoryBuffer::getFile(path, /*IsText=*/false);
      if (!buf)
        return fail("cannot read '" + path + "'");
      if (int64_t((*buf)->getBufferSize()) != n * bytes)
        return fail("'" + path + "' has " + Twine((*buf)->getBufferSize()) +
                    " bytes; '" + a.name + "' needs " + Twine(n * bytes));
      storage.emplace_back((*buf)->getBufferStart(), (*buf)->getBufferEnd());
      storage.back().resize(std::max<int64_t>(n * bytes, 1));
      storageOf[a.name] = storage.size() - 1;
      args.push_back(fa::HostArg::buffer(storage.back().data(), sizes));
      continue;
    }
    auto it = scalarValues.find(a.name);
    if (it == scalarValues.end())
      return fail("no --scalar for argument '" + a.name + "'");
    StringRef text = it->second;
    if (isa<mlir::FloatType>(a.elementType)) {
      double v;
      if (text.getAsDouble(v))
        return fail("--scalar " + a.name + "=" + text + ": not a number");
      args.push_back(fa::HostArg::scalarFloat(v));
    } else {
      int64_t v;
      if (text == "true" || text == "false")
        v = text == "true";
      else if (text.getAsInteger(10, v))
        return fail("--scalar " + a.name + "=" + text + ": not an integer");
      args.push_back(fa::HostArg::scalarInt(v));
    }
  }
  if (Error e = (*kernel)->run(args))
    return fail(toString(std::move(e)));
  for (StringRef w : writes) {
    auto [name, path] = w.split('=');
    auto it = storageOf.find(name);
    if (it == storageOf.end())
      return fail("--write " + w + ": '" + name + "' is not a tensor argument");
    std::error_code ec;
    raw_fd_ostream os(path, ec, sys::fs::OF_None);
    if (ec)
      return fail("cannot write '" + path + "': " + ec.message());
    const auto &data = storage[it->second];
    os.write(data.data(), data.size());
  }
  return 0;
}
