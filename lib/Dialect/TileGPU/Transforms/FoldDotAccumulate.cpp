//===- FoldDotAccumulate.cpp - x + dot(a, b, 0) -> dot(a, b, x) -----------===//

#include "fa/Dialect/TileGPU/Transforms/Passes.h"

#include "fa/Dialect/Tile/IR/TileDialect.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace fa::tilegpu {
#define GEN_PASS_DEF_TILEGPUFOLDDOTACCUMULATE
#include "fa/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace fa::tilegpu

using namespace mlir;

namespace {
struct FoldAddOfDot : OpRewritePattern<arith::AddFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::AddFOp add,
                                PatternRewriter &rewriter) const override {
    for (unsigned i = 0; i < 2; ++i) {
      auto dot = add->getOperand(i).getDefiningOp<fa::tile::DotOp>();
      Value other = add->getOperand(1 - i);
      if (!dot || !dot->hasOneUse() || other.getType() != dot.getType() ||
          !matchPattern(dot.getAcc(), m_AnyZeroFloat()))
        continue;
      rewriter.replaceOpWithNewOp<fa::tile::DotOp>(
          add, dot.getType(), dot.getA(), dot.getB(), other);
      rewriter.eraseOp(dot);
      return success();
    }
    return failure();
  }
};

struct FoldDotAccumulatePass
    : fa::tilegpu::impl::TileGPUFoldDotAccumulateBase<FoldDotAccumulatePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldAddOfDot>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
