//===- TileOps.cpp - `tile` dialect operations ----------------------------===//

#include "TileOpsCommon.h"
#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/FunctionImplementation.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace fa::tile;

/// Formats a static shape as `128x64` for diagnostics.
static std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  llvm::interleave(shape, os, "x");
  if (shape.empty())
    os << "scalar";
  return s;
}

/// Returns the splat value of a constant operand, or null.
static Attribute getSplatConstant(Attribute attr) {
  if (auto dense = llvm::dyn_cast_if_present<SplatElementsAttr>(attr))
    return dense.getSplatValue<Attribute>();
  return {};
}

//===----------------------------------------------------------------------===//
// KernelOp
//===----------------------------------------------------------------------===//

void KernelOp::build(OpBuilder &builder, OperationState &state, StringRef name,
                     FunctionType type) {
  state.addAttribute(SymbolTable::getSymbolAttrName(),
                     builder.getStringAttr(name));
  state.addAttribute(getFunctionTypeAttrName(state.name), TypeAttr::get(type));
  SmallVector<Location> locs(type.getNumInputs(), state.location);
  Region *body = state.addRegion();
  Region *grid = state.addRegion();
  builder.createBlock(body, {}, type.getInputs(), locs);
  builder.createBlock(grid, {}, type.getInputs(), locs);
  builder.clearInsertionPoint();
}

YieldOp KernelOp::getGridYield() {
  if (getGrid().empty())
    return {};
  return llvm::dyn_cast<YieldOp>(getGrid().front().getTerminator());
}

ParseResult KernelOp::parse(OpAsmParser &parser, OperationState &result) {
  StringAttr nameAttr;
  if (parser.parseSymbolName(nameAttr, SymbolTable::getSymbolAttrName(),
                             result.attributes))
    return failure();

  SmallVector<OpAsmParser::Argument> args;
  SmallVector<Type> resultTypes;
  SmallVector<DictionaryAttr> resultAttrs;
  bool isVariadic = false;
  SMLoc sigLoc = parser.getCurrentLocation();
  if (function_interface_impl::parseFunctionSignatureWithArguments(
          parser, /*allowVariadic=*/false, args, isVariadic, resultTypes,
          resultAttrs))
    return failure();
  if (!resultTypes.empty())
    return parser.emitError(sigLoc, "a tile kernel returns no results");

  SmallVector<Type> argTypes;
  for (OpAsmParser::Argument &arg : args)
    argTypes.push_back(arg.type);
  Builder &builder = parser.getBuilder();
  result.addAttribute(getFunctionTypeAttrName(result.name),
                      TypeAttr::get(builder.getFunctionType(argTypes, {})));
  call_interface_impl::addArgAndResultAttrs(builder, result, args, resultAttrs,
                                            getArgAttrsAttrName(result.name),
                                            getResAttrsAttrName(result.name));

  Region *body = result.addRegion();
  Region *grid = result.addRegion();
  if (parser.parseKeyword("grid") || parser.parseRegion(*grid, args))
    return failure();
  if (succeeded(parser.parseOptionalKeyword("params"))) {
    DictionaryAttr params;
    if (parser.parseAttribute(params))
      return failure();
    result.addAttribute(getParamsAttrName(result.name), params);
  }
  if (parser.parseOptionalAttrDictWithKeyword(result.attributes) ||
      parser.parseRegion(*body, args))
    return failure();
  return success();
}

void KernelOp::print(OpAsmPrinter &p) {
  p << ' ';
  p.printSymbolName(getSymName());
  call_interface_impl::printFunctionSignature(
      p, getArgumentTypes(), getArgAttrsAttr(), /*isVariadic=*/false,
      getResultTypes(), getResAttrsAttr(), &getBody(),
      /*printEmptyResult=*/false);
  p << " grid ";
  p.printRegion(getGrid(), /*printEntryBlockArgs=*/false);
  if (auto params = getParamsAttr()) {
    p << " params ";
    p.printAttributeWithoutType(params);
  }
  function_interface_impl::printFunctionAttributes(
      p, *this,
      {SymbolTable::getSymbolAttrName(), getFunctionTypeAttrName(),
       getArgAttrsAttrName(), getResAttrsAttrName(), getParamsAttrName()});
  p << ' ';
  p.printRegion(getBody(), /*printEntryBlockArgs=*/false);
}

LogicalResult KernelOp::verify() {
  if (getFunctionType().getNumResults() != 0)
    return emitOpError("a tile kernel returns no results");
  if (auto argAttrs = getArgAttrsAttr())
    if (argAttrs.size() != getFunctionType().getNumInputs())
      return emitOpError() << "has " << argAttrs.size()
                           << " argument attribute dictionaries for "
                           << getFunctionType().getNumInputs() << " arguments";
  if (getResAttrsAttr() && !getResAttrsAttr().empty())
    return emitOpError("a tile kernel has no result attributes");
  // `tile.dims` names or fixes each dimension of a global tensor: launchers
  // take it for the argument's shape (and its ABI), so it must match.
  ArrayAttr argAttrs = getArgAttrsAttr();
  for (auto [i, type] : llvm::enumerate(getFunctionType().getInputs())) {
    auto dict =
        argAttrs ? dyn_cast<DictionaryAttr>(argAttrs[i]) : DictionaryAttr();
    Attribute attr = dict ? dict.get("tile.dims") : Attribute();
    if (!attr)
      continue;
    auto mem = dyn_cast<MemRefType>(type);
    auto dims = dyn_cast<ArrayAttr>(attr);
    if (!mem || !dims)
      return emitOpError() << "argument " << i
                           << ": 'tile.dims' must be an array on a global "
                              "tensor (memref) argument";
    if (static_cast<int64_t>(dims.size()) != mem.getRank())
      return emitOpError() << "argument " << i << ": 'tile.dims' has "
                           << dims.size() << " entries for a rank-"
                           << mem.getRank() << " global tensor";
    for (auto [d, a] : llvm::enumerate(dims)) {
      if (auto name = dyn_cast<StringAttr>(a); name && !name.empty())
        continue;
      auto size = dyn_cast<IntegerAttr>(a);
      if (!size || size.getInt() < 0)
        return emitOpError()
               << "argument " << i << ": 'tile.dims' entry " << d
               << " must be a dimension name or a size >= 0, got " << a;
      if (!mem.isDynamicDim(d) && mem.getDimSize(d) != size.getInt())
        return emitOpError()
               << "argument " << i << ": 'tile.dims' entry " << d << " is "
               << size.getInt() << " but the type's dimension is "
               << mem.getDimSize(d);
    }
  }
  return success();
}

LogicalResult KernelOp::verifyRegions() {
  ArrayRef<Type> inputs = getFunctionType().getInputs();
  auto checkArgs = [&](Region &region, StringRef what) -> LogicalResult {
    if (region.empty())
      return emitOpError() << "expects a non-empty " << what << " region";
    TypeRange argTypes = region.front().getArgumentTypes();
    if (argTypes != TypeRange(inputs))
      return emitOpError() << "the " << what
                           << " region's arguments must match the kernel "
                              "signature";
    return success();
  };
  if (failed(checkArgs(getBody(), "body")) ||
      failed(checkArgs(getGrid(), "grid")))
    return failure();
  if (!isa<ReturnOp>(getBody().front().getTerminator()))
    return emitOpError("the body must end in 'tile.return'");
  if (!getGridYield())
    return emitOpError("the grid region must end in 'tile.yield'");
  // A `memref.dim` of a constant index beyond the rank has no value; upstream
  // does not verify it, and the lowerings would read past the descriptor.
  WalkResult walk = getOperation()->walk([](memref::DimOp dim) {
    std::optional<int64_t> index = dim.getConstantIndex();
    auto mem = dyn_cast<MemRefType>(dim.getSource().getType());
    if (index && mem && (*index < 0 || *index >= mem.getRank())) {
      dim.emitOpError() << "index " << *index << " is out of range for a rank-"
                        << mem.getRank() << " memref";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

//===----------------------------------------------------------------------===//
// YieldOp
//===----------------------------------------------------------------------===//

LogicalResult YieldOp::verify() {
  auto kernel = cast<KernelOp>((*this)->getParentOp());
  if ((*this)->getParentRegion() != &kernel.getGrid())
    return emitOpError("is only allowed in a kernel's grid region");
  if (getSizes().size() != 3)
    return emitOpError() << "yields the grid size along x, y and z: expected "
                            "3 values, got "
                         << getSizes().size();
  return success();
}

//===----------------------------------------------------------------------===//
// Block access: load, store, atomic_add
//===----------------------------------------------------------------------===//

static SmallVector<int64_t> tileDimsOf(MemRefType mem,
                                       std::optional<ArrayRef<int64_t>> dims) {
  if (dims)
    return SmallVector<int64_t>(dims->begin(), dims->end());
  return llvm::to_vector(llvm::seq<int64_t>(0, mem.getRank()));
}

/// A mask must have the tile's shape.
LogicalResult fa::tile::verifyMask(Operation *op, Value mask,
                                   RankedTensorType tile) {
  if (!mask)
    return success();
  auto mt = cast<RankedTensorType>(mask.getType());
  if (mt.getShape() != tile.getShape())
    return op->emitOpError()
           << "mask shape " << mt << " differs from the tile " << tile;
  return success();
}

static LogicalResult verifyBlockAccess(Operation *op, MemRefType mem,
                                       ValueRange offsets,
                                       std::optional<ArrayRef<int64_t>> dims,
                                       RankedTensorType tile) {
  int64_t rank = mem.getRank();
  if (static_cast<int64_t>(offsets.size()) != rank)
    return op->emitOpError() << "expects one offset per global dimension ("
                             << rank << "), got " << offsets.size();
  if (dims) {
    int64_t prev = -1;
    for (int64_t d : *dims) {
      if (d < 0 || d >= rank)
        return op->emitOpError()
               << "dim " << d << " is out of range for a rank-" << rank
               << " global tensor";
      if (d <= prev)
        return op->emitOpError("dims must be strictly increasing");
      prev = d;
    }
  }
  SmallVector<int64_t> tileDims = tileDimsOf(mem, dims);
  if (static_cast<int64_t>(tileDims.size()) != tile.getRank())
    return op->emitOpError()
           << "tile of rank " << tile.getRank() << " does not match the "
           << tileDims.size() << " global dimension(s) it covers";
  if (tile.getElementType() != mem.getElementType())
    return op->emitOpError()
           << "tile element type " << tile.getElementType()
           << " differs from the global tensor's " << mem.getElementType();
  for (int64_t size : tile.getShape())
    if (size <= 0)
      return op->emitOpError("tile dimensions must be positive");
  return success();
}

SmallVector<int64_t> LoadOp::getTileDims() {
  return tileDimsOf(getBase().getType(), getDims());
}

TypedAttr LoadOp::getPaddingOrZero() {
  if (auto pad = getPaddingAttr())
    return pad;
  Builder b(getContext());
  return cast<TypedAttr>(b.getZeroAttr(getResult().getType().getElementType()));
}

LogicalResult LoadOp::verify() {
  if (failed(verifyMask(*this, getMask(), getResult().getType())))
    return failure();
  if (failed(verifyBlockAccess(*this, getBase().getType(), getOffsets(),
                               getDims(), getResult().getType())))
    return failure();
  if (auto pad = getPaddingAttr()) {
    Type elt = getResult().getType().getElementType();
    if (pad.getType() != elt)
      return emitOpError() << "padding of type " << pad.getType()
                           << " differs from the element type " << elt;
    if (!isa<FloatAttr, IntegerAttr>(pad))
      return emitOpError("padding must be a float or integer attribute");
  }
  if (auto inBounds = getInBounds())
    if (static_cast<int64_t>(inBounds->size()) !=
        getResult().getType().getRank())
      return emitOpError() << "expects one in_bounds flag per tile dimension ("
                           << getResult().getType().getRank() << "), got "
                           << inBounds->size();
  return success();
}

SmallVector<int64_t> StoreOp::getTileDims() {
  return tileDimsOf(getBase().getType(), getDims());
}

LogicalResult StoreOp::verify() {
  if (failed(verifyMask(*this, getMask(), getValue().getType())))
    return failure();
  return verifyBlockAccess(*this, getBase().getType(), getOffsets(), getDims(),
                           getValue().getType());
}

SmallVector<int64_t> AtomicAddOp::getTileDims() {
  return tileDimsOf(getBase().getType(), getDims());
}

LogicalResult AtomicAddOp::verify() {
  if (failed(verifyMask(*this, getMask(), getValue().getType())))
    return failure();
  if (failed(verifyBlockAccess(*this, getBase().getType(), getOffsets(),
                               getDims(), getValue().getType())))
    return failure();
  Type elt = getValue().getType().getElementType();
  if (!isa<FloatType>(elt) && !elt.isSignlessInteger())
    return emitOpError() << "cannot add elements of type " << elt;
  return success();
}

//===----------------------------------------------------------------------===//
// DotOp
//===----------------------------------------------------------------------===//

LogicalResult DotOp::verify() {
  auto aTy = getA().getType(), bTy = getB().getType();
  auto accTy = getAcc().getType(), resTy = getResult().getType();
  if (aTy.getRank() != 2 || bTy.getRank() != 2 || accTy.getRank() != 2)
    return emitOpError("operands must be 2-D tiles");
  if (aTy.getDimSize(1) != bTy.getDimSize(0))
    return emitOpError() << "inner dimensions differ: " << aTy.getDimSize(1)
                         << " vs " << bTy.getDimSize(0);
  SmallVector<int64_t> expected = {aTy.getDimSize(0), bTy.getDimSize(1)};
  if (accTy.getShape() != ArrayRef<int64_t>(expected))
    return emitOpError() << "accumulator shape " << shapeStr(accTy.getShape())
                         << " does not match the product shape "
                         << shapeStr(expected);
  if (accTy != resTy)
    return emitOpError() << "result type " << resTy
                         << " differs from the accumulator type " << accTy;
  if (aTy.getElementType() != bTy.getElementType())
    return emitOpError() << "operand element types differ: "
                         << aTy.getElementType() << " vs "
                         << bTy.getElementType();
  Type elt = aTy.getElementType();
  if (!elt.isF16() && !elt.isBF16() && !elt.isF32() &&
      cast<FloatType>(elt).getWidth() != 8)
    return emitOpError() << "unsupported operand element type " << elt
                         << " (expected f16, bf16, f32 or an 8-bit float)";
  if (!accTy.getElementType().isF32())
    return emitOpError() << "the accumulator must be f32, got "
                         << accTy.getElementType();
  return success();
}

//===----------------------------------------------------------------------===//
// ReduceOp
//===----------------------------------------------------------------------===//

LogicalResult ReduceOp::verify() {
  auto srcTy = getSrc().getType(), resTy = getResult().getType();
  int64_t axis = getAxis();
  if (axis >= srcTy.getRank())
    return emitOpError() << "axis " << axis << " is out of range for a rank-"
                         << srcTy.getRank() << " tile";
  SmallVector<int64_t> expected(srcTy.getShape());
  expected.erase(expected.begin() + axis);
  if (resTy.getShape() != ArrayRef<int64_t>(expected))
    return emitOpError() << "result shape " << shapeStr(resTy.getShape())
                         << " should be " << shapeStr(expected)
                         << " (the operand without axis " << axis << ")";
  if (resTy.getElementType() != srcTy.getElementType())
    return emitOpError("result element type differs from the operand's");
  Type elt = srcTy.getElementType();
  if (!isa<FloatType>(elt) && !elt.isSignlessInteger())
    return emitOpError() << "cannot reduce elements of type " << elt;
  return success();
}

OpFoldResult ReduceOp::fold(FoldAdaptor adaptor) {
  // max/min of identical elements is that element.
  if (getKind() == ReduceKind::Sum)
    return {};
  if (Attribute splat = getSplatConstant(adaptor.getSrc()))
    return SplatElementsAttr::get(getResult().getType(), splat);
  return {};
}

//===----------------------------------------------------------------------===//
// BroadcastOp
//===----------------------------------------------------------------------===//

LogicalResult BroadcastOp::verify() {
  auto srcTy = getSrc().getType(), resTy = getResult().getType();
  if (srcTy.getRank() != resTy.getRank())
    return emitOpError() << "operand rank " << srcTy.getRank()
                         << " differs from result rank " << resTy.getRank()
                         << " (use tile.expand_dims first)";
  if (srcTy.getElementType() != resTy.getElementType())
    return emitOpError("result element type differs from the operand's");
  for (auto [i, from, to] : llvm::enumerate(srcTy.getShape(), resTy.getShape()))
    if (from != to && from != 1)
      return emitOpError() << "cannot broadcast dimension " << i << " of size "
                           << from << " to " << to;
  return success();
}

OpFoldResult BroadcastOp::fold(FoldAdaptor adaptor) {
  if (getSrc().getType() == getResult().getType())
    return getSrc();
  if (Attribute splat = getSplatConstant(adaptor.getSrc()))
    return SplatElementsAttr::get(getResult().getType(), splat);
  return {};
}

namespace {
/// broadcast(broadcast(x)) -> broadcast(x); broadcast(splat(s)) -> splat(s).
struct SimplifyBroadcastSource : OpRewritePattern<BroadcastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BroadcastOp op,
                                PatternRewriter &rewriter) const override {
    if (auto inner = op.getSrc().getDefiningOp<BroadcastOp>()) {
      rewriter.replaceOpWithNewOp<BroadcastOp>(op, op.getType(),
                                               inner.getSrc());
      return success();
    }
    if (auto splat = op.getSrc().getDefiningOp<SplatOp>()) {
      rewriter.replaceOpWithNewOp<SplatOp>(op, op.getType(), splat.getValue());
      return success();
    }
    return failure();
  }
};
} // namespace

void BroadcastOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<SimplifyBroadcastSource>(context);
}

//===----------------------------------------------------------------------===//
// ExpandDimsOp
//===----------------------------------------------------------------------===//

LogicalResult ExpandDimsOp::verify() {
  auto srcTy = getSrc().getType(), resTy = getResult().getType();
  int64_t axis = getAxis();
  if (axis > srcTy.getRank())
    return emitOpError() << "axis " << axis
                         << " is out of range: expected at most "
                         << srcTy.getRank();
  SmallVector<int64_t> expected(srcTy.getShape());
  expected.insert(expected.begin() + axis, 1);
  if (resTy.getShape() != ArrayRef<int64_t>(expected))
    return emitOpError() << "result shape " << shapeStr(resTy.getShape())
                         << " should be " << shapeStr(expected);
  if (srcTy.getElementType() != resTy.getElementType())
    return emitOpError("result element type differs from the operand's");
  return success();
}

OpFoldResult ExpandDimsOp::fold(FoldAdaptor adaptor) {
  if (Attribute splat = getSplatConstant(adaptor.getSrc()))
    return SplatElementsAttr::get(getResult().getType(), splat);
  return {};
}

//===----------------------------------------------------------------------===//
// TransOp
//===----------------------------------------------------------------------===//

SmallVector<int32_t> TransOp::getPermutation() {
  if (auto order = getOrder())
    return SmallVector<int32_t>(order->begin(), order->end());
  int32_t rank = getSrc().getType().getRank();
  SmallVector<int32_t> perm;
  for (int32_t i = rank - 1; i >= 0; --i)
    perm.push_back(i);
  return perm;
}

LogicalResult TransOp::verify() {
  auto srcTy = getSrc().getType(), resTy = getResult().getType();
  int64_t rank = srcTy.getRank();
  SmallVector<int32_t> perm = getPermutation();
  if (static_cast<int64_t>(perm.size()) != rank)
    return emitOpError() << "order has " << perm.size()
                         << " entries for a rank-" << rank << " tile";
  SmallVector<bool> seen(rank, false);
  for (int32_t p : perm) {
    if (p < 0 || p >= rank || seen[p])
      return emitOpError("order must be a permutation of the dimensions");
    seen[p] = true;
  }
  SmallVector<int64_t> expected;
  for (int32_t p : perm)
    expected.push_back(srcTy.getDimSize(p));
  if (resTy.getShape() != ArrayRef<int64_t>(expected))
    return emitOpError() << "result shape " << shapeStr(resTy.getShape())
                         << " should be " << shapeStr(expected);
  if (srcTy.getElementType() != resTy.getElementType())
    return emitOpError("result element type differs from the operand's");
  return success();
}

OpFoldResult TransOp::fold(FoldAdaptor adaptor) {
  SmallVector<int32_t> perm = getPermutation();
  if (llvm::equal(perm, llvm::seq<int32_t>(0, perm.size())))
    return getSrc();
  if (auto inner = getSrc().getDefiningOp<TransOp>()) {
    SmallVector<int32_t> innerPerm = inner.getPermutation();
    bool identity = true;
    for (auto [i, p] : llvm::enumerate(perm))
      identity &= innerPerm[p] == static_cast<int32_t>(i);
    if (identity)
      return inner.getSrc();
  }
  if (Attribute splat = getSplatConstant(adaptor.getSrc()))
    return SplatElementsAttr::get(getResult().getType(), splat);
  return {};
}

//===----------------------------------------------------------------------===//
// SplatOp, IotaOp
//===----------------------------------------------------------------------===//

LogicalResult SplatOp::verify() {
  if (getValue().getType() != getResult().getType().getElementType())
    return emitOpError() << "scalar of type " << getValue().getType()
                         << " cannot fill a tile of "
                         << getResult().getType().getElementType();
  return success();
}

OpFoldResult SplatOp::fold(FoldAdaptor adaptor) {
  if (auto value = adaptor.getValue())
    if (isa<FloatAttr, IntegerAttr>(value))
      return SplatElementsAttr::get(getResult().getType(), value);
  return {};
}

LogicalResult IotaOp::verify() {
  if (getResult().getType().getRank() != 1)
    return emitOpError("produces a 1-D tile");
  return success();
}

OpFoldResult IotaOp::fold(FoldAdaptor) {
  if (getResult().getType().getDimSize(0) == 1)
    return SplatElementsAttr::get(
        getResult().getType(),
        IntegerAttr::get(IntegerType::get(getContext(), 32), 0));
  return {};
}

#define GET_OP_CLASSES
#include "fa/Dialect/Tile/IR/TileOps.cpp.inc"
