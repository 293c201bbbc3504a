//===- HostRunner.cpp - run tile kernels on the CPU -----------------------===//

#include "fa/Runtime/HostRunner.h"

#include "fa/Conversion/TileToHost/Passes.h"
#include "fa/Dialect/Tile/IR/TileDialect.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <array>
#include <cstring>
#include <mutex>

using namespace mlir;
using namespace fa;

static llvm::Error makeError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

HostArg HostArg::buffer(void *data, llvm::ArrayRef<int64_t> sizes,
                        llvm::ArrayRef<int64_t> strides) {
  HostArg a;
  a.isBuffer = true;
  a.data = data;
  a.sizes.assign(sizes.begin(), sizes.end());
  if (!strides.empty()) {
    a.strides.assign(strides.begin(), strides.end());
  } else {
    a.strides.resize(sizes.size());
    int64_t stride = 1;
    for (int64_t i = sizes.size() - 1; i >= 0; --i) {
      a.strides[i] = stride;
      stride *= sizes[i];
    }
  }
  return a;
}

HostArg HostArg::scalarFloat(double v) {
  HostArg a;
  a.floatValue = v;
  return a;
}

HostArg HostArg::scalarInt(int64_t v) {
  HostArg a;
  a.intValue = v;
  return a;
}

HostKernel::~HostKernel() = default;

/// Reads a kernel argument's signature and attributes.
static HostArgInfo describeArg(tile::KernelOp kernel, unsigned i) {
  HostArgInfo info;
  Type type = kernel.getArgumentTypes()[i];
  DictionaryAttr attrs;
  if (ArrayAttr all = kernel.getArgAttrsAttr())
    attrs = dyn_cast_or_null<DictionaryAttr>(all[i]);
  auto name = attrs ? attrs.getAs<StringAttr>("tile.name") : StringAttr();
  info.name = name ? name.str() : ("arg" + llvm::Twine(i)).str();
  if (auto memTy = dyn_cast<MemRefType>(type)) {
    info.isBuffer = true;
    info.elementType = memTy.getElementType();
    info.rank = memTy.getRank();
  } else {
    info.elementType = type;
  }
  if (auto dims = attrs ? attrs.getAs<ArrayAttr>("tile.dims") : ArrayAttr()) {
    for (Attribute d : dims) {
      HostDim dim;
      if (auto s = dyn_cast<StringAttr>(d))
        dim.symbol = s.str();
      else if (auto n = dyn_cast<IntegerAttr>(d))
        dim.size = n.getInt();
      info.dims.push_back(dim);
    }
  }
  return info;
}

/// Prints `loc` as `file:line:col` when it has a file location.
static void printLocation(llvm::raw_ostream &os, Location loc) {
  FileLineColLoc fileLoc;
  loc->walk([&](Location l) {
    if (auto f = dyn_cast<FileLineColLoc>(l)) {
      fileLoc = f;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (fileLoc)
    os << fileLoc.getFilename().getValue() << ":" << fileLoc.getLine() << ":"
       << fileLoc.getColumn();
  else
    os << loc;
}

static void initNativeTarget() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
}

llvm::Expected<std::unique_ptr<HostKernel>>
HostKernel::compile(ModuleOp module, llvm::StringRef kernelName,
                    unsigned optLevel) {
  SmallVector<tile::KernelOp> kernels(module.getOps<tile::KernelOp>());
  tile::KernelOp kernel;
  for (tile::KernelOp k : kernels)
    if (kernelName.empty() || k.getSymName() == kernelName)
      kernel = k;
  if (!kernel) {
    std::string names;
    for (tile::KernelOp k : kernels)
      names += (names.empty() ? "" : ", ") + k.getSymName().str();
    return makeError(kernels.empty()
                         ? llvm::Twine("the module has no tile.kernel")
                         : "no kernel named '" + kernelName +
                               "' (the module has: " + names + ")");
  }
  if (kernelName.empty() && kernels.size() > 1)
    return makeError("the module has several kernels; name one");

  std::unique_ptr<HostKernel> result(new HostKernel());
  result->name = kernel.getSymName().str();
  result->params = kernel.getParamsAttr();
  for (unsigned i = 0, e = kernel.getArgumentTypes().size(); i < e; ++i)
    result->args.push_back(describeArg(kernel, i));

  // Lower a copy holding only this kernel.
  OwningOpRef<ModuleOp> copy = cast<ModuleOp>(module->clone());
  for (tile::KernelOp k :
       llvm::make_early_inc_range(copy->getOps<tile::KernelOp>()))
    if (k.getSymName() != result->name)
      k.erase();

  // Diagnostics of the lowering and of the translation to LLVM IR are
  // collected into the returned error.
  MLIRContext *ctx = module.getContext();
  std::string diagText;
  llvm::raw_string_ostream diagOs(diagText);
  ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &diag) {
    printLocation(diagOs, diag.getLocation());
    diagOs << ": " << diag << "\n";
    return success();
  });
  {
    PassManager pm(ctx);
    buildTileToHostPipeline(pm);
    if (failed(pm.run(*copy)))
      return makeError("host lowering of kernel '" + result->name +
                       "' failed:\n" + diagText);
  }

  initNativeTarget();
  // A target machine for this CPU: the LLVM optimizer needs it to know the
  // vector width (without one the loop vectorizer does nothing), and code
  // generation uses the CPU's features (F16C for f16 conversions, AVX).
  auto tmBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!tmBuilder)
    return makeError("cannot target this CPU: " +
                     llvm::toString(tmBuilder.takeError()));
  llvm::CodeGenOptLevel cgLevel =
      optLevel >= 3   ? llvm::CodeGenOptLevel::Aggressive
      : optLevel == 0 ? llvm::CodeGenOptLevel::None
                      : llvm::CodeGenOptLevel::Default;
  tmBuilder->setCodeGenOptLevel(cgLevel);
  auto tm = tmBuilder->createTargetMachine();
  if (!tm)
    return makeError("cannot target this CPU: " +
                     llvm::toString(tm.takeError()));
  // The options hold a function_ref: keep the transformer alive.
  std::function<llvm::Error(llvm::Module *)> transformer =
      makeOptimizingTransformer(optLevel, /*sizeLevel=*/0, tm->get());
  ExecutionEngineOptions options;
  options.transformer = transformer;
  options.jitCodeGenOptLevel = cgLevel;
  auto engine = ExecutionEngine::create(*copy, options, std::move(*tm));
  if (!engine)
    return makeError("JIT compilation of kernel '" + result->name +
                     "' failed: " + llvm::toString(engine.takeError()) +
                     (diagText.empty() ? "" : ":\n" + diagText));
  result->engine = std::move(*engine);
  // Materialize the code now, so that run() times only the kernel.
  auto entry = result->engine->lookupPacked("_mlir_ciface_" +
                                            getHostEntryName(result->name));
  if (!entry)
    return makeError("JIT compilation of kernel '" + result->name +
                     "' failed: " + llvm::toString(entry.takeError()));
  return result;
}

llvm::Error HostKernel::check(llvm::ArrayRef<HostArg> values) const {
  if (values.size() != args.size())
    return makeError("kernel '" + name + "' takes " + llvm::Twine(args.size()) +
                     " arguments, got " + llvm::Twine(values.size()));
  // Symbolic size -> (size, argument that bound it).
  llvm::StringMap<std::pair<int64_t, std::string>> bound;
  for (auto [info, value] : llvm::zip(args, values)) {
    if (info.isBuffer != value.isBuffer)
      return makeError("argument '" + info.name + "' must be " +
                       (info.isBuffer ? "a tensor" : "a scalar"));
    if (!info.isBuffer)
      continue;
    if (value.sizes.size() != info.rank || value.strides.size() != info.rank)
      return makeError("argument '" + info.name + "' must have rank " +
                       llvm::Twine(info.rank) + ", got " +
                       llvm::Twine(value.sizes.size()));
    bool empty = false;
    for (unsigned d = 0; d < info.rank; ++d) {
      if (value.sizes[d] < 0)
        return makeError("argument '" + info.name + "' has a negative size");
      empty |= value.sizes[d] == 0;
    }
    if (!value.data && !empty)
      return makeError("argument '" + info.name + "' has no data");
    if (info.rank > 0 && value.strides.back() != 1)
      return makeError("argument '" + info.name +
                       "' must have unit innermost stride");
    if (info.dims.empty())
      continue;
    if (info.dims.size() != info.rank)
      return makeError("argument '" + info.name + "': tile.dims has " +
                       llvm::Twine(info.dims.size()) + " entries for rank " +
                       llvm::Twine(info.rank));
    for (unsigned d = 0; d < info.rank; ++d) {
      const HostDim &dim = info.dims[d];
      int64_t size = value.sizes[d];
      if (dim.symbol.empty()) {
        if (size != dim.size)
          return makeError(
              "argument '" + info.name + "' dimension " + llvm::Twine(d) +
              " must be " + llvm::Twine(dim.size) +
              " (fixed at compile time), got " + llvm::Twine(size));
        continue;
      }
      auto [it, inserted] =
          bound.try_emplace(dim.symbol, std::make_pair(size, info.name));
      if (!inserted && it->second.first != size)
        return makeError("argument '" + info.name + "' dimension " +
                         llvm::Twine(d) + " ('" + dim.symbol + "') is " +
                         llvm::Twine(size) + " but argument '" +
                         it->second.second + "' bound '" + dim.symbol +
                         "' to " + llvm::Twine(it->second.first));
    }
  }
  return llvm::Error::success();
}

/// Writes scalar `value` as `type` into `slot`.
static llvm::Error packScalar(const HostArgInfo &info, const HostArg &value,
                              uint64_t &slot) {
  Type type = info.elementType;
  slot = 0;
  if (auto ft = dyn_cast<FloatType>(type)) {
    if (ft.isF64()) {
      std::memcpy(&slot, &value.floatValue, sizeof(double));
      return llvm::Error::success();
    }
    if (ft.isF32()) {
      float f = value.floatValue;
      std::memcpy(&slot, &f, sizeof(float));
      return llvm::Error::success();
    }
    if (ft.isF16() || ft.isBF16()) {
      llvm::APFloat f(value.floatValue);
      bool lost;
      f.convert(ft.getFloatSemantics(), llvm::APFloat::rmNearestTiesToEven,
                &lost);
      slot = f.bitcastToAPInt().getZExtValue();
      return llvm::Error::success();
    }
  } else if (type.isIndex() || type.isSignlessInteger()) {
    unsigned width = type.isIndex() ? 64 : type.getIntOrFloatBitWidth();
    if (width <= 64) {
      uint64_t mask = width == 64 ? ~0ull : ((1ull << width) - 1);
      slot = static_cast<uint64_t>(value.intValue) & mask;
      return llvm::Error::success();
    }
  }
  std::string ts;
  llvm::raw_string_ostream os(ts);
  os << type;
  return makeError("argument '" + info.name + "' has unsupported type " + ts);
}

llvm::Error HostKernel::run(llvm::ArrayRef<HostArg> values) {
  if (llvm::Error e = check(values))
    return e;
  // A memref descriptor: allocated and aligned pointers, offset, sizes,
  // strides (all 64-bit on the host).
  SmallVector<SmallVector<int64_t, 11>> descriptors;
  SmallVector<void *> descriptorPtrs(values.size(), nullptr);
  SmallVector<uint64_t> scalars(values.size(), 0);
  SmallVector<void *> packed;
  descriptors.reserve(values.size());
  for (auto [i, value] : llvm::enumerate(values)) {
    if (value.isBuffer) {
      SmallVector<int64_t, 11> desc;
      auto ptr = static_cast<int64_t>(reinterpret_cast<intptr_t>(value.data));
      desc.push_back(ptr);
      desc.push_back(ptr);
      desc.push_back(0);
      desc.append(value.sizes.begin(), value.sizes.end());
      desc.append(value.strides.begin(), value.strides.end());
      descriptors.push_back(std::move(desc));
      descriptorPtrs[i] = descriptors.back().data();
      packed.push_back(&descriptorPtrs[i]);
    } else {
      if (llvm::Error e = packScalar(args[i], value, scalars[i]))
        return e;
      packed.push_back(&scalars[i]);
    }
  }
  // The grid first: the host runs programs one after another, so a grid
  // beyond the limit would run (practically) forever.
  std::array<int64_t, 3> grid;
  for (int64_t axis = 0; axis < 3; ++axis) {
    SmallVector<void *> sizeArgs(packed);
    sizeArgs.push_back(&axis);
    sizeArgs.push_back(&grid[axis]);
    if (llvm::Error e = engine->invokePacked(
            "_mlir_ciface_" + getHostGridSizeName(name), sizeArgs))
      return e;
  }
  int64_t programs = 1;
  for (int64_t axis = 0; axis < 3; ++axis) {
    if (grid[axis] < 0 || grid[axis] > kMaxPrograms)
      return makeError("kernel '" + name + "': grid size " +
                       llvm::Twine(grid[axis]) + " along axis " +
                       llvm::Twine(axis) + " is outside [0, " +
                       llvm::Twine(kMaxPrograms) + "]");
    programs *= grid[axis];
    if (programs > kMaxPrograms)
      return makeError("kernel '" + name + "': the grid (" +
                       llvm::Twine(grid[0]) + ", " + llvm::Twine(grid[1]) +
                       ", " + llvm::Twine(grid[2]) + ") has more than " +
                       llvm::Twine(kMaxPrograms) +
                       " programs, the host's limit");
  }
  return engine->invokePacked("_mlir_ciface_" + getHostEntryName(name), packed);
}
