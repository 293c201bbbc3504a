//===- GenericHost.cpp - fa-run generic mode: compile and JIT kernels ----===//
//
// The MLIR side of fa-run's generic mode (Generic.h): compiles a `.tile` or
// `.mlir` file's kernels, optionally with every float type parameter set to
// f64, reads each kernel's signature and what it reads and writes (memory
// effects on its arguments), and runs them on the host, or compiles them
// for a GPU target and hands the sidecar to the GPU side.
//
//===----------------------------------------------------------------------===//

#include "Generic.h"

#include "fa/Conversion/TileToHost/Passes.h"
#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Frontend/Frontend.h"
#include "fa/InitAll.h"
#include "fa/Runtime/HostRunner.h"
#include "fa/Target/Compile.h"
#include "fa/Transforms/Passes.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace fa_run {
namespace {

Error err(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

/// The element type's name as the sidecar spells it.
std::string dtypeOf(mlir::Type t) {
  if (t.isBF16())
    return "bf16";
  if (t.isF16())
    return "f16";
  if (t.isF32())
    return "f32";
  if (t.isF64())
    return "f64";
  if (t.isIndex())
    return "i64";
  if (auto i = dyn_cast<mlir::IntegerType>(t))
    return (i.isUnsigned() ? "u" : "i") + std::to_string(i.getWidth());
  std::string s;
  raw_string_ostream os(s);
  os << t;
  return s;
}

/// Kernels of a `.tile` file and their compile-time parameters, in order,
/// from the syntax tree (no -D needed, so a parameter without a default
/// does not stop it).
struct FileParams {
  std::vector<std::string> kernels;
  StringMap<StringSet<>> params;
};

Expected<FileParams> readFileParams(SourceMgr &sourceMgr) {
  std::string ast, diags;
  raw_string_ostream os(ast), ds(diags);
  fa::FrontendOptions options;
  options.diagnostics = &ds;
  if (failed(fa::dumpTileAST(sourceMgr, os, options)))
    return err(diags);
  FileParams result;
  SmallVector<StringRef> lines;
  StringRef(ast).split(lines, '\n');
  for (StringRef line : lines) {
    if (line.consume_front("kernel ")) {
      result.kernels.push_back(line.split(' ').first.str());
      result.params[result.kernels.back()];
    } else if (line.consume_front("  param ") && !result.kernels.empty()) {
      StringRef name =
          line.take_while([](char c) { return isAlnum(c) || c == '_'; });
      result.params[result.kernels.back()].insert(name);
    }
  }
  return result;
}

/// The kernel sequence compiled for the host.
class HostProgram : public Program {
public:
  std::unique_ptr<mlir::MLIRContext> ctx;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::vector<std::unique_ptr<fa::HostKernel>> compiled;

  Error run(Pool &pool) override {
    for (auto [desc, kernel] : llvm::zip(kernels, compiled)) {
      std::vector<fa::HostArg> values;
      for (const GenericArg &a : desc.args) {
        if (a.isTensor) {
          Buffer &b = pool.tensors[a.name];
          values.push_back(fa::HostArg::buffer(b.bytes.data(), b.shape));
        } else {
          const Scalar &s = pool.scalars[a.name];
          bool isFloat = a.dtype[0] == 'f' || a.dtype == "bf16";
          values.push_back(
              isFloat ? fa::HostArg::scalarFloat(s.value)
                      : fa::HostArg::scalarInt(static_cast<int64_t>(s.value)));
        }
      }
      if (Error e = kernel->run(values))
        return err("running kernel '" + desc.name +
                   "' failed: " + toString(std::move(e)));
    }
    return Error::success();
  }
};

/// The compile-time parameter's value as -D spells it.
std::string paramText(mlir::Attribute a) {
  std::string s;
  if (auto i = dyn_cast<mlir::IntegerAttr>(a))
    return i.getType().isInteger(1) ? (i.getInt() ? "true" : "false")
                                    : std::to_string(i.getInt());
  if (auto b = dyn_cast<mlir::BoolAttr>(a))
    return b.getValue() ? "true" : "false";
  if (auto t = dyn_cast<mlir::TypeAttr>(a)) {
    raw_string_ostream os(s);
    os << t.getValue();
  }
  return s;
}

/// Fills `desc` from the kernel's signature and its memory effects.
GenericKernelDesc describe(fa::tile::KernelOp kernel,
                           const fa::HostKernel *host) {
  GenericKernelDesc desc;
  desc.name = kernel.getSymName().str();
  desc.accessKnown = true;
  SmallVector<fa::HostArgInfo> infos;
  if (host)
    infos.assign(host->getArgs().begin(), host->getArgs().end());
  if (mlir::DictionaryAttr ps = kernel.getParamsAttr())
    for (mlir::NamedAttribute p : ps)
      desc.params[p.getName().strref()] = paramText(p.getValue());
  mlir::Block &body = kernel.getBody().front();
  for (unsigned i = 0, e = kernel.getArgumentTypes().size(); i < e; ++i) {
    GenericArg a;
    mlir::Type type = kernel.getArgumentTypes()[i];
    mlir::DictionaryAttr attrs;
    if (mlir::ArrayAttr all = kernel.getArgAttrsAttr())
      attrs = dyn_cast_or_null<mlir::DictionaryAttr>(all[i]);
    auto name =
        attrs ? attrs.getAs<mlir::StringAttr>("tile.name") : mlir::StringAttr();
    a.name = name ? name.str() : ("arg" + Twine(i)).str();
    if (auto mem = dyn_cast<mlir::MemRefType>(type)) {
      a.isTensor = true;
      a.dtype = dtypeOf(mem.getElementType());
      auto dims =
          attrs ? attrs.getAs<mlir::ArrayAttr>("tile.dims") : mlir::ArrayAttr();
      for (int64_t d = 0; d < mem.getRank(); ++d) {
        GenericDim dim;
        if (dims && d < static_cast<int64_t>(dims.size())) {
          if (auto s = dyn_cast<mlir::StringAttr>(dims[d]))
            dim.symbol = s.str();
          else if (auto n = dyn_cast<mlir::IntegerAttr>(dims[d]))
            dim.size = n.getInt();
        } else if (!mem.isDynamicDim(d)) {
          dim.size = mem.getDimSize(d);
        }
        a.dims.push_back(dim);
      }
    } else {
      a.dtype = dtypeOf(type);
    }
    desc.args.push_back(a);
  }
  // What each argument is used for: memory effects on the body's block
  // arguments (loads read, stores write, atomics do both). An op that takes
  // an argument without saying what it does counts as both.
  kernel.getBody().walk([&](mlir::Operation *op) {
    auto touch = [&](mlir::Value v, bool r, bool w) {
      auto ba = dyn_cast<mlir::BlockArgument>(v);
      if (!ba || ba.getOwner() != &body ||
          ba.getArgNumber() >= desc.args.size())
        return;
      desc.args[ba.getArgNumber()].reads |= r;
      desc.args[ba.getArgNumber()].writes |= w;
    };
    if (auto mem = dyn_cast<mlir::MemoryEffectOpInterface>(op)) {
      SmallVector<mlir::MemoryEffects::EffectInstance> effects;
      mem.getEffects(effects);
      for (auto &e : effects)
        if (mlir::Value v = e.getValue())
          touch(v, isa<mlir::MemoryEffects::Read>(e.getEffect()),
                isa<mlir::MemoryEffects::Write>(e.getEffect()));
      return;
    }
    if (op->hasTrait<mlir::OpTrait::HasRecursiveMemoryEffects>())
      return;
    for (mlir::Value v : op->getOperands())
      if (isa<mlir::MemRefType>(v.getType()))
        touch(v, true, true);
  });
  return desc;
}

} // namespace

Expected<std::unique_ptr<Program>>
compileProgram(const std::string &file, std::vector<std::string> names,
               const StringMap<std::string> &defines, bool f64,
               bool onlyKnownDefines, const GenericConfig &config,
               const std::string &target, std::string &note) {
  auto buffer = fa::readSourceFile(file);
  if (!buffer)
    return err("cannot read '" + file + "': " + toString(buffer.takeError()));
  SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(*buffer), SMLoc());
  StringRef ext = sys::path::extension(file);
  if (ext != ".tile" && ext != ".mlir")
    return err("'" + file + "': expected a .tile or .mlir file");

  mlir::DialectRegistry registry;
  fa::registerTileToHostDialects(registry);
  auto ctx = std::make_unique<mlir::MLIRContext>(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module;

  if (ext == ".tile") {
    auto params = readFileParams(sourceMgr);
    if (!params)
      return err(toString(params.takeError()));
    if (names.empty())
      names = params->kernels;
    for (const std::string &n : names)
      if (!params->params.count(n)) {
        std::string have;
        for (const std::string &k : params->kernels)
          have += (have.empty() ? "" : ", ") + k;
        return err("'" + file + "' has no kernel '" + n +
                   "' (kernels: " + have + ")");
      }
    StringMap<std::string> used;
    for (const auto &d : defines) {
      bool known = false;
      for (const std::string &n : names)
        known |= params->params[n].contains(d.getKey());
      if (known || !onlyKnownDefines)
        used[d.getKey()] = d.getValue();
    }
    auto compile = [&](const StringMap<std::string> &ds, raw_ostream *diag) {
      fa::FrontendOptions options;
      options.defines = ds;
      options.diagnostics = diag;
      if (names.size() == 1)
        options.kernelName = names[0];
      auto m = fa::compileTileSource(sourceMgr, *ctx, options);
      // Kernels the sequence does not run are dropped.
      if (m)
        for (auto k :
             llvm::make_early_inc_range(m->getOps<fa::tile::KernelOp>()))
          if (!llvm::is_contained(names, k.getSymName()))
            k.erase();
      return m;
    };
    module = compile(used, nullptr);
    if (!module)
      return err("compiling '" + file + "' failed");
    if (f64) {
      // Every float type parameter of the run kernels is widened.
      std::vector<std::string> typeParams;
      for (auto k : module->getOps<fa::tile::KernelOp>())
        if (mlir::DictionaryAttr ps = k.getParamsAttr())
          for (mlir::NamedAttribute p : ps)
            if (auto t = dyn_cast<mlir::TypeAttr>(p.getValue()))
              if (isa<mlir::FloatType>(t.getValue()) && !t.getValue().isF64() &&
                  !llvm::is_contained(typeParams, p.getName().str()))
                typeParams.push_back(p.getName().str());
      if (typeParams.empty()) {
        note = "no float type parameter: the kernels' own types";
      } else {
        // The widest float type that compiles: f64, else f32 (dot takes
        // no f64), else the kernels' own types.
        std::string why;
        for (StringRef type : {"f64", "f32"}) {
          StringMap<std::string> ds = used;
          for (const std::string &name : typeParams)
            ds[name] = type.str();
          std::string diags;
          raw_string_ostream os(diags);
          if (auto m = compile(ds, &os)) {
            module = std::move(m);
            note = ("float type parameters set to " + type + why).str();
            break;
          }
          why += (why.empty() ? " (" : "; ") + type.str() + ": " +
                 StringRef(diags).split('\n').first.str();
        }
        if (note.empty())
          note = "the kernels' own types" + why + ")";
        else if (!why.empty())
          note += ")";
      }
    }
  } else {
    mlir::SourceMgrDiagnosticHandler handler(sourceMgr, ctx.get());
    module = mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, ctx.get());
    if (!module)
      return err("cannot parse '" + file + "'");
    if (names.empty())
      for (auto k : module->getOps<fa::tile::KernelOp>())
        names.push_back(k.getSymName().str());
    for (const std::string &n : names) {
      auto k = module->lookupSymbol<fa::tile::KernelOp>(n);
      if (!k)
        return err("'" + file + "' has no tile.kernel @" + n);
      // tile IR is specialized already: a -D must agree with it.
      for (const auto &d : defines) {
        mlir::DictionaryAttr ps = k.getParamsAttr();
        mlir::Attribute have = ps ? ps.get(d.getKey()) : mlir::Attribute();
        if (!have) {
          if (onlyKnownDefines)
            continue;
          return err("'" + file + "' kernel '" + n + "' has no parameter " +
                     d.getKey());
        }
        if (paramText(have) != d.getValue())
          return err("'" + file + "' is specialized with " + d.getKey() +
                     " = " + paramText(have) + ", but the command asks for " +
                     d.getValue() +
                     " (tile IR cannot be re-specialized; use a .tile source)");
      }
    }
    if (f64)
      note = "tile IR cannot be re-specialized: the kernels' own types";
  }
  if (names.empty())
    return err("'" + file + "' has no kernel");

  if (config.tileOpt || padPow2Requested()) {
    mlir::PassManager pm(ctx.get());
    if (config.tileOpt)
      fa::buildTileOptimizationPipeline(pm);
    if (padPow2Requested())
      pm.addPass(fa::createTilePadPow2());
    if (failed(pm.run(*module)))
      return err("the tile optimizations failed on '" + file + "'");
  }

  if (target != "host") {
    // Signatures and access before the GPU compile rewrites the module.
    std::vector<GenericKernelDesc> descs;
    for (const std::string &n : names)
      descs.push_back(
          describe(module->lookupSymbol<fa::tile::KernelOp>(n), nullptr));
    SmallString<128> tmpDir;
    if (std::error_code ec = sys::fs::createUniqueDirectory("fa-run", tmpDir))
      return err("cannot create a temporary folder: " + ec.message());
    SmallString<128> binary(tmpDir);
    fa::registerAllBackends();
    const fa::Backend *backend = fa::lookupBackend(target);
    if (!backend)
      return err("--target " + target + ": not a registered GPU target");
    sys::path::append(binary, "kernels." + backend->getBinaryExtension());
    fa::CompileOptions options;
    options.target = target;
    options.numWarps = config.numWarps;
    options.numStages = config.numStages;
    options.tileOptimize = false; // ran above
    if (failed(fa::compileKernel(*module, options, binary))) {
      sys::fs::remove_directories(tmpDir);
      return err("compiling '" + file + "' for " + target + " failed");
    }
    SmallString<128> sidecar(binary);
    sys::path::replace_extension(sidecar, "json");
    auto program = loadGpuProgram(std::string(sidecar), names, target);
    if (!program) {
      sys::fs::remove_directories(tmpDir);
      return program.takeError();
    }
    (*program)->tmpDir = std::string(tmpDir);
    for (auto [have, want] : llvm::zip((*program)->kernels, descs)) {
      // The sidecar's signature with the IR's access and dimension names.
      have.accessKnown = true;
      for (auto [a, b] : llvm::zip(have.args, want.args)) {
        a.reads = b.reads;
        a.writes = b.writes;
      }
    }
    return program;
  }

  auto program = std::make_unique<HostProgram>();
  for (const std::string &n : names) {
    auto kernel = fa::HostKernel::compile(*module, n, config.jitOpt);
    if (!kernel)
      return err(toString(kernel.takeError()));
    program->kernels.push_back(
        describe(module->lookupSymbol<fa::tile::KernelOp>(n), kernel->get()));
    program->compiled.push_back(std::move(*kernel));
  }
  program->module = std::move(module);
  program->ctx = std::move(ctx);
  return std::unique_ptr<Program>(std::move(program));
}

} // namespace fa_run
