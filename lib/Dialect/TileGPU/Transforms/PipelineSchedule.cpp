//===- PipelineSchedule.cpp - pick the loads to prefetch ------------------===//

#include "fa/Dialect/TileGPU/Transforms/Passes.h"

#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Dialect/TileGPU/IR/LinearLayout.h"
#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"

namespace fa::tilegpu {
#define GEN_PASS_DEF_TILEGPUPIPELINESCHEDULE
#include "fa/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace fa::tilegpu

using namespace mlir;
using namespace fa::tilegpu;

namespace {
/// The buffer a stage-0 candidate load feeds, or null.
LocalAllocOp feedsBuffer(fa::tile::LoadOp load) {
  if (!load->hasOneUse())
    return {};
  Operation *user = *load->user_begin();
  if (auto trans = dyn_cast<fa::tile::TransOp>(user)) {
    if (!trans->hasOneUse() || trans.getType().getRank() != 2)
      return {};
    user = *trans->user_begin();
  }
  return dyn_cast<LocalAllocOp>(user);
}

bool canPrefetch(fa::tile::LoadOp load, scf::ForOp loop) {
  if (!feedsBuffer(load))
    return false;
  for (Value o : load.getOffsets())
    if (o != loop.getInductionVar() && !loop.isDefinedOutsideOfLoop(o))
      return false;
  if (auto pad = load.getPadding())
    if (!matchPattern(load.getPaddingOrZero(), m_Zero()) &&
        !matchPattern(load.getPaddingOrZero(), m_AnyZeroFloat()))
      return false;
  // 16-byte vectors along the innermost global dimension, fully covered.
  auto ty = load.getType();
  auto mt = cast<MemRefType>(load.getBase().getType());
  unsigned rank = mt.getRank();
  SmallVector<int64_t> dims = load.getTileDims();
  if (dims.empty() || dims.back() != int64_t(rank) - 1 ||
      !matchPattern(load.getOffsets()[rank - 1], m_Zero()))
    return false;
  unsigned bits = ty.getElementType().getIntOrFloatBitWidth();
  int64_t inner = ty.getShape().back();
  if (bits % 8 || (inner * bits) % 128)
    return false;
  std::string error;
  auto ll = toLinearLayout(ty.getEncoding(), ty.getShape(), error);
  if (!ll || ll->reg.size() < llvm::Log2_64(128 / bits))
    return false;
  for (unsigned i = 0; i < llvm::Log2_64(128 / bits); ++i) {
    Offsets want(ty.getRank(), 0);
    want.back() = int64_t(1) << i;
    if (ll->reg[i] != want)
      return false;
  }
  // The innermost size must be a compile-time multiple of the vector.
  auto arg = dyn_cast<BlockArgument>(load.getBase());
  if (!mt.isDynamicDim(rank - 1))
    return mt.getDimSize(rank - 1) % (128 / bits) == 0;
  if (!arg)
    return false;
  auto kernel = dyn_cast<fa::tile::KernelOp>(arg.getOwner()->getParentOp());
  if (!kernel || !kernel.getArgAttrs())
    return false;
  auto dict =
      dyn_cast<DictionaryAttr>((*kernel.getArgAttrs())[arg.getArgNumber()]);
  auto dimsAttr = dict ? dict.getAs<ArrayAttr>("tile.dims") : ArrayAttr();
  if (!dimsAttr || dimsAttr.size() != rank)
    return false;
  auto n = dyn_cast<IntegerAttr>(dimsAttr[rank - 1]);
  return n && n.getInt() % (128 / bits) == 0;
}

struct PipelineSchedulePass
    : fa::tilegpu::impl::TileGPUPipelineScheduleBase<PipelineSchedulePass> {
  using Base::Base;
  void runOnOperation() override {
    if (numStages < 2)
      return;
    Builder b(&getContext());
    getOperation().walk([&](scf::ForOp loop) {
      bool any = false;
      for (Operation &op : loop.getBody()->without_terminator())
        if (auto load = dyn_cast<fa::tile::LoadOp>(op))
          if (canPrefetch(load, loop)) {
            load->setAttr("tilegpu.pipeline_stage", b.getI32IntegerAttr(0));
            any = true;
          }
      if (any)
        loop->setAttr("tilegpu.num_stages", b.getI32IntegerAttr(numStages));
    });
  }
};
} // namespace
