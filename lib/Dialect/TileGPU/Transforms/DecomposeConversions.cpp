//===- DecomposeConversions.cpp - layout conversions via shared memory ----===//

#include "fa/Dialect/TileGPU/Transforms/Passes.h"

#include "fa/Dialect/TileGPU/IR/LinearLayout.h"
#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"

#include "mlir/IR/Builders.h"

namespace fa::tilegpu {
#define GEN_PASS_DEF_TILEGPUDECOMPOSECONVERSIONS
#include "fa/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace fa::tilegpu

using namespace mlir;
using namespace fa::tilegpu;

namespace {
struct DecomposeConversionsPass
    : fa::tilegpu::impl::TileGPUDecomposeConversionsBase<
          DecomposeConversionsPass> {
  void runOnOperation() override {
    SmallVector<ConvertLayoutOp> cvts;
    getOperation().walk([&](ConvertLayoutOp op) { cvts.push_back(op); });
    for (ConvertLayoutOp op : cvts) {
      auto srcTy = op.getSrc().getType();
      auto dstTy = op.getType();
      std::string error;
      auto src = toLinearLayout(srcTy.getEncoding(), srcTy.getShape(), error);
      auto dst =
          src ? toLinearLayout(dstTy.getEncoding(), dstTy.getShape(), error)
              : std::nullopt;
      if (!src || !dst) {
        op.emitError() << "cannot lay out this conversion: " << error;
        return signalPassFailure();
      }
      if (src->sameThreadMapping(*dst))
        continue; // registers are only renamed
      // Store in the source's memory order so the writes vectorize; the
      // reads (matrix loads for MMA operands) handle either order.
      SmallVector<unsigned> order;
      if (auto b = dyn_cast<BlockedEncodingAttr>(srcTy.getEncoding()))
        order.assign(b.getOrder().begin(), b.getOrder().end());
      else
        for (int d = srcTy.getRank() - 1; d >= 0; --d)
          order.push_back(d);
      unsigned bits = sharedElementBits(srcTy.getElementType());
      auto shared =
          getSwizzledShared(op.getContext(), srcTy.getShape(), order, bits);
      // An instruction reading the operand from shared memory itself may
      // need its rows in panels (wgmma's B at rows over 128 bytes).
      if (auto dot = dyn_cast<DotOperandEncodingAttr>(dstTy.getEncoding()))
        if (auto mma = dyn_cast<MmaLayoutAttrInterface>(dot.getParent()))
          if (unsigned panel = mma.getOperandSharedPanel(
                  dot.getOpIdx(), srcTy.getShape()[order[0]], bits);
              panel && shared.getMaxPhase() > 1)
            shared = SharedEncodingAttr::get(
                op.getContext(), shared.getVec(), shared.getPerPhase(),
                shared.getMaxPhase(), shared.getOrder(), panel);
      auto bufTy = SharedBufferType::get(op.getContext(), srcTy.getShape(),
                                         srcTy.getElementType(), shared);
      OpBuilder b(op);
      auto alloc = LocalAllocOp::create(b, op.getLoc(), bufTy, op.getSrc(),
                                        IntegerAttr());
      // Users inside a nested loop read the buffer there: the tile (Q in
      // attention) then stays in shared memory instead of occupying
      // registers for the whole loop.
      DenseMap<Block *, Value> loads;
      for (OpOperand &use : llvm::make_early_inc_range(op->getUses())) {
        Operation *user = use.getOwner();
        Block *block = user->getBlock() == op->getBlock() ? op->getBlock()
                                                          : user->getBlock();
        Value &load = loads[block];
        if (!load) {
          OpBuilder lb(op);
          if (block != op->getBlock())
            lb.setInsertionPoint(user);
          load = LocalLoadOp::create(lb, op.getLoc(), dstTy, alloc);
        } else if (block != op->getBlock() &&
                   user->isBeforeInBlock(load.getDefiningOp())) {
          load.getDefiningOp()->moveBefore(user);
        }
        use.set(load);
      }
      op.erase();
    }
  }
};
} // namespace
