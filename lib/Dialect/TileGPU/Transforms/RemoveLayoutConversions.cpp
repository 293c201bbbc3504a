//===- RemoveLayoutConversions.cpp - fold unneeded layout conversions -----===//

#include "fa/Dialect/TileGPU/Transforms/Passes.h"

#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace fa::tilegpu {
#define GEN_PASS_DEF_TILEGPUREMOVELAYOUTCONVERSIONS
#include "fa/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace fa::tilegpu

using namespace mlir;
using namespace fa::tilegpu;

namespace {
/// An iota is cheapest computed directly in the layout its user wants.
struct ConvertOfIota : OpRewritePattern<ConvertLayoutOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConvertLayoutOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getSrc().getDefiningOp<fa::tile::IotaOp>())
      return failure();
    rewriter.replaceOpWithNewOp<fa::tile::IotaOp>(op, op.getType());
    return success();
  }
};

/// broadcast(convert(x)) is convert(broadcast(x)) done on fewer elements;
/// pulling the conversion up lets it meet and cancel a producer's.
struct ConvertOfBroadcastedConvert : OpRewritePattern<ConvertLayoutOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConvertLayoutOp op,
                                PatternRewriter &rewriter) const override {
    auto bc = op.getSrc().getDefiningOp<fa::tile::BroadcastOp>();
    if (!bc || !bc->hasOneUse())
      return failure();
    auto inner = bc.getSrc().getDefiningOp<ConvertLayoutOp>();
    if (!inner)
      return failure();
    Attribute want = op.getType().getEncoding();
    if (inner.getSrc().getType().getEncoding() != want)
      return failure();
    auto bcTy = RankedTensorType::get(op.getType().getShape(),
                                      op.getType().getElementType(), want);
    rewriter.replaceOpWithNewOp<fa::tile::BroadcastOp>(op, bcTy,
                                                       inner.getSrc());
    return success();
  }
};

/// convert(broadcast(expand_dims(x))), x a slice of the source layout: the
/// vector is converted to the slice of the wanted layout and broadcast
/// there, so one value per row moves instead of the whole tile (the
/// backward's lse and delta rows: a 64x64 f32 tile through shared memory
/// per use otherwise).
struct ConvertOfBroadcastedSlice : OpRewritePattern<ConvertLayoutOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConvertLayoutOp op,
                                PatternRewriter &rewriter) const override {
    auto bc = op.getSrc().getDefiningOp<fa::tile::BroadcastOp>();
    if (!bc || !bc->hasOneUse())
      return failure();
    auto ex = bc.getSrc().getDefiningOp<fa::tile::ExpandDimsOp>();
    if (!ex || !ex->hasOneUse())
      return failure();
    auto vecTy = ex.getSrc().getType();
    auto slice = dyn_cast_or_null<SliceEncodingAttr>(vecTy.getEncoding());
    Attribute want = op.getType().getEncoding();
    if (!slice || slice.getDim() != ex.getAxis() ||
        !isa_and_nonnull<DistributedLayoutAttrInterface>(want) ||
        isa<DotOperandEncodingAttr>(want))
      return failure();
    Type elem = vecTy.getElementType();
    Location loc = op.getLoc();
    auto newVecTy = RankedTensorType::get(
        vecTy.getShape(), elem,
        SliceEncodingAttr::get(op.getContext(), ex.getAxis(), want));
    Value v = ConvertLayoutOp::create(rewriter, loc, newVecTy, ex.getSrc());
    auto exTy = RankedTensorType::get(ex.getType().getShape(), elem, want);
    Value e = fa::tile::ExpandDimsOp::create(rewriter, loc, exTy, v,
                                             ex.getAxisAttr());
    rewriter.replaceOpWithNewOp<fa::tile::BroadcastOp>(op, op.getType(), e);
    return success();
  }
};

struct RemoveLayoutConversionsPass
    : fa::tilegpu::impl::TileGPURemoveLayoutConversionsBase<
          RemoveLayoutConversionsPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    ConvertLayoutOp::getCanonicalizationPatterns(patterns, ctx);
    patterns.add<ConvertOfIota, ConvertOfBroadcastedConvert,
                 ConvertOfBroadcastedSlice>(ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
