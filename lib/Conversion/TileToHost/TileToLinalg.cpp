//===- TileToLinalg.cpp - tile ops to tensor/linalg/memref/scf ------------===//
//
// Lowers the compute and memory ops of the `tile` dialect into upstream ops
// that One-Shot Bufferize understands. The block accesses implement the
// out-of-bounds rule of TMA: reads outside the global tensor give the padding
// value and writes outside it are dropped; a block may also start before the
// tensor (negative offsets).
//
//===----------------------------------------------------------------------===//

#include "Patterns.h"

#include "fa/Conversion/TileToHost/Passes.h"
#include "fa/Dialect/Tile/IR/TileDialect.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace fa {
#define GEN_PASS_DEF_CONVERTTILETOLINALG
#include "fa/Conversion/TileToHost/Passes.h.inc"
} // namespace fa

using namespace mlir;
using namespace fa;

namespace {

//===----------------------------------------------------------------------===//
// Block addressing shared by load, store and atomic_add
//===----------------------------------------------------------------------===//

/// The in-bounds part of a block access, computed at run time.
struct BlockAccess {
  /// Whether every squeezed (non-tile) dimension's offset is in bounds; null
  /// when the access has no squeezed dimension.
  Value squeezedInBounds;
  /// Per global dimension: where the in-bounds part starts, and its size (1
  /// for squeezed dimensions).
  SmallVector<OpFoldResult> globalOffsets, globalSizes;
  /// Per tile dimension: where the in-bounds part starts inside the tile and
  /// its length.
  SmallVector<Value> tileOffsets, tileSizes;
};

/// For tile dimension `t` reading global dimension `g` from offset `off`, the
/// in-bounds part is [lo, hi) inside the tile with
///   lo = clamp(-off, 0, S), hi = clamp(dim_g - off, lo, S).
BlockAccess computeBlockAccess(OpBuilder &b, Location loc, Value base,
                               ValueRange offsets, ArrayRef<int64_t> tileDims,
                               ArrayRef<int64_t> tileShape) {
  auto memTy = cast<MemRefType>(base.getType());
  BlockAccess access;
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  access.globalOffsets.assign(memTy.getRank(), OpFoldResult(c0));
  access.globalSizes.assign(memTy.getRank(), OpFoldResult(b.getIndexAttr(1)));
  SmallVector<bool> isTileDim(memTy.getRank(), false);
  for (int64_t g : tileDims)
    isTileDim[g] = true;

  for (int64_t g = 0; g < memTy.getRank(); ++g) {
    if (isTileDim[g])
      continue;
    Value off = offsets[g];
    Value dim = memref::DimOp::create(b, loc, base, g);
    Value geZero =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, off, c0);
    Value ltDim =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, off, dim);
    Value inBounds = arith::AndIOp::create(b, loc, geZero, ltDim);
    access.squeezedInBounds =
        access.squeezedInBounds
            ? arith::AndIOp::create(b, loc, access.squeezedInBounds, inBounds)
                  .getResult()
            : inBounds;
    access.globalOffsets[g] = off;
  }

  for (auto [t, g] : llvm::enumerate(tileDims)) {
    Value off = offsets[g];
    Value size = arith::ConstantIndexOp::create(b, loc, tileShape[t]);
    Value dim = memref::DimOp::create(b, loc, base, g);
    Value negOff = arith::SubIOp::create(b, loc, c0, off);
    Value lo = arith::MinSIOp::create(
        b, loc, arith::MaxSIOp::create(b, loc, negOff, c0), size);
    Value avail = arith::SubIOp::create(b, loc, dim, off);
    Value hi = arith::MaxSIOp::create(
        b, loc, arith::MinSIOp::create(b, loc, avail, size), lo);
    Value len = arith::SubIOp::create(b, loc, hi, lo);
    // lo >= -off, so off + lo >= 0; clamp to dim for empty blocks starting
    // past the end.
    Value start = arith::MinSIOp::create(
        b, loc, arith::AddIOp::create(b, loc, off, lo), dim);
    access.globalOffsets[g] = start;
    access.globalSizes[g] = len;
    access.tileOffsets.push_back(lo);
    access.tileSizes.push_back(len);
  }
  return access;
}

/// The in-bounds window of the global tensor, with squeezed dimensions
/// dropped from the type.
Value createGlobalWindow(OpBuilder &b, Location loc, Value base,
                         const BlockAccess &access, int64_t tileRank) {
  auto memTy = cast<MemRefType>(base.getType());
  SmallVector<OpFoldResult> strides(memTy.getRank(), b.getIndexAttr(1));
  SmallVector<int64_t> shape(tileRank, ShapedType::kDynamic);
  MemRefType windowTy = memref::SubViewOp::inferRankReducedResultType(
      shape, memTy, access.globalOffsets, access.globalSizes, strides);
  return memref::SubViewOp::create(b, loc, windowTy, base, access.globalOffsets,
                                   access.globalSizes, strides);
}

/// Runs `body` directly, or under `scf.if` when the access has squeezed
/// dimensions that may be out of bounds.
void guardedByInBounds(OpBuilder &b, Location loc, const BlockAccess &access,
                       function_ref<void(OpBuilder &)> body) {
  if (!access.squeezedInBounds) {
    body(b);
    return;
  }
  auto ifOp = scf::IfOp::create(b, loc, access.squeezedInBounds,
                                /*withElseRegion=*/false);
  OpBuilder inner = OpBuilder::atBlockBegin(ifOp.thenBlock());
  inner.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  body(inner);
}

struct LoadLowering : OpRewritePattern<tile::LoadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tile::LoadOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto tileTy = cast<RankedTensorType>(op.getType());
    BlockAccess access =
        computeBlockAccess(rewriter, loc, op.getBase(), op.getOffsets(),
                           op.getTileDims(), tileTy.getShape());
    // A fresh buffer holds the padding; the in-bounds part is copied over it.
    auto bufTy = MemRefType::get(tileTy.getShape(), tileTy.getElementType());
    Value buffer = memref::AllocOp::create(rewriter, loc, bufTy);
    Value pad = arith::ConstantOp::create(rewriter, loc, op.getPaddingOrZero());
    linalg::FillOp::create(rewriter, loc, ValueRange{pad}, ValueRange{buffer});
    guardedByInBounds(rewriter, loc, access, [&](OpBuilder &b) {
      Value window =
          createGlobalWindow(b, loc, op.getBase(), access, tileTy.getRank());
      SmallVector<OpFoldResult> ones(tileTy.getRank(), b.getIndexAttr(1));
      SmallVector<OpFoldResult> offs(access.tileOffsets.begin(),
                                     access.tileOffsets.end());
      SmallVector<OpFoldResult> sizes(access.tileSizes.begin(),
                                      access.tileSizes.end());
      Value dst = memref::SubViewOp::create(b, loc, buffer, offs, sizes, ones);
      linalg::CopyOp::create(b, loc, window, dst);
    });
    rewriter.replaceOpWithNewOp<bufferization::ToTensorOp>(
        op, tileTy, buffer, /*restrict=*/true, /*writable=*/true);
    return success();
  }
};

struct StoreLowering : OpRewritePattern<tile::StoreOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tile::StoreOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto tileTy = cast<RankedTensorType>(op.getValue().getType());
    BlockAccess access =
        computeBlockAccess(rewriter, loc, op.getBase(), op.getOffsets(),
                           op.getTileDims(), tileTy.getShape());
    guardedByInBounds(rewriter, loc, access, [&](OpBuilder &b) {
      SmallVector<OpFoldResult> ones(tileTy.getRank(), b.getIndexAttr(1));
      SmallVector<OpFoldResult> offs(access.tileOffsets.begin(),
                                     access.tileOffsets.end());
      SmallVector<OpFoldResult> sizes(access.tileSizes.begin(),
                                      access.tileSizes.end());
      Value part = tensor::ExtractSliceOp::create(b, loc, op.getValue(), offs,
                                                  sizes, ones);
      Value window =
          createGlobalWindow(b, loc, op.getBase(), access, tileTy.getRank());
      bufferization::MaterializeInDestinationOp::create(
          b, loc, TypeRange{}, part, window, /*restrict=*/true,
          /*writable=*/true);
    });
    rewriter.eraseOp(op);
    return success();
  }
};

struct AtomicAddLowering : OpRewritePattern<tile::AtomicAddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tile::AtomicAddOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto tileTy = cast<RankedTensorType>(op.getValue().getType());
    Type elemTy = tileTy.getElementType();
    arith::AtomicRMWKind kind;
    if (isa<FloatType>(elemTy))
      kind = arith::AtomicRMWKind::addf;
    else if (elemTy.isSignlessInteger())
      kind = arith::AtomicRMWKind::addi;
    else
      return rewriter.notifyMatchFailure(op, "unsupported element type");
    SmallVector<int64_t> tileDims = op.getTileDims();
    BlockAccess access =
        computeBlockAccess(rewriter, loc, op.getBase(), op.getOffsets(),
                           tileDims, tileTy.getShape());
    guardedByInBounds(rewriter, loc, access, [&](OpBuilder &b) {
      Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
      Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
      SmallVector<Value> lbs(tileTy.getRank(), c0), steps(tileTy.getRank(), c1);
      scf::buildLoopNest(
          b, loc, lbs, access.tileSizes, steps,
          [&](OpBuilder &nb, Location nloc, ValueRange ivs) {
            SmallVector<Value> tileIdx, globalIdx;
            for (auto [t, iv] : llvm::enumerate(ivs))
              tileIdx.push_back(
                  arith::AddIOp::create(nb, nloc, access.tileOffsets[t], iv));
            unsigned t = 0;
            for (auto [g, ofr] : llvm::enumerate(access.globalOffsets)) {
              Value start = getValueOrCreateConstantIndexOp(nb, nloc, ofr);
              if (t < tileDims.size() && tileDims[t] == (int64_t)g)
                globalIdx.push_back(
                    arith::AddIOp::create(nb, nloc, start, ivs[t++]));
              else
                globalIdx.push_back(start);
            }
            Value v =
                tensor::ExtractOp::create(nb, nloc, op.getValue(), tileIdx);
            memref::AtomicRMWOp::create(nb, nloc, kind, v, op.getBase(),
                                        globalIdx);
          });
    });
    rewriter.eraseOp(op);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Compute
//===----------------------------------------------------------------------===//

Value emptyLike(OpBuilder &b, Location loc, RankedTensorType ty) {
  return tensor::EmptyOp::create(b, loc, ty.getShape(), ty.getElementType());
}

struct DotLowering : OpRewritePattern<tile::DotOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tile::DotOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    // Loops (i, k, j): the innermost loop walks rows of b and acc, which are
    // contiguous, so LLVM vectorizes it without reassociating the sum.
    AffineExpr i, k, j;
    bindDims(ctx, i, k, j);
    SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {i, k}, ctx),
                                   AffineMap::get(3, 0, {k, j}, ctx),
                                   AffineMap::get(3, 0, {i, j}, ctx)};
    SmallVector<utils::IteratorType> iters = {utils::IteratorType::parallel,
                                              utils::IteratorType::reduction,
                                              utils::IteratorType::parallel};
    auto accTy = cast<RankedTensorType>(op.getAcc().getType());
    Type accElem = accTy.getElementType();
    auto toAcc = [&](OpBuilder &b, Location l, Value v) -> Value {
      Type t = v.getType();
      if (t == accElem)
        return v;
      if (t.getIntOrFloatBitWidth() < accElem.getIntOrFloatBitWidth())
        return arith::ExtFOp::create(b, l, accElem, v);
      return arith::TruncFOp::create(b, l, accElem, v);
    };
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{accTy}, ValueRange{op.getA(), op.getB()},
        ValueRange{op.getAcc()}, maps, iters,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value prod = arith::MulFOp::create(b, l, toAcc(b, l, args[0]),
                                             toAcc(b, l, args[1]));
          Value sum = arith::AddFOp::create(b, l, args[2], prod);
          linalg::YieldOp::create(b, l, sum);
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

struct ReduceLowering : OpRewritePattern<tile::ReduceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tile::ReduceOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resTy = cast<RankedTensorType>(op.getType());
    Type elemTy = resTy.getElementType();
    bool isFloat = isa<FloatType>(elemTy);
    arith::AtomicRMWKind kind;
    switch (op.getKind()) {
    case tile::ReduceKind::Max:
      kind =
          isFloat ? arith::AtomicRMWKind::maximumf : arith::AtomicRMWKind::maxs;
      break;
    case tile::ReduceKind::Min:
      kind =
          isFloat ? arith::AtomicRMWKind::minimumf : arith::AtomicRMWKind::mins;
      break;
    case tile::ReduceKind::Sum:
      kind = isFloat ? arith::AtomicRMWKind::addf : arith::AtomicRMWKind::addi;
      break;
    }
    Value identity = arith::getIdentityValue(kind, elemTy, rewriter, loc);
    Value init =
        linalg::FillOp::create(rewriter, loc, ValueRange{identity},
                               ValueRange{emptyLike(rewriter, loc, resTy)})
            .getResult(0);
    auto reduce = linalg::ReduceOp::create(
        rewriter, loc, ValueRange{op.getSrc()}, ValueRange{init},
        ArrayRef<int64_t>{static_cast<int64_t>(op.getAxis())},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value r = arith::getReductionOp(kind, b, l, args[0], args[1]);
          linalg::YieldOp::create(b, l, r);
        });
    rewriter.replaceOp(op, reduce.getResults());
    return success();
  }
};

struct BroadcastLowering : OpRewritePattern<tile::BroadcastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tile::BroadcastOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto srcTy = cast<RankedTensorType>(op.getSrc().getType());
    auto resTy = cast<RankedTensorType>(op.getType());
    // Dimensions that grow from 1 are dropped, then re-added by
    // linalg.broadcast.
    SmallVector<int64_t> grown;
    SmallVector<int64_t> keptShape;
    for (int64_t d = 0; d < srcTy.getRank(); ++d) {
      if (srcTy.getDimSize(d) == 1 && resTy.getDimSize(d) != 1)
        grown.push_back(d);
      else
        keptShape.push_back(srcTy.getDimSize(d));
    }
    if (grown.empty()) {
      rewriter.replaceOp(op, op.getSrc());
      return success();
    }
    // Each kept dimension forms a group with the dropped ones before it;
    // dropped dimensions after the last kept one join the last group.
    SmallVector<ReassociationIndices> groups;
    ReassociationIndices pending;
    for (int64_t d = 0; d < srcTy.getRank(); ++d) {
      pending.push_back(d);
      if (!llvm::is_contained(grown, d)) {
        groups.push_back(pending);
        pending.clear();
      }
    }
    if (!pending.empty() && !groups.empty())
      groups.back().append(pending.begin(), pending.end());
    auto collapsedTy = RankedTensorType::get(keptShape, srcTy.getElementType());
    Value collapsed = tensor::CollapseShapeOp::create(
        rewriter, loc, collapsedTy, op.getSrc(), groups);
    auto bcast = linalg::BroadcastOp::create(
        rewriter, loc, collapsed, emptyLike(rewriter, loc, resTy), grown);
    rewriter.replaceOp(op, bcast.getResults());
    return success();
  }
};

struct ExpandDimsLowering : OpRewritePattern<tile::ExpandDimsOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tile::ExpandDimsOp op,
                                PatternRewriter &rewriter) const override {
    auto srcTy = cast<RankedTensorType>(op.getSrc().getType());
    auto resTy = cast<RankedTensorType>(op.getType());
    int64_t axis = op.getAxis();
    int64_t srcRank = srcTy.getRank();
    // The new unit dimension joins the group of its neighbour.
    SmallVector<ReassociationIndices> groups;
    for (int64_t s = 0; s < srcRank; ++s) {
      int64_t r = s < axis ? s : s + 1;
      ReassociationIndices group = {r};
      if (s == axis)
        group.insert(group.begin(), axis);
      if (s == srcRank - 1 && axis == srcRank)
        group.push_back(axis);
      groups.push_back(group);
    }
    rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(op, resTy, op.getSrc(),
                                                       groups);
    return success();
  }
};

struct TransLowering : OpRewritePattern<tile::TransOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tile::TransOp op,
                                PatternRewriter &rewriter) const override {
    auto resTy = cast<RankedTensorType>(op.getType());
    SmallVector<int64_t> perm;
    for (int32_t p : op.getPermutation())
      perm.push_back(p);
    auto transpose = linalg::TransposeOp::create(
        rewriter, op.getLoc(), op.getSrc(),
        emptyLike(rewriter, op.getLoc(), resTy), perm);
    rewriter.replaceOp(op, transpose.getResults());
    return success();
  }
};

struct SplatLowering : OpRewritePattern<tile::SplatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tile::SplatOp op,
                                PatternRewriter &rewriter) const override {
    auto resTy = cast<RankedTensorType>(op.getType());
    auto fill = linalg::FillOp::create(
        rewriter, op.getLoc(), ValueRange{op.getValue()},
        ValueRange{emptyLike(rewriter, op.getLoc(), resTy)});
    rewriter.replaceOp(op, fill.getResults());
    return success();
  }
};

struct IotaLowering : OpRewritePattern<tile::IotaOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tile::IotaOp op,
                                PatternRewriter &rewriter) const override {
    auto resTy = cast<RankedTensorType>(op.getType());
    MLIRContext *ctx = op.getContext();
    auto generic = linalg::GenericOp::create(
        rewriter, op.getLoc(), TypeRange{resTy}, ValueRange{},
        ValueRange{emptyLike(rewriter, op.getLoc(), resTy)},
        SmallVector<AffineMap>{AffineMap::getMultiDimIdentityMap(1, ctx)},
        SmallVector<utils::IteratorType>{utils::IteratorType::parallel},
        [&](OpBuilder &b, Location l, ValueRange) {
          Value idx = linalg::IndexOp::create(b, l, 0);
          Value v =
              arith::IndexCastOp::create(b, l, resTy.getElementType(), idx);
          linalg::YieldOp::create(b, l, v);
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

struct ConvertTileToLinalgPass
    : fa::impl::ConvertTileToLinalgBase<ConvertTileToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    // Masked accesses and scalar loads first: they become unmasked block
    // accesses, lowered below.
    RewritePatternSet masked(ctx);
    populateTileHostMaskedAccessPatterns(masked);
    walkAndApplyPatterns(getOperation(), std::move(masked));
    RewritePatternSet patterns(ctx);
    patterns.add<LoadLowering, StoreLowering, AtomicAddLowering, DotLowering,
                 ReduceLowering, BroadcastLowering, ExpandDimsLowering,
                 TransLowering, SplatLowering, IotaLowering>(ctx);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
    // Only the kernel structure may remain.
    WalkResult result = getOperation()->walk([](Operation *op) {
      if (op->getDialect() && isa<tile::TileDialect>(op->getDialect()) &&
          !isa<tile::KernelOp, tile::ReturnOp, tile::YieldOp, tile::ProgramIdOp,
               tile::NumProgramsOp>(op)) {
        op->emitError("cannot lower '") << op->getName() << "' to host code";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
