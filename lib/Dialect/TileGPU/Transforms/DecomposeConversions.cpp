//===- DecomposeConversions.cpp - layout conversions via shared memory ----===//

#include "fa/Dialect/TileGPU/Transforms/Passes.h"

#include "fa/Dialect/TileGPU/IR/LinearLayout.h"
#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"

#include "fa/Dialect/Tile/IR/TileDialect.h"

#include "mlir/IR/Builders.h"

namespace fa::tilegpu {
#define GEN_PASS_DEF_TILEGPUDECOMPOSECONVERSIONS
#include "fa/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace fa::tilegpu

using namespace mlir;
using namespace fa::tilegpu;

namespace {
/// The swizzled buffer a conversion of `srcTy` (stored in `order`) to
/// `dstTy` goes through: rows in panels where an instruction reading the
/// operand from shared memory itself needs them (wgmma's operands at rows
/// over 128 bytes).
SharedEncodingAttr sharedFor(RankedTensorType srcTy, RankedTensorType dstTy,
                             ArrayRef<unsigned> order) {
  MLIRContext *ctx = srcTy.getContext();
  // A bool takes a byte in shared memory (sharedElementBits).
  unsigned bits = sharedElementBits(srcTy.getElementType());
  auto shared = getSwizzledShared(ctx, srcTy.getShape(), order, bits);
  if (auto dot = dyn_cast<DotOperandEncodingAttr>(dstTy.getEncoding()))
    if (auto mma = dyn_cast<MmaLayoutAttrInterface>(dot.getParent()))
      if (unsigned panel = mma.getOperandSharedPanel(
              dot.getOpIdx(), srcTy.getShape()[order[0]], bits);
          panel && shared.getMaxPhase() > 1)
        shared = SharedEncodingAttr::get(
            ctx, shared.getVec(), shared.getPerPhase(), shared.getMaxPhase(),
            shared.getOrder(), panel);
  return shared;
}

/// convert(trans(convert(x))) to an MMA operand (Pᵀ and dSᵀ of attention's
/// backward): x is stored once in its own order and the operand is read
/// from the transposed view (a transposing matrix load, or a descriptor of
/// an M-major operand), instead of twice through shared memory (x to a
/// layout the transpose can rename, then to the operand).
bool decomposeTransposedOperand(ConvertLayoutOp op) {
  auto dstTy = op.getType();
  if (!isa<DotOperandEncodingAttr>(dstTy.getEncoding()) || dstTy.getRank() != 2)
    return false;
  auto trans = op.getSrc().getDefiningOp<fa::tile::TransOp>();
  if (!trans || !trans->hasOneUse() ||
      (trans.getOrder() && (*trans.getOrder())[0] != 1))
    return false;
  auto inner = trans.getSrc().getDefiningOp<ConvertLayoutOp>();
  if (!inner || !inner->hasOneUse())
    return false;
  Value x = inner.getSrc();
  auto xTy = cast<RankedTensorType>(x.getType());
  if (!isa<DistributedLayoutAttrInterface>(xTy.getEncoding()))
    return false;
  SmallVector<unsigned> order;
  if (auto b = dyn_cast<BlockedEncodingAttr>(xTy.getEncoding()))
    order.assign(b.getOrder().begin(), b.getOrder().end());
  else
    order = {1, 0};
  // The view's fastest dimension is x's, transposed.
  auto viewTy = RankedTensorType::get({xTy.getDimSize(1), xTy.getDimSize(0)},
                                      xTy.getElementType(), xTy.getEncoding());
  SharedEncodingAttr viewShared =
      sharedFor(viewTy, dstTy, SmallVector<unsigned>{1 - order[0], order[0]});
  MLIRContext *ctx = op.getContext();
  auto shared = SharedEncodingAttr::get(
      ctx, viewShared.getVec(), viewShared.getPerPhase(),
      viewShared.getMaxPhase(), order, viewShared.getPanel());
  auto bufTy =
      SharedBufferType::get(ctx, xTy.getShape(), xTy.getElementType(), shared);
  auto viewBufTy = SharedBufferType::get(ctx, dstTy.getShape(),
                                         xTy.getElementType(), viewShared);
  OpBuilder b(op);
  auto alloc = LocalAllocOp::create(b, op.getLoc(), bufTy, x, IntegerAttr());
  auto view = TransViewOp::create(b, op.getLoc(), viewBufTy, alloc);
  auto load = LocalLoadOp::create(b, op.getLoc(), dstTy, view);
  op.replaceAllUsesWith(load.getResult());
  op.erase();
  trans.erase();
  inner.erase();
  return true;
}

struct DecomposeConversionsPass
    : fa::tilegpu::impl::TileGPUDecomposeConversionsBase<
          DecomposeConversionsPass> {
  void runOnOperation() override {
    SmallVector<ConvertLayoutOp> operands;
    getOperation().walk([&](ConvertLayoutOp op) { operands.push_back(op); });
    for (ConvertLayoutOp op : operands)
      decomposeTransposedOperand(op);
    SmallVector<ConvertLayoutOp> cvts;
    getOperation().walk([&](ConvertLayoutOp op) { cvts.push_back(op); });
    DenseMap<std::pair<Value, Type>, LocalAllocOp> allocs;
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
      SharedEncodingAttr shared = sharedFor(srcTy, dstTy, order);
      auto bufTy = SharedBufferType::get(op.getContext(), srcTy.getShape(),
                                         srcTy.getElementType(), shared);
      // A tile converted twice through the same buffer layout (K of the
      // backward, read by two products) is stored once: these buffers are
      // never written again.
      LocalAllocOp &alloc = allocs[{op.getSrc(), bufTy}];
      if (!alloc || alloc->getBlock() != op->getBlock()) {
        OpBuilder b(op);
        alloc = LocalAllocOp::create(b, op.getLoc(), bufTy, op.getSrc(),
                                     IntegerAttr());
      }
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
