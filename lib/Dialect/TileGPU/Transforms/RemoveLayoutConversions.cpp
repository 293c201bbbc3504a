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

struct RemoveLayoutConversionsPass
    : fa::tilegpu::impl::TileGPURemoveLayoutConversionsBase<
          RemoveLayoutConversionsPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    ConvertLayoutOp::getCanonicalizationPatterns(patterns, ctx);
    patterns.add<ConvertOfIota, ConvertOfBroadcastedConvert>(ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
