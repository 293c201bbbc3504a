//===- KernelDescription.cpp - the kernel sidecar's description -----------===//
//
// The vendor-independent part of the JSON sidecar: per kernel its entry,
// parameters, launch ABI, grid rule, threads and shared memory.
//
//===----------------------------------------------------------------------===//

#include "fa/Target/Compile.h"

#include "fa/Conversion/TileGPUToLLVM.h"
#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Dialect/TileGPU/IR/ModuleTarget.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace fa;
namespace json = llvm::json;

static std::string typeName(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  t.print(os);
  return s;
}

/// The grid rule as an expression tree over kernel arguments.
static FailureOr<json::Value> gridExpr(Value v, tile::KernelOp kernel,
                                       std::string &text) {
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    text = "arg(" + std::to_string(arg.getArgNumber()) + ")";
    return json::Value(json::Object{{"arg", int64_t(arg.getArgNumber())}});
  }
  Operation *op = v.getDefiningOp();
  if (auto c = dyn_cast<arith::ConstantOp>(op))
    if (auto i = dyn_cast<IntegerAttr>(c.getValue())) {
      text = std::to_string(i.getInt());
      return json::Value(i.getInt());
    }
  if (auto dim = dyn_cast<memref::DimOp>(op)) {
    auto arg = dyn_cast<BlockArgument>(dim.getSource());
    auto d = dim.getConstantIndex();
    if (arg && d) {
      std::string name = "arg" + std::to_string(arg.getArgNumber());
      if (auto n = getKernelArgAttr<StringAttr>(kernel, arg.getArgNumber(),
                                                "tile.name"))
        name = n.str();
      text = "size(" + name + ", " + std::to_string(*d) + ")";
      return json::Value(
          json::Object{{"size", json::Array{int64_t(arg.getArgNumber()), *d}}});
    }
  }
  if (isa<arith::IndexCastOp, arith::IndexCastUIOp, arith::ExtSIOp,
          arith::ExtUIOp, arith::TruncIOp>(op))
    return gridExpr(op->getOperand(0), kernel, text);
  StringRef name;
  if (isa<arith::AddIOp>(op))
    name = "add";
  else if (isa<arith::SubIOp>(op))
    name = "sub";
  else if (isa<arith::MulIOp>(op))
    name = "mul";
  else if (isa<arith::DivUIOp, arith::DivSIOp>(op))
    name = "div";
  else if (isa<arith::CeilDivUIOp, arith::CeilDivSIOp>(op))
    name = "cdiv";
  else if (isa<arith::MinUIOp, arith::MinSIOp>(op))
    name = "min";
  else if (isa<arith::MaxUIOp, arith::MaxSIOp>(op))
    name = "max";
  else if (isa<arith::RemUIOp, arith::RemSIOp>(op))
    name = "rem";
  if (name.empty() || op->getNumOperands() != 2) {
    op->emitError("grid rule op cannot be described in the kernel sidecar");
    return failure();
  }
  std::string lt, rt;
  auto l = gridExpr(op->getOperand(0), kernel, lt);
  if (failed(l))
    return failure();
  auto r = gridExpr(op->getOperand(1), kernel, rt);
  if (failed(r))
    return failure();
  text = (name + "(" + lt + ", " + rt + ")").str();
  return json::Value(json::Object{{"op", name}, {"args", json::Array{*l, *r}}});
}

/// A descriptor passed by value: what the runtime builds it from. For a
/// tensor map ("tensormap"): the tensor's rank and element type, the box
/// (outermost dimension first), the swizzle span in bytes and the fill of
/// out-of-bounds elements.
static LogicalResult describeDescriptor(tile::KernelOp kernel,
                                        const KernelABIParam &p,
                                        json::Object &a) {
  DictionaryAttr d = p.descriptor;
  auto kind = d.getAs<StringAttr>("kind");
  auto box = d.getAs<DenseI64ArrayAttr>("box");
  auto swizzle = d.getAs<IntegerAttr>("swizzle");
  auto fill = d.getAs<StringAttr>("fill");
  auto bytes = d.getAs<IntegerAttr>("bytes");
  auto align = d.getAs<IntegerAttr>("align");
  auto mt = cast<MemRefType>(kernel.getArgumentTypes()[p.arg]);
  if (!kind || kind.getValue() != "tensormap" || !box ||
      box.size() != mt.getRank() || !swizzle || !fill || !bytes || !align)
    return kernel.emitError("tilegpu.descriptor of argument ")
           << p.arg << " cannot be described in the kernel sidecar";
  a["kind"] = "tensormap";
  a["type"] = "byval";
  a["bytes"] = bytes.getInt();
  a["align"] = align.getInt();
  a["rank"] = mt.getRank();
  a["dtype"] = typeName(mt.getElementType());
  a["box"] = json::Array(box.asArrayRef());
  a["swizzle"] = swizzle.getInt();
  a["fill"] = fill.str();
  return success();
}

FailureOr<json::Array> fa::describeKernels(ModuleOp module,
                                           const GPUOptions &options,
                                           unsigned threadsPerWarp) {
  json::Array kernels;
  // The module's target attribute, set by layout assignment, is the truth
  // about warps and lanes; the options only serve modules without it.
  unsigned numWarps = options.numWarps;
  if (auto t = tilegpu::getModuleTarget(module)) {
    numWarps = t.getWarps();
    threadsPerWarp = t.getThreadsPerWarp();
  }
  for (auto kernel : module.getOps<tile::KernelOp>()) {
    json::Object k;
    k["entry"] = kernel.getSymName().str();
    k["target"] = options.target;
    int64_t warps = numWarps;
    if (auto p = kernel->getAttrOfType<IntegerAttr>("tilegpu.producer_warps"))
      warps += p.getInt();
    k["threads"] = json::Array{warps * threadsPerWarp, 1, 1};
    int64_t smem = 0;
    if (auto s = kernel->getAttrOfType<IntegerAttr>("tilegpu.shared_bytes"))
      smem = s.getInt();
    k["shared_bytes"] = smem;
    json::Array params;
    for (auto [i, t] : llvm::enumerate(kernel.getArgumentTypes())) {
      json::Object p;
      std::string name = "arg" + std::to_string(i);
      if (auto n = getKernelArgAttr<StringAttr>(kernel, i, "tile.name"))
        name = n.str();
      p["name"] = name;
      if (auto m = dyn_cast<MemRefType>(t)) {
        p["kind"] = "tensor";
        p["dtype"] = typeName(m.getElementType());
        p["rank"] = m.getRank();
        json::Array dims;
        if (auto d = getKernelArgAttr<ArrayAttr>(kernel, i, "tile.dims")) {
          for (Attribute a : d) {
            if (auto s = dyn_cast<StringAttr>(a))
              dims.push_back(s.str());
            else if (auto n = dyn_cast<IntegerAttr>(a))
              dims.push_back(n.getInt());
          }
        } else {
          for (int64_t s : m.getShape())
            dims.push_back(ShapedType::isDynamic(s) ? json::Value(nullptr)
                                                    : json::Value(s));
        }
        // Rows of compile-time width W are accessed with vectors of at most
        // 16 bytes whose length divides W, which assumes a base and outer
        // strides aligned to them: to the largest power of two dividing W's
        // bytes, at most 16 (Triton-style specialization; a [M, 2] i32 tensor
        // needs 8). The launcher refuses other layouts.
        int64_t align = std::max<int64_t>(1, m.getElementTypeBitWidth() / 8);
        if (std::optional<int64_t> w =
                dims.empty() ? std::nullopt : dims.back().getAsInteger();
            w && *w > 0) {
          int64_t rowBytes = *w * align;
          align = std::min<int64_t>(16, rowBytes & -rowBytes);
        }
        p["dims"] = std::move(dims);
        p["align_bytes"] = align;
      } else {
        p["kind"] = "scalar";
        p["dtype"] = typeName(t);
      }
      params.push_back(std::move(p));
    }
    k["params"] = std::move(params);
    // Compile-time parameters the kernel was specialized with.
    json::Object spec;
    if (auto dict = kernel.getParamsAttr())
      for (NamedAttribute p : dict) {
        Attribute a = p.getValue();
        if (auto b = dyn_cast<BoolAttr>(a))
          spec[p.getName().str()] = b.getValue();
        else if (auto i = dyn_cast<IntegerAttr>(a))
          spec[p.getName().str()] = i.getInt();
        else if (auto t = dyn_cast<TypeAttr>(a))
          spec[p.getName().str()] = typeName(t.getValue());
      }
    k["specialization"] = std::move(spec);
    json::Array abi;
    for (const KernelABIParam &p : getKernelABI(kernel)) {
      json::Object a;
      a["param"] = int64_t(p.arg);
      switch (p.kind) {
      case KernelABIParam::Pointer:
        a["kind"] = "ptr";
        break;
      case KernelABIParam::Size:
        a["kind"] = "size";
        a["dim"] = int64_t(p.dim);
        break;
      case KernelABIParam::Stride:
        a["kind"] = "stride";
        a["dim"] = int64_t(p.dim);
        break;
      case KernelABIParam::Descriptor:
        break;
      case KernelABIParam::Scalar:
        a["kind"] = "value";
        break;
      }
      a["type"] = isa<IntegerType, FloatType>(p.type) ? typeName(p.type)
                                                      : std::string("ptr");
      if (p.kind == KernelABIParam::Descriptor) {
        if (failed(describeDescriptor(kernel, p, a)))
          return failure();
      }
      abi.push_back(std::move(a));
    }
    k["abi"] = std::move(abi);
    auto yield = kernel.getGridYield();
    json::Array grid, gridText;
    for (Value v : yield.getSizes()) {
      std::string text;
      auto e = gridExpr(v, kernel, text);
      if (failed(e))
        return failure();
      grid.push_back(*e);
      gridText.push_back(text);
    }
    k["grid"] = std::move(grid);
    k["grid_text"] = std::move(gridText);
    kernels.push_back(std::move(k));
  }
  return kernels;
}
