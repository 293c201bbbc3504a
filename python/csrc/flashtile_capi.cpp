//===- flashtile_capi.cpp - libflashtile's C API --------------------------===//
//
// The Python package's compiler and runtime (flashtile_capi.h): the `.tile`
// front end, fa::compileKernel for GPU binaries, fa::HostKernel for the CPU
// and fa::GpuKernel for sidecar-checked launches. Errors never abort: each
// entry point returns non-zero with the diagnostics in ft_last_error().
//
//===----------------------------------------------------------------------===//

#include "flashtile_capi.h"
#include "HostDialects.h"

#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Frontend/Frontend.h"
#include "fa/InitAll.h"
#include "fa/Runtime/CudaRuntime.h"
#include "fa/Runtime/GpuKernel.h"
#include "fa/Runtime/HostRunner.h"
#include "fa/Target/Backend.h"
#include "fa/Target/Compile.h"
#include "fa/Target/TileDefaults.h"
#include "fa/Transforms/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#define FT_API extern "C" __attribute__((visibility("default")))

#ifndef FT_COMMIT
#define FT_COMMIT "unknown"
#endif
#ifndef FT_LLVM_VERSION
#define FT_LLVM_VERSION "unknown"
#endif

using namespace llvm;

namespace {

thread_local std::string lastError;

int fail(const Twine &message) {
  lastError = message.str();
  return 1;
}

char *copyString(StringRef s) {
  char *p = static_cast<char *>(std::malloc(s.size() + 1));
  if (!p)
    return nullptr;
  std::memcpy(p, s.data(), s.size());
  p[s.size()] = 0;
  return p;
}

/// Back ends register once per process.
void initialize() {
  static std::once_flag once;
  std::call_once(once, [] { fa::registerAllBackends(); });
}

std::unique_ptr<mlir::MLIRContext> makeContext() {
  mlir::DialectRegistry registry;
  fa::registerAllDialects(registry);
  ft::registerHostDialects(registry);
  // One compile is one thread's work; a thread pool per context would only
  // compete with the caller's threads.
  return std::make_unique<mlir::MLIRContext>(
      registry, mlir::MLIRContext::Threading::DISABLED);
}

/// Parses "NAME=VALUE" lines into `defines`; false (with the error set) on a
/// malformed line.
bool parseDefines(const char *text, StringMap<std::string> &defines) {
  SmallVector<StringRef> lines;
  StringRef(text ? text : "").split(lines, '\n', -1, /*KeepEmpty=*/false);
  for (StringRef line : lines) {
    auto [name, value] = line.split('=');
    if (!line.contains('=') || name.trim().empty() || value.trim().empty()) {
      fail("a specialization must be NAME=VALUE, got '" + line + "'");
      return false;
    }
    auto [it, inserted] = defines.try_emplace(name.trim(), value.trim().str());
    if (!inserted && it->second != value.trim()) {
      fail("specialization " + name.trim() +
           " is given twice with different values");
      return false;
    }
  }
  return true;
}

/// A source parsed into `tile` IR, with the diagnostics of every later step
/// rendered against it (file:line:col and the source line).
struct Source {
  std::unique_ptr<mlir::MLIRContext> context = makeContext();
  SourceMgr sourceMgr;
  std::string diagnostics;
  raw_string_ostream diagOs{diagnostics};
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::unique_ptr<mlir::SourceMgrDiagnosticHandler> handler;

  /// False with the error set when the source does not compile.
  bool parse(const char *text, size_t size, const char *filename,
             const char *kernel, const char *defines) {
    if (!text)
      return fail("no source text"), false;
    if (size > fa::kMaxSourceBytes)
      return fail("the source is larger than 16 MiB"), false;
    fa::FrontendOptions options;
    if (!parseDefines(defines, options.defines))
      return false;
    options.kernelName = kernel ? kernel : "";
    options.diagnostics = &diagOs;
    sourceMgr.AddNewSourceBuffer(
        MemoryBuffer::getMemBufferCopy(StringRef(text, size),
                                       filename && *filename ? filename
                                                             : "<source>"),
        SMLoc());
    module = fa::compileTileSource(sourceMgr, *context, options);
    if (!module)
      return fail(diagnostics.empty() ? "the source does not compile"
                                      : StringRef(diagnostics).rtrim()),
             false;
    handler = std::make_unique<mlir::SourceMgrDiagnosticHandler>(
        sourceMgr, context.get(), diagOs);
    context->printOpOnDiagnostic(false);
    return true;
  }
};

std::string typeName(mlir::Type type) {
  std::string s;
  raw_string_ostream os(s);
  os << type;
  return s;
}

json::Value attrToJson(mlir::Attribute attr) {
  if (auto b = dyn_cast<mlir::BoolAttr>(attr))
    return b.getValue();
  if (auto i = dyn_cast<mlir::IntegerAttr>(attr))
    return i.getInt();
  if (auto f = dyn_cast<mlir::FloatAttr>(attr))
    return f.getValueAsDouble();
  if (auto t = dyn_cast<mlir::TypeAttr>(attr))
    return typeName(t.getValue());
  if (auto s = dyn_cast<mlir::StringAttr>(attr))
    return s.str();
  std::string s;
  raw_string_ostream os(s);
  os << attr;
  return s;
}

json::Object paramsToJson(mlir::DictionaryAttr params) {
  json::Object o;
  if (params)
    for (mlir::NamedAttribute a : params)
      o[a.getName().str()] = attrToJson(a.getValue());
  return o;
}

json::Object argToJson(std::string name, bool tensor, mlir::Type elementType,
                       unsigned rank, ArrayRef<fa::HostDim> dims) {
  json::Array jdims;
  for (const fa::HostDim &d : dims) {
    if (d.symbol.empty())
      jdims.push_back(d.size);
    else
      jdims.push_back(d.symbol);
  }
  return json::Object{{"name", std::move(name)},
                      {"tensor", tensor},
                      {"dtype", typeName(elementType)},
                      {"rank", rank},
                      {"dims", std::move(jdims)}};
}

/// The signature of a kernel op, as ft_inspect describes it.
json::Object describeKernel(fa::tile::KernelOp kernel) {
  json::Array args;
  for (unsigned i = 0, e = kernel.getArgumentTypes().size(); i < e; ++i) {
    mlir::Type type = kernel.getArgumentTypes()[i];
    mlir::DictionaryAttr attrs;
    if (mlir::ArrayAttr all = kernel.getArgAttrsAttr())
      attrs = dyn_cast_or_null<mlir::DictionaryAttr>(all[i]);
    auto nameAttr =
        attrs ? attrs.getAs<mlir::StringAttr>("tile.name") : mlir::StringAttr();
    std::string name = nameAttr ? nameAttr.str() : ("arg" + Twine(i)).str();
    SmallVector<fa::HostDim> dims;
    if (auto d = attrs ? attrs.getAs<mlir::ArrayAttr>("tile.dims")
                       : mlir::ArrayAttr()) {
      for (mlir::Attribute a : d) {
        fa::HostDim dim;
        if (auto s = dyn_cast<mlir::StringAttr>(a))
          dim.symbol = s.str();
        else if (auto n = dyn_cast<mlir::IntegerAttr>(a))
          dim.size = n.getInt();
        dims.push_back(dim);
      }
    }
    if (auto mem = dyn_cast<mlir::MemRefType>(type))
      args.push_back(
          argToJson(name, true, mem.getElementType(), mem.getRank(), dims));
    else
      args.push_back(argToJson(name, false, type, 0, dims));
  }
  return json::Object{{"name", kernel.getSymName().str()},
                      {"params", paramsToJson(kernel.getParamsAttr())},
                      {"args", std::move(args)}};
}

std::string toJsonText(json::Value v) {
  std::string s;
  raw_string_ostream os(s);
  os << v;
  return s;
}

/// Checks the C argument list; false (with the error set) when malformed.
bool checkArgs(int nargs, const ft_arg *args) {
  if (nargs < 0 || (nargs > 0 && !args))
    return fail("malformed argument list"), false;
  for (int i = 0; i < nargs; ++i) {
    const ft_arg &a = args[i];
    if (a.kind == FT_ARG_TENSOR &&
        (a.rank < 0 || a.rank > 16 || (a.rank && (!a.sizes || !a.strides))))
      return fail("argument " + Twine(i) + ": malformed tensor"), false;
    if (a.kind != FT_ARG_TENSOR && a.kind != FT_ARG_FLOAT &&
        a.kind != FT_ARG_INT)
      return fail("argument " + Twine(i) + ": unknown kind"), false;
  }
  return true;
}

/// The arguments as fa::HostArg or fa::GpuArg (`Arg`), after checkArgs.
template <typename Arg>
std::vector<Arg> convertArgs(int nargs, const ft_arg *args) {
  std::vector<Arg> out;
  for (int i = 0; i < nargs; ++i) {
    const ft_arg &a = args[i];
    if (a.kind == FT_ARG_TENSOR) {
      ArrayRef<int64_t> sizes(a.sizes, a.rank), strides(a.strides, a.rank);
      if constexpr (std::is_same_v<Arg, fa::HostArg>)
        out.push_back(fa::HostArg::buffer(a.data, sizes, strides));
      else
        out.push_back(fa::GpuArg::tensor(reinterpret_cast<uintptr_t>(a.data),
                                         sizes, strides));
    } else if (a.kind == FT_ARG_FLOAT) {
      out.push_back(Arg::scalarFloat(a.f));
    } else {
      out.push_back(Arg::scalarInt(a.i));
    }
  }
  return out;
}

} // namespace

struct ft_host_kernel {
  std::unique_ptr<mlir::MLIRContext> context;
  std::unique_ptr<fa::HostKernel> kernel;
  std::mutex mutex; // runs of one kernel share its JIT state
};

struct ft_gpu_kernel {
  std::unique_ptr<fa::GpuKernel> kernel;
  int device = -1;
  std::mutex mutex;
};

FT_API const char *ft_version(void) {
  return FT_COMMIT " llvm " FT_LLVM_VERSION;
}

FT_API const char *ft_last_error(void) { return lastError.c_str(); }

FT_API void ft_free(void *p) { std::free(p); }

FT_API const char *ft_targets(void) {
  initialize();
  static std::string list = [] {
    std::string s;
    for (const std::string &t : fa::getBackendTargets())
      s += (s.empty() ? "" : ",") + t;
    return s;
  }();
  return list.c_str();
}

FT_API int ft_inspect(const char *source, size_t size, const char *filename,
                      const char *defines, char **json) {
  if (!json)
    return fail("no result pointer");
  initialize();
  Source src;
  if (!src.parse(source, size, filename, "", defines))
    return 1;
  json::Array kernels;
  for (auto k : src.module->getOps<fa::tile::KernelOp>())
    kernels.push_back(describeKernel(k));
  *json = copyString(toJsonText(std::move(kernels)));
  return *json ? 0 : fail("out of memory");
}

FT_API int ft_compile_gpu(const char *source, size_t size, const char *filename,
                          const char *kernel, const char *defines,
                          const char *target, unsigned num_warps,
                          unsigned num_stages, const char *defaults,
                          const char *defaults_name, int fail_on_spill,
                          const char *output, char **log) {
  initialize();
  if (log)
    *log = nullptr;
  if (!target || !*target)
    return fail("no GPU target given");
  std::string error;
  if (!fa::lookupBackend(target, error))
    return fail(error);
  if (num_stages > 8)
    return fail("num_stages must be between 1 and 8, got " + Twine(num_stages));
  if (!output || !*output)
    return fail("no output path given");
  if (failed(fa::prepareBinaryOutput(output, error)))
    return fail(error);
  auto src = std::make_unique<Source>();
  if (!src->parse(source, size, filename, kernel, defines))
    return 1;
  fa::CompileOptions options;
  options.target = target;
  if (num_warps)
    options.numWarps = num_warps;
  if (num_stages)
    options.numStages = num_stages;
  if (defaults) {
    // The defaults file fills in what the caller left unset; kernel
    // parameters among its settings mean parsing the source again.
    fa::TileDefaultsGiven given;
    given.numWarps = num_warps != 0;
    given.numStages = num_stages != 0;
    given.oneKernel = kernel && *kernel;
    StringMap<std::string> all;
    if (!parseDefines(defines, all))
      return 1;
    bool respecialize = false;
    std::string error;
    if (!fa::applyTileDefaults(defaults,
                               defaults_name ? defaults_name : "<defaults>",
                               fa::kernelParams(*src->module), given, options,
                               all, respecialize, error))
      return fail(error);
    if (respecialize) {
      std::string text;
      for (auto &entry : all)
        text += entry.getKey().str() + "=" + entry.getValue() + "\n";
      src = std::make_unique<Source>();
      if (!src->parse(source, size, filename, kernel, text.c_str()))
        return 1;
    }
  }
  Source &s = *src;
  // Diagnostics about the module as a whole (ptxas, an unknown target) have
  // no place in the source: written as plain lines.
  mlir::ScopedDiagnosticHandler unlocated(
      s.context.get(), [&](mlir::Diagnostic &diag) -> mlir::LogicalResult {
        if (!isa<mlir::UnknownLoc>(diag.getLocation()))
          return mlir::failure();
        s.diagOs << (diag.getSeverity() == mlir::DiagnosticSeverity::Error
                         ? "error: "
                     : diag.getSeverity() == mlir::DiagnosticSeverity::Warning
                         ? "warning: "
                         : "note: ")
                 << diag << "\n";
        for (mlir::Diagnostic &note : diag.getNotes())
          s.diagOs << "note: " << note << "\n";
        return mlir::success();
      });
  options.failOnSpill = fail_on_spill != 0;
  options.emit = fa::EmitStage::Binary;
  if (failed(fa::compileKernel(*s.module, options, output)))
    return fail("compiling for " + Twine(target) + " failed:\n" +
                StringRef(s.diagnostics).rtrim());
  if (log)
    *log = copyString(s.diagnostics);
  return 0;
}

FT_API int ft_host_compile(const char *source, size_t size,
                           const char *filename, const char *kernel,
                           const char *defines, unsigned opt_level,
                           ft_host_kernel **out) {
  if (!out)
    return fail("no result pointer");
  *out = nullptr;
  initialize();
  Source src;
  // The whole file: its specializations may name parameters of kernels
  // other than the one run (the backward's kernels share one set).
  if (!src.parse(source, size, filename, "", defines))
    return 1;
  {
    // The tile optimizations every target runs first (fa-run does too).
    mlir::PassManager pm(src.context.get());
    fa::buildTileOptimizationPipeline(pm);
    if (failed(pm.run(*src.module)))
      return fail("the tile optimizations failed:\n" +
                  StringRef(src.diagnostics).rtrim());
  }
  auto compiled = fa::HostKernel::compile(*src.module, kernel ? kernel : "",
                                          opt_level > 3 ? 3 : opt_level);
  if (!compiled)
    return fail(toString(compiled.takeError()));
  auto result = std::make_unique<ft_host_kernel>();
  result->kernel = std::move(*compiled);
  // The kernel's signature holds types of this context.
  result->context = std::move(src.context);
  src.module = nullptr;
  src.handler.reset();
  *out = result.release();
  return 0;
}

FT_API int ft_host_describe(ft_host_kernel *kernel, char **json) {
  if (!kernel || !json)
    return fail("null kernel or result pointer");
  json::Array args;
  for (const fa::HostArgInfo &a : kernel->kernel->getArgs())
    args.push_back(
        argToJson(a.name, a.isBuffer, a.elementType, a.rank, a.dims));
  json::Object o{{"name", kernel->kernel->getName().str()},
                 {"params", paramsToJson(kernel->kernel->getParams())},
                 {"args", std::move(args)}};
  *json = copyString(toJsonText(std::move(o)));
  return *json ? 0 : fail("out of memory");
}

FT_API int ft_host_check(ft_host_kernel *kernel, int nargs,
                         const ft_arg *args) {
  if (!kernel)
    return fail("null kernel");
  if (!checkArgs(nargs, args))
    return 1;
  std::vector<fa::HostArg> values = convertArgs<fa::HostArg>(nargs, args);
  if (Error e = kernel->kernel->check(values))
    return fail(toString(std::move(e)));
  return 0;
}

FT_API int ft_host_run(ft_host_kernel *kernel, int nargs, const ft_arg *args) {
  if (!kernel)
    return fail("null kernel");
  if (!checkArgs(nargs, args))
    return 1;
  std::vector<fa::HostArg> values = convertArgs<fa::HostArg>(nargs, args);
  std::lock_guard<std::mutex> lock(kernel->mutex);
  if (Error e = kernel->kernel->run(values))
    return fail(toString(std::move(e)));
  return 0;
}

FT_API void ft_host_destroy(ft_host_kernel *kernel) { delete kernel; }

FT_API int ft_gpu_load(const char *sidecar_path, const char *entry,
                       ft_gpu_kernel **out) {
  if (!out || !sidecar_path)
    return fail("null sidecar path or result pointer");
  *out = nullptr;
  auto kernel = fa::GpuKernel::load(sidecar_path, entry ? entry : "");
  if (!kernel)
    return fail(toString(kernel.takeError()));
  auto result = std::make_unique<ft_gpu_kernel>();
  result->kernel = std::move(*kernel);
  *out = result.release();
  return 0;
}

FT_API int ft_gpu_check(ft_gpu_kernel *kernel, int nargs, const ft_arg *args,
                        unsigned grid[3]) {
  if (!kernel)
    return fail("null kernel");
  if (!checkArgs(nargs, args))
    return 1;
  std::vector<fa::GpuArg> values = convertArgs<fa::GpuArg>(nargs, args);
  if (Error e = kernel->kernel->validate(values))
    return fail(toString(std::move(e)));
  auto g = kernel->kernel->grid(values);
  if (!g)
    return fail(toString(g.takeError()));
  if (grid)
    std::copy(g->begin(), g->end(), grid);
  return 0;
}

FT_API int ft_gpu_launch(ft_gpu_kernel *kernel, int device, void *stream,
                         int nargs, const ft_arg *args) {
  if (!kernel)
    return fail("null kernel");
  if (!checkArgs(nargs, args))
    return 1;
  std::vector<fa::GpuArg> values = convertArgs<fa::GpuArg>(nargs, args);
  std::lock_guard<std::mutex> lock(kernel->mutex);
  if (kernel->device < 0) {
    if (Error e = kernel->kernel->ensureLoaded(device))
      return fail(toString(std::move(e)));
    kernel->device = device;
  } else if (kernel->device != device) {
    return fail("kernel '" + kernel->kernel->getEntry() +
                "' was loaded on device " + Twine(kernel->device) +
                ", not device " + Twine(device));
  }
  if (Error e = kernel->kernel->launchAsync(values, stream))
    return fail(toString(std::move(e)));
  return 0;
}

FT_API void ft_gpu_destroy(ft_gpu_kernel *kernel) { delete kernel; }

FT_API int ft_device_capability(int device, int *cc) {
  if (!cc)
    return fail("null result pointer");
  if (fa_rt_init(device) || fa_rt_compute_capability(cc))
    return fail(fa_rt_last_error());
  return 0;
}
