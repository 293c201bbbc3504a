//===- TilePadPow2.cpp - pad tile shapes to powers of two -----------------===//
//
// GPU layouts map registers, lanes and warps to tile coordinates with
// power-of-two bases, so a 128x80 tile has no layout. This pass rounds every
// tile dimension up to the next power of two and keeps the kernel's meaning:
// the padding elements never reach memory or a valid element.
//
// Each padded value's padding region may hold anything, except where a
// consumer mixes positions along a padded dimension:
// - a reduction along it needs the combiner's neutral element there
//   (0 for sum, -inf / the smallest integer for max, +inf / the largest for
//   min);
// - a dot whose K is padded needs zeros in A's padding columns and B's
//   padding rows (0 * NaN would poison the sum);
// - loads, gathers, stores and atomic adds must not touch memory through
//   padding elements.
// The pass tracks the constant a value's padding holds when it is known
// (loads read their padding value there; element-wise ops are folded on the
// padding constants), and only inserts `select(iota < extent, x, neutral)`
// where a reduction or a dot needs a value it cannot prove. Accesses get an
// extent mask, except along dimensions whose padding lies past the end of
// the global tensor (a constant offset c with c + extent equal to the
// tensor's static size): there the bounds check already drops it, and the
// copy engines, which take no mask, still apply.
//
//===----------------------------------------------------------------------===//

#include "fa/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/Support/MathExtras.h"

namespace fa {
#define GEN_PASS_DEF_TILEPADPOW2
#include "fa/Transforms/Passes.h.inc"
} // namespace fa

using namespace mlir;
using namespace fa;

namespace {

/// Whether `type` is a static tile with a dimension to pad.
bool needsPadding(RankedTensorType type) {
  if (!type.hasStaticShape())
    return false;
  return llvm::any_of(type.getShape(), [](int64_t s) {
    return s > 0 && !llvm::isPowerOf2_64(static_cast<uint64_t>(s));
  });
}

RankedTensorType paddedType(RankedTensorType t) {
  SmallVector<int64_t> shape;
  for (int64_t s : t.getShape())
    shape.push_back(s > 0 ? static_cast<int64_t>(llvm::PowerOf2Ceil(s)) : s);
  return RankedTensorType::get(shape, t.getElementType(), t.getEncoding());
}

std::optional<int64_t> constantOf(Value v) {
  while (auto cast = v.getDefiningOp<arith::IndexCastOp>())
    v = cast.getIn();
  APInt value;
  if (matchPattern(v, m_ConstantInt(&value)))
    return value.getSExtValue();
  return std::nullopt;
}

/// The neutral element of a reduction over `elem` (null for element types
/// other than integers and floats).
TypedAttr neutralOf(tile::ReduceKind kind, Type elem) {
  if (!isa<IntegerType, FloatType>(elem))
    return {};
  Builder b(elem.getContext());
  if (kind == tile::ReduceKind::Sum)
    return cast<TypedAttr>(b.getZeroAttr(elem));
  bool isMax = kind == tile::ReduceKind::Max;
  if (auto f = dyn_cast<FloatType>(elem))
    return b.getFloatAttr(
        f, APFloat::getInf(f.getFloatSemantics(), /*Negative=*/isMax));
  unsigned w = elem.getIntOrFloatBitWidth();
  return b.getIntegerAttr(elem, isMax ? APInt::getSignedMinValue(w)
                                      : APInt::getSignedMaxValue(w));
}

class Padder {
public:
  explicit Padder(tile::KernelOp kernel) : kernel(kernel) {}

  LogicalResult run();

private:
  /// The shape a padded value had before padding.
  ArrayRef<int64_t> originalShape(Value v) {
    auto it = original.find(v);
    if (it != original.end())
      return it->second;
    return cast<RankedTensorType>(v.getType()).getShape();
  }
  bool isPadded(Value v) { return original.count(v); }
  /// Whether dimension `d` of `v` was padded.
  bool isPaddedDim(Value v, int64_t d) {
    return cast<RankedTensorType>(v.getType()).getDimSize(d) !=
           originalShape(v)[d];
  }

  /// The constant every element of `v` holds, if it is a splat constant.
  TypedAttr splatValue(Value v);
  /// The constant in `v`'s padding region, when known.
  TypedAttr paddingValue(Value v) {
    if (TypedAttr k = known.lookup(v))
      return k;
    return splatValue(v);
  }

  /// i1 tile of `type`'s shape: true where the index along every dimension
  /// of `dims` is below `extent`.
  Value extentMask(OpBuilder &b, Location loc, RankedTensorType type,
                   ArrayRef<int64_t> extent, ArrayRef<int64_t> dims);
  /// `v` with `neutral` in its padding along `dims`.
  Value withPadding(OpBuilder &b, Location loc, Value v, TypedAttr neutral,
                    ArrayRef<int64_t> dims);

  LogicalResult visit(Operation *op);
  LogicalResult visitConstant(arith::ConstantOp op);
  template <typename AccessOp>
  LogicalResult visitAccess(AccessOp op, Value tile);
  LogicalResult visitGather(tile::GatherOp op);
  LogicalResult visitDot(tile::DotOp op);
  LogicalResult visitReduce(tile::ReduceOp op);
  void visitElementwise(Operation *op);
  /// Tile dimensions of an access whose padding is not provably past the
  /// end of the global tensor.
  template <typename AccessOp>
  SmallVector<int64_t> dimsNeedingMask(AccessOp op, Value tile);

  tile::KernelOp kernel;
  DenseMap<Value, SmallVector<int64_t>> original;
  DenseMap<Value, TypedAttr> known;
};

TypedAttr Padder::splatValue(Value v) {
  DenseElementsAttr dense;
  if (matchPattern(v, m_Constant(&dense)) && dense.isSplat())
    return dyn_cast<TypedAttr>(dense.getSplatValue<Attribute>());
  if (auto splat = v.getDefiningOp<tile::SplatOp>()) {
    Attribute c;
    if (matchPattern(splat.getValue(), m_Constant(&c)))
      return dyn_cast<TypedAttr>(c);
  }
  return {};
}

Value Padder::extentMask(OpBuilder &b, Location loc, RankedTensorType type,
                         ArrayRef<int64_t> extent, ArrayRef<int64_t> dims) {
  Type i1 = b.getI1Type(), i32 = b.getI32Type();
  ArrayRef<int64_t> shape = type.getShape();
  int64_t rank = type.getRank();
  Value mask;
  for (int64_t d : dims) {
    if (shape[d] == extent[d])
      continue;
    auto iotaTy = RankedTensorType::get({shape[d]}, i32);
    Value iota = tile::IotaOp::create(b, loc, iotaTy);
    Value bound = tile::SplatOp::create(
        b, loc, iotaTy, arith::ConstantIntOp::create(b, loc, i32, extent[d]));
    Value m =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, iota, bound);
    // Insert unit dimensions around `d`, then broadcast to the full shape.
    SmallVector<int64_t> cur = {shape[d]};
    for (int64_t a = 0; a < rank; ++a) {
      if (a == d)
        continue;
      cur.insert(cur.begin() + a, 1);
      m = tile::ExpandDimsOp::create(b, loc, RankedTensorType::get(cur, i1), m,
                                     static_cast<int32_t>(a));
    }
    if (rank > 1)
      m = tile::BroadcastOp::create(b, loc, RankedTensorType::get(shape, i1),
                                    m);
    mask = mask ? arith::AndIOp::create(b, loc, mask, m).getResult() : m;
  }
  return mask;
}

Value Padder::withPadding(OpBuilder &b, Location loc, Value v,
                          TypedAttr neutral, ArrayRef<int64_t> dims) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> relevant;
  for (int64_t d : dims)
    if (isPaddedDim(v, d))
      relevant.push_back(d);
  if (relevant.empty() || paddingValue(v) == neutral)
    return v;
  Value mask = extentMask(b, loc, type, originalShape(v), relevant);
  Value fill = arith::ConstantOp::create(
      b, loc, type, DenseElementsAttr::get(type, cast<Attribute>(neutral)));
  Value sel = arith::SelectOp::create(b, loc, mask, v, fill);
  // The select's padding is `neutral` along `relevant` only; record it
  // when that is all of the padding.
  if (relevant.size() == static_cast<size_t>(llvm::count_if(
                             llvm::seq<int64_t>(0, type.getRank()),
                             [&](int64_t d) { return isPaddedDim(v, d); }))) {
    original[sel] = SmallVector<int64_t>(originalShape(v));
    known[sel] = neutral;
  }
  return sel;
}

LogicalResult Padder::visitConstant(arith::ConstantOp op) {
  auto type = dyn_cast<RankedTensorType>(op.getType());
  if (!type || !isPadded(op.getResult()))
    return success();
  auto dense = dyn_cast<DenseElementsAttr>(op.getValue());
  if (!dense || !dense.isSplat())
    return op.emitOpError()
           << "a constant tile of shape other than powers of two must be a "
              "splat to be padded to powers of two";
  op.setValueAttr(
      DenseElementsAttr::get(type, dense.getSplatValue<Attribute>()));
  return success();
}

template <typename AccessOp>
SmallVector<int64_t> Padder::dimsNeedingMask(AccessOp op, Value tile) {
  SmallVector<int64_t> tileDims = op.getTileDims();
  ArrayRef<int64_t> extent = originalShape(tile);
  SmallVector<int64_t> out;
  for (auto [t, d] : llvm::enumerate(tileDims)) {
    if (!isPaddedDim(tile, t))
      continue;
    std::optional<int64_t> off = constantOf(op.getOffsets()[d]);
    std::optional<int64_t> size = tile::getStaticDimSize(op.getBase(), d);
    // Padding that starts at the tensor's end is dropped by the bounds
    // check of that dimension.
    if (off && size && *off + extent[t] == *size)
      continue;
    out.push_back(t);
  }
  return out;
}

template <typename AccessOp>
LogicalResult Padder::visitAccess(AccessOp op, Value tile) {
  if (!isPadded(tile))
    return success();
  SmallVector<int64_t> dims = dimsNeedingMask(op, tile);
  if (dims.empty())
    return success();
  OpBuilder b(op);
  auto type = cast<RankedTensorType>(tile.getType());
  Value mask = extentMask(b, op.getLoc(), type, originalShape(tile), dims);
  if (Value old = op.getMask())
    mask = arith::AndIOp::create(b, op.getLoc(), old, mask);
  op.getMaskMutable().assign(mask);
  return success();
}

LogicalResult Padder::visitGather(tile::GatherOp op) {
  Value tile = op.getResult();
  if (!isPadded(tile))
    return success();
  // Padding coordinates may point anywhere inside the tensor: mask them.
  OpBuilder b(op);
  auto type = cast<RankedTensorType>(tile.getType());
  auto all = llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
  Value mask = extentMask(b, op.getLoc(), type, originalShape(tile), all);
  if (Value old = op.getMask())
    mask = arith::AndIOp::create(b, op.getLoc(), old, mask);
  op.getMaskMutable().assign(mask);
  known[tile] = op.getPaddingOrZero();
  return success();
}

LogicalResult Padder::visitDot(tile::DotOp op) {
  Value a = op.getA(), b = op.getB();
  OpBuilder builder(op);
  Location loc = op.getLoc();
  TypedAttr zeroA = cast<TypedAttr>(
      builder.getZeroAttr(cast<ShapedType>(a.getType()).getElementType()));
  TypedAttr zeroB = cast<TypedAttr>(
      builder.getZeroAttr(cast<ShapedType>(b.getType()).getElementType()));
  // Padded K: zeros on both sides, so that padding products are 0 * 0.
  if (isPadded(a) && isPaddedDim(a, 1)) {
    op.getAMutable().assign(withPadding(builder, loc, a, zeroA, {1}));
    op.getBMutable().assign(withPadding(builder, loc, b, zeroB, {0}));
  }
  // Padded rows of A and columns of B with zeros keep the result's padding
  // equal to the accumulator's.
  Value res = op.getResult();
  if (!isPadded(res))
    return success();
  TypedAttr accPad = paddingValue(op.getAcc());
  auto zeroAcc = cast<TypedAttr>(
      builder.getZeroAttr(cast<ShapedType>(res.getType()).getElementType()));
  bool rowsZero = !isPaddedDim(res, 0) || paddingValue(op.getA()) == zeroA;
  bool colsZero = !isPaddedDim(res, 1) || paddingValue(op.getB()) == zeroB;
  if (accPad == zeroAcc && rowsZero && colsZero)
    known[res] = zeroAcc;
  return success();
}

LogicalResult Padder::visitReduce(tile::ReduceOp op) {
  Value src = op.getSrc();
  if (!isPadded(src) || !isPaddedDim(src, op.getAxis()))
    return success();
  OpBuilder b(op);
  Type elem = cast<ShapedType>(src.getType()).getElementType();
  TypedAttr neutral = neutralOf(op.getKind(), elem);
  if (!neutral)
    return op.emitOpError() << "cannot pad a reduction over " << elem
                            << " elements to powers of two";
  op.getSrcMutable().assign(withPadding(b, op.getLoc(), src, neutral,
                                        {static_cast<int64_t>(op.getAxis())}));
  return success();
}

/// Element-wise ops: the padding of the result is the op folded on the
/// padding constants of its operands, when they are all known.
void Padder::visitElementwise(Operation *op) {
  if (op->getNumResults() != 1 || !isPadded(op->getResult(0)))
    return;
  SmallVector<Attribute> operands;
  for (Value v : op->getOperands()) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    TypedAttr pad = type ? paddingValue(v) : TypedAttr();
    if (!pad || pad.getType() != type.getElementType())
      return;
    operands.push_back(DenseElementsAttr::get(type, cast<Attribute>(pad)));
  }
  // Fold a detached clone: trait folds may rewrite the op in place.
  Operation *clone = op->clone();
  SmallVector<OpFoldResult> results;
  if (succeeded(clone->fold(operands, results)) && results.size() == 1) {
    if (auto attr = dyn_cast<Attribute>(results[0])) {
      if (auto dense = dyn_cast<DenseElementsAttr>(attr);
          dense && dense.isSplat())
        known[op->getResult(0)] =
            dyn_cast<TypedAttr>(dense.getSplatValue<Attribute>());
    } else {
      // Folded to one of its operands (x * 1, x + 0).
      Value same = cast<Value>(results[0]);
      for (auto [i, v] : llvm::enumerate(clone->getOperands()))
        if (v == same)
          if (auto dense = dyn_cast<DenseElementsAttr>(operands[i]))
            known[op->getResult(0)] =
                dyn_cast<TypedAttr>(dense.getSplatValue<Attribute>());
    }
  }
  clone->erase();
}

LogicalResult Padder::visit(Operation *op) {
  if (auto c = dyn_cast<arith::ConstantOp>(op))
    return visitConstant(c);
  if (auto load = dyn_cast<tile::LoadOp>(op)) {
    Value tile = load.getResult();
    if (!isPadded(tile))
      return success();
    // The padded extent is not proven in bounds any more.
    if (auto flags = load.getInBounds()) {
      SmallVector<bool> kept(flags->begin(), flags->end());
      for (auto [t, flag] : llvm::enumerate(kept))
        if (isPaddedDim(tile, t))
          flag = false;
      if (llvm::any_of(kept, [](bool f) { return f; }))
        load.setInBounds(kept);
      else
        load.removeInBoundsAttr();
    }
    known[tile] = load.getPaddingOrZero();
    return visitAccess(load, tile);
  }
  if (auto store = dyn_cast<tile::StoreOp>(op))
    return visitAccess(store, store.getValue());
  if (auto add = dyn_cast<tile::AtomicAddOp>(op))
    return visitAccess(add, add.getValue());
  if (auto gather = dyn_cast<tile::GatherOp>(op))
    return visitGather(gather);
  if (auto dot = dyn_cast<tile::DotOp>(op))
    return visitDot(dot);
  if (auto reduce = dyn_cast<tile::ReduceOp>(op))
    return visitReduce(reduce);
  if (auto splat = dyn_cast<tile::SplatOp>(op)) {
    if (auto c = splatValue(splat.getResult()))
      known[splat.getResult()] = c;
    return success();
  }
  if (isa<tile::IotaOp>(op))
    return success();
  if (auto trans = dyn_cast<tile::TransOp>(op)) {
    if (TypedAttr pad = paddingValue(trans.getSrc()))
      known[trans.getResult()] = pad;
    return success();
  }
  if (auto expand = dyn_cast<tile::ExpandDimsOp>(op)) {
    if (TypedAttr pad = paddingValue(expand.getSrc()))
      known[expand.getResult()] = pad;
    return success();
  }
  if (auto bcast = dyn_cast<tile::BroadcastOp>(op)) {
    // Broadcast dimensions copy valid elements into the padding.
    Value src = bcast.getSrc();
    TypedAttr pad = splatValue(src);
    ArrayRef<int64_t> srcShape =
        cast<RankedTensorType>(src.getType()).getShape();
    bool broadcastIntoPadding = false;
    for (auto [d, s] : llvm::enumerate(srcShape))
      if (s == 1 && isPaddedDim(bcast.getResult(), d))
        broadcastIntoPadding = true;
    if (!pad && !broadcastIntoPadding)
      pad = paddingValue(src);
    if (pad)
      known[bcast.getResult()] = pad;
    return success();
  }
  // Structured control flow carries padded tiles through its arguments and
  // results; their padding is not tracked across iterations.
  if (isa<scf::ForOp, scf::IfOp, scf::WhileOp, scf::YieldOp, scf::ConditionOp>(
          op))
    return success();
  if (op->hasTrait<OpTrait::Elementwise>() ||
      isa<arith::SelectOp, arith::ExtFOp, arith::TruncFOp>(op)) {
    visitElementwise(op);
    return success();
  }
  auto touchesPadding = [&](ValueRange values) {
    return llvm::any_of(values, [&](Value v) { return isPadded(v); });
  };
  if (touchesPadding(op->getOperands()) || touchesPadding(op->getResults()))
    return op->emitOpError()
           << "cannot pad this operation's tiles to powers of two";
  return success();
}

LogicalResult Padder::run() {
  // Retype every tile first, so that each op sees padded operands.
  auto retype = [&](Value v) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type || !needsPadding(type))
      return;
    original[v] = SmallVector<int64_t>(type.getShape());
    v.setType(paddedType(type));
  };
  kernel.getBody().walk([&](Operation *op) {
    for (Region &r : op->getRegions())
      for (Block &block : r)
        for (BlockArgument arg : block.getArguments())
          retype(arg);
    for (Value res : op->getResults())
      retype(res);
  });
  if (original.empty())
    return success();
  // Then fix up in program order (producers before consumers).
  SmallVector<Operation *> ops;
  kernel.getBody().walk<WalkOrder::PreOrder>(
      [&](Operation *op) { ops.push_back(op); });
  for (Operation *op : ops)
    if (failed(visit(op)))
      return failure();
  return success();
}

struct TilePadPow2Pass : fa::impl::TilePadPow2Base<TilePadPow2Pass> {
  void runOnOperation() override {
    bool failed = false;
    getOperation()->walk([&](tile::KernelOp kernel) {
      if (mlir::failed(Padder(kernel).run()))
        failed = true;
    });
    if (failed)
      signalPassFailure();
  }
};

} // namespace
