//===- MaskedAccess.cpp - masked block accesses and scalar loads on the host
//===//
//
// Rewrites the accesses the block lowering does not handle into ones it does:
//  - a masked load is the unmasked load with `select(mask, x, padding)`: on
//    the host the bounds rule already keeps every read inside the tensor;
//  - a masked store reads the block, selects the stored value where the mask
//    holds and writes the block back. The host runs programs one after the
//    other, so nothing can write the block between the read and the write;
//  - a masked atomic_add adds -0 (floats) or 0 where the mask is false;
//  - a scalar load is `memref.load` guarded by a bounds check;
//  - a gather is a loop nest over the tile doing those scalar loads into a
//    fresh buffer.
//
//===----------------------------------------------------------------------===//

#include "Patterns.h"

#include "fa/Dialect/Tile/IR/TileDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace fa;

namespace {

Value splatConstant(OpBuilder &b, Location loc, RankedTensorType ty,
                    TypedAttr v) {
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(ty, v));
}

struct MaskedLoad : OpRewritePattern<tile::LoadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tile::LoadOp op,
                                PatternRewriter &rewriter) const override {
    Value mask = op.getMask();
    if (!mask)
      return failure();
    Location loc = op.getLoc();
    auto load = tile::LoadOp::create(rewriter, loc, op.getType(), op.getBase(),
                                     op.getOffsets(), Value(), op.getDimsAttr(),
                                     op.getPaddingAttr(), op.getInBoundsAttr());
    Value pad =
        splatConstant(rewriter, loc, op.getType(), op.getPaddingOrZero());
    rewriter.replaceOpWithNewOp<arith::SelectOp>(op, mask, load, pad);
    return success();
  }
};

struct MaskedStore : OpRewritePattern<tile::StoreOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tile::StoreOp op,
                                PatternRewriter &rewriter) const override {
    Value mask = op.getMask();
    if (!mask)
      return failure();
    Location loc = op.getLoc();
    auto ty = op.getValue().getType();
    Value old = tile::LoadOp::create(rewriter, loc, ty, op.getBase(),
                                     op.getOffsets(), Value(), op.getDimsAttr(),
                                     TypedAttr(), DenseBoolArrayAttr());
    Value merged =
        arith::SelectOp::create(rewriter, loc, mask, op.getValue(), old);
    rewriter.replaceOpWithNewOp<tile::StoreOp>(
        op, merged, op.getBase(), op.getOffsets(), Value(), op.getDimsAttr());
    return success();
  }
};

struct MaskedAtomicAdd : OpRewritePattern<tile::AtomicAddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tile::AtomicAddOp op,
                                PatternRewriter &rewriter) const override {
    Value mask = op.getMask();
    if (!mask)
      return failure();
    Location loc = op.getLoc();
    auto ty = op.getValue().getType();
    Type elem = ty.getElementType();
    TypedAttr zero = isa<FloatType>(elem)
                         ? TypedAttr(rewriter.getFloatAttr(elem, -0.0))
                         : TypedAttr(rewriter.getIntegerAttr(elem, 0));
    Value v = arith::SelectOp::create(rewriter, loc, mask, op.getValue(),
                                      splatConstant(rewriter, loc, ty, zero));
    rewriter.replaceOpWithNewOp<tile::AtomicAddOp>(
        op, v, op.getBase(), op.getOffsets(), Value(), op.getDimsAttr());
    return success();
  }
};

/// `padding`, or the element type's zero.
TypedAttr paddingOrZero(OpBuilder &b, Type elem, TypedAttr padding) {
  if (padding)
    return padding;
  return isa<FloatType>(elem) ? TypedAttr(b.getFloatAttr(elem, 0.0))
                              : TypedAttr(b.getIntegerAttr(elem, 0));
}

/// `base[indices]` if every index is inside the tensor (and `extra` holds),
/// else the padding.
Value guardedLoad(OpBuilder &b, Location loc, Value base, ValueRange indices,
                  Value extra, TypedAttr padAttr) {
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value ok = extra;
  for (auto [d, idx] : llvm::enumerate(indices)) {
    Value dim = memref::DimOp::create(b, loc, base, d);
    Value ge =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, idx, c0);
    Value lt =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, idx, dim);
    Value both = arith::AndIOp::create(b, loc, ge, lt);
    ok = ok ? arith::AndIOp::create(b, loc, ok, both) : both;
  }
  auto ifOp = scf::IfOp::create(
      b, loc, ok,
      [&](OpBuilder &nb, Location l) {
        Value v = memref::LoadOp::create(nb, l, base, indices);
        scf::YieldOp::create(nb, l, v);
      },
      [&](OpBuilder &nb, Location l) {
        Value pad = arith::ConstantOp::create(nb, l, padAttr);
        scf::YieldOp::create(nb, l, pad);
      });
  return ifOp.getResult(0);
}

struct Gather : OpRewritePattern<tile::GatherOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tile::GatherOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType ty = op.getType();
    auto bufTy = MemRefType::get(ty.getShape(), ty.getElementType());
    Value buffer = memref::AllocOp::create(rewriter, loc, bufTy);
    TypedAttr pad =
        paddingOrZero(rewriter, ty.getElementType(), op.getPaddingAttr());
    Value c0 = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(rewriter, loc, 1);
    SmallVector<Value> lbs(ty.getRank(), c0), steps(ty.getRank(), c1), ubs;
    for (int64_t n : ty.getShape())
      ubs.push_back(arith::ConstantIndexOp::create(rewriter, loc, n));
    scf::buildLoopNest(
        rewriter, loc, lbs, ubs, steps,
        [&](OpBuilder &b, Location l, ValueRange ivs) {
          SmallVector<Value> coords;
          for (Value t : op.getIndices()) {
            Value i = tensor::ExtractOp::create(b, l, t, ivs);
            coords.push_back(
                arith::IndexCastOp::create(b, l, b.getIndexType(), i));
          }
          Value m;
          if (op.getMask())
            m = tensor::ExtractOp::create(b, l, op.getMask(), ivs);
          Value v = guardedLoad(b, l, op.getBase(), coords, m, pad);
          memref::StoreOp::create(b, l, v, buffer, ivs);
        });
    rewriter.replaceOpWithNewOp<bufferization::ToTensorOp>(
        op, ty, buffer, /*restrict=*/true, /*writable=*/true);
    return success();
  }
};

struct LoadScalar : OpRewritePattern<tile::LoadScalarOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tile::LoadScalarOp op,
                                PatternRewriter &rewriter) const override {
    TypedAttr pad = paddingOrZero(rewriter, op.getType(), op.getPaddingAttr());
    rewriter.replaceOp(op, guardedLoad(rewriter, op.getLoc(), op.getBase(),
                                       op.getIndices(), Value(), pad));
    return success();
  }
};

} // namespace

void fa::populateTileHostMaskedAccessPatterns(RewritePatternSet &patterns) {
  patterns.add<MaskedLoad, MaskedStore, MaskedAtomicAdd, LoadScalar, Gather>(
      patterns.getContext());
}
