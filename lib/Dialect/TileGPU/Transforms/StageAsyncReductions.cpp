//===- StageAsyncReductions.cpp - atomic adds through shared memory -------===//
//
// A `tile.atomic_add` of whole rows (the global tensor's innermost
// dimension, from offset 0) becomes, where the target reduces such rows
// asynchronously (TargetInfo::getAsyncReduceRowAlignment), a store of the
// tile into a shared buffer and one `tilegpu.reduce_async` of the buffer:
// the copy engine adds each row as a whole instead of every thread adding
// its elements. The buffer (rows padded where they would start in one
// bank) is allocated once per tile type, before the outermost op of the
// kernel body that holds the first such add, and reused by every execution
// of every add of that type:
//
//   reduce_wait {read}   the previous reduction has read the buffer
//   barrier              (in every thread that issued it)
//   local_store          the tile into the buffer
//   barrier              every thread's part is written (and fenced:
//                        tilegpu-insert-async-fences)
//   reduce_async
//
// and a `reduce_wait` (not `read`: the additions done) ends the kernel.
//
//===----------------------------------------------------------------------===//

#include "PipelineLowerLoads.h"

#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Dialect/TileGPU/IR/ModuleTarget.h"
#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"
#include "fa/Dialect/TileGPU/Transforms/Passes.h"
#include "fa/Target/TargetInfo.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/MapVector.h"

namespace fa::tilegpu {
#define GEN_PASS_DEF_TILEGPUSTAGEASYNCREDUCTIONS
#include "fa/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace fa::tilegpu

using namespace mlir;
using namespace fa::tilegpu;

namespace {

/// The 32 four-byte banks of shared memory: rows of a multiple of this many
/// bytes all start in bank 0.
constexpr int64_t kBankRowBytes = 128;

/// Whether `add` adds whole rows the target can reduce asynchronously.
bool isStageable(fa::tile::AtomicAddOp add, const fa::TargetInfo &target) {
  if (add.getMask() || !isa<BlockArgument>(add.getBase()))
    return false;
  auto ty = add.getValue().getType();
  auto mt = cast<MemRefType>(add.getBase().getType());
  int64_t rank = mt.getRank();
  SmallVector<int64_t> dims = add.getTileDims();
  if (ty.getRank() != 2 || dims.size() != 2 || dims[1] != rank - 1 ||
      !matchPattern(add.getOffsets()[rank - 1], m_Zero()))
    return false;
  std::optional<int64_t> row = pipeline::rowElements(add.getBase());
  if (!row || *row != ty.getShape()[1])
    return false;
  unsigned align = target.getAsyncReduceRowAlignment(ty.getElementType());
  int64_t rowBytes = *row * ty.getElementTypeBitWidth() / 8;
  return align && rowBytes % align == 0;
}

/// The staging buffer of a tile type: rows stored one after the other,
/// unswizzled, so that each is one contiguous range for the copy engine.
/// Rows that would all start in one bank are padded by one alignment unit,
/// so that the rows of an accumulator fragment a warp stores at once spread
/// over the banks.
SharedBufferType slotTypeFor(RankedTensorType ty,
                             const fa::TargetInfo &target) {
  MLIRContext *ctx = ty.getContext();
  Type elem = ty.getElementType();
  int64_t elemBytes = ty.getElementTypeBitWidth() / 8;
  int64_t align = target.getAsyncReduceRowAlignment(elem);
  unsigned pad =
      (ty.getShape()[1] * elemBytes) % kBankRowBytes ? 0 : align / elemBytes;
  auto rows = SharedEncodingAttr::get(ctx, /*vec=*/1, /*perPhase=*/1,
                                      /*maxPhase=*/1, {1, 0}, /*panel=*/0, pad);
  return SharedBufferType::get(ctx, ty.getShape(), elem, rows);
}

/// Stages the adds of `kernel` (in program order). Adds of one tile type
/// share one buffer (the waits order every reuse), allocated before the
/// first one's outermost op in the kernel body.
void stage(ArrayRef<fa::tile::AtomicAddOp> adds, fa::tile::KernelOp kernel,
           const fa::TargetInfo &target) {
  Block &body = kernel.getBody().front();
  llvm::MapVector<Type, std::pair<Value, Value>> buffers; // ring, slot
  for (fa::tile::AtomicAddOp add : adds) {
    Location loc = add.getLoc();
    SharedBufferType slotTy = slotTypeFor(add.getValue().getType(), target);
    auto [it, fresh] = buffers.try_emplace(slotTy);
    if (fresh) {
      OpBuilder b(body.findAncestorOpInBlock(*add));
      auto ring = AllocRingOp::create(b, loc, pipeline::ringTypeFor(slotTy, 1),
                                      IntegerAttr(), IntegerAttr());
      Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
      it->second = {ring, RingSlotOp::create(b, loc, slotTy, ring, c0)};
    }
    auto [ring, slot] = it->second;
    OpBuilder b(add);
    ReduceWaitOp::create(b, loc, ring, b.getI32IntegerAttr(0), b.getUnitAttr());
    BarrierOp::create(b, loc);
    LocalStoreOp::create(b, loc, add.getValue(), slot);
    BarrierOp::create(b, loc);
    ReduceAsyncOp::create(b, loc, slot, add.getBase(), add.getOffsets(),
                          add.getDimsAttr());
    add.erase();
  }
  // The additions are done before the kernel ends (and its shared memory
  // is released).
  OpBuilder b(body.getTerminator());
  for (auto &[type, buffer] : buffers)
    ReduceWaitOp::create(b, buffer.first.getLoc(), buffer.first,
                         b.getI32IntegerAttr(0), UnitAttr());
}

struct StageAsyncReductionsPass
    : fa::tilegpu::impl::TileGPUStageAsyncReductionsBase<
          StageAsyncReductionsPass> {
  void runOnOperation() override {
    TargetAttr targetAttr = getModuleTarget(getOperation());
    if (!targetAttr)
      return;
    std::string error;
    auto target = fa::createTargetInfo(targetAttr.getName(), error);
    if (!target) {
      getOperation().emitError(error);
      return signalPassFailure();
    }
    getOperation().walk([&](fa::tile::KernelOp kernel) {
      SmallVector<fa::tile::AtomicAddOp> adds;
      kernel.walk([&](fa::tile::AtomicAddOp add) {
        if (isStageable(add, *target))
          adds.push_back(add);
      });
      stage(adds, kernel, *target);
    });
  }
};
} // namespace
