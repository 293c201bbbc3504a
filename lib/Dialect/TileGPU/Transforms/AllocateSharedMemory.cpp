//===- AllocateSharedMemory.cpp - offsets for shared-memory buffers -------===//

#include "fa/Dialect/TileGPU/Transforms/Passes.h"

#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Dialect/TileGPU/IR/LinearLayout.h"
#include "fa/Dialect/TileGPU/IR/ModuleTarget.h"
#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"
#include "fa/Target/TargetInfo.h"

#include "mlir/IR/Builders.h"

namespace fa::tilegpu {
#define GEN_PASS_DEF_TILEGPUALLOCATESHAREDMEMORY
#include "fa/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace fa::tilegpu

using namespace mlir;
using namespace fa::tilegpu;

namespace {
constexpr int64_t kMinAlign = 128;

/// The largest buffer alignment the kernel's matrix instructions need.
int64_t sharedAlignment(fa::tile::KernelOp kernel) {
  int64_t align = kMinAlign;
  kernel.getBody().walk([&](Operation *op) {
    for (Type t : op->getResultTypes()) {
      auto tt = dyn_cast<RankedTensorType>(t);
      Attribute enc = tt ? tt.getEncoding() : Attribute();
      if (auto dot = dyn_cast_or_null<DotOperandEncodingAttr>(enc))
        enc = dot.getParent();
      if (auto mma = dyn_cast_or_null<MmaLayoutAttrInterface>(enc))
        align = std::max(align, mma.getSharedAlignment());
    }
  });
  return align;
}

struct Interval {
  Operation *op;
  int64_t start, end, size, align, offset = -1;
};

/// Scratch bytes a reduction across warps needs: one slot per warp along the
/// reduced dimension for every result element; 0 when it stays in a warp.
int64_t reductionScratchBytes(fa::tile::ReduceOp red) {
  auto srcTy = red.getSrc().getType();
  if (!isDistributedLayout(srcTy.getEncoding()))
    return 0;
  std::string error;
  auto ll = toLinearLayout(srcTy.getEncoding(), srcTy.getShape(), error);
  if (!ll)
    return 0;
  int64_t warps = 1;
  for (const Offsets &w : ll->warp)
    if (w[red.getAxis()])
      warps *= 2;
  if (warps == 1)
    return 0;
  int64_t elems = 1;
  for (int64_t d : red.getType().getShape())
    elems *= d;
  int64_t bytes = std::max<int64_t>(4, srcTy.getElementTypeBitWidth() / 8);
  return warps * elems * bytes;
}

struct AllocateSharedMemoryPass
    : fa::tilegpu::impl::TileGPUAllocateSharedMemoryBase<
          AllocateSharedMemoryPass> {
  void runOnOperation() override {
    for (auto kernel : getOperation().getOps<fa::tile::KernelOp>())
      if (failed(allocate(kernel)))
        return signalPassFailure();
  }

  LogicalResult allocate(fa::tile::KernelOp kernel) {
    // Number ops in pre-order; an op's extent ends at its last nested op.
    DenseMap<Operation *, int64_t> first, last;
    int64_t counter = 0;
    kernel.getBody().walk<WalkOrder::PreOrder>(
        [&](Operation *op) { first[op] = counter++; });
    // Post-order visits nested ops first.
    kernel.getBody().walk<WalkOrder::PostOrder>([&](Operation *op) {
      int64_t end = first[op];
      for (Region &r : op->getRegions())
        for (Block &b : r)
          for (Operation &nested : b)
            end = std::max(end, last[&nested]);
      last[op] = end;
    });

    const int64_t kAlign = sharedAlignment(kernel);
    SmallVector<Interval> buffers;
    kernel.getBody().walk([&](Operation *alloc) {
      if (!isa<LocalAllocOp, AllocRingOp>(alloc))
        return;
      auto ty = cast<SharedBufferType>(alloc->getResult(0).getType());
      int64_t bytes =
          ty.getNumElements() * sharedElementBits(ty.getElementType()) / 8;
      int64_t end = first[alloc];
      Block *home = alloc->getBlock();
      // Uses through ring slots and transposed views count as uses. So do
      // the readers of a local_load's result: the lowering may read the
      // buffer only there (an MMA operand is loaded per K step inside its
      // dot, or read by the tensor cores through a descriptor), and an
      // asynchronous dot reads it until its wait.
      SmallVector<Operation *> users(alloc->getUsers());
      for (unsigned i = 0; i < users.size(); ++i)
        if (isa<RingSlotOp, TransViewOp, LocalLoadOp, DotAsyncOp>(users[i]))
          llvm::append_range(users, users[i]->getUsers());
      for (Operation *user : users) {
        Operation *anc = home->findAncestorOpInBlock(*user);
        end = std::max(end, anc ? last[anc] : last[user]);
      }
      int64_t align = kAlign;
      if (auto ring = dyn_cast<AllocRingOp>(alloc))
        align = std::max<int64_t>(align, ring.getAlign().value_or(0));
      buffers.push_back({alloc, first[alloc], end, bytes, align});
    });

    // Reductions whose reduced dimension spans warps exchange partial
    // results through a scratch buffer that lives for the op only.
    kernel.getBody().walk([&](fa::tile::ReduceOp red) {
      int64_t bytes = reductionScratchBytes(red);
      if (bytes > 0)
        buffers.push_back({red, first[red], first[red], bytes, kAlign});
    });
    llvm::stable_sort(buffers, [](const Interval &a, const Interval &b) {
      return a.start < b.start;
    });

    int64_t total = 0;
    for (size_t i = 0; i < buffers.size(); ++i) {
      Interval &cur = buffers[i];
      // First fit among the buffers live at the same time.
      SmallVector<std::pair<int64_t, int64_t>> taken;
      for (size_t j = 0; j < i; ++j)
        if (buffers[j].start <= cur.end && cur.start <= buffers[j].end)
          taken.push_back(
              {buffers[j].offset, buffers[j].offset + buffers[j].size});
      llvm::sort(taken);
      int64_t offset = 0;
      for (auto [lo, hi] : taken) {
        if (offset + cur.size <= lo)
          break;
        offset = std::max<int64_t>(offset, llvm::alignTo(hi, cur.align));
      }
      cur.offset = offset;
      total = std::max(total, offset + cur.size);
      cur.op->setAttr(
          isa<fa::tile::ReduceOp>(cur.op) ? "tilegpu.scratch_offset" : "offset",
          IntegerAttr::get(IntegerType::get(&getContext(), 64), offset));
    }

    // A ring's copies write its memory without the barrier a local_alloc
    // emits before its stores: where the ring reuses bytes of a buffer
    // (live at other times) that threads read with plain loads, every
    // thread must be done reading it before any thread starts a copy (the
    // backward's delta row, read before the loop, and the loop's first
    // K/V copies: a race). One barrier after the ring's allocation, before
    // its first copies. Another ring's memory is free already: a pipelined
    // loop ends with a wait and a barrier.
    for (const Interval &ring : buffers) {
      if (!isa<AllocRingOp>(ring.op))
        continue;
      bool reuses = llvm::any_of(buffers, [&](const Interval &other) {
        return !isa<AllocRingOp>(other.op) &&
               other.offset < ring.offset + ring.size &&
               ring.offset < other.offset + other.size;
      });
      if (!reuses)
        continue;
      OpBuilder b(ring.op->getContext());
      b.setInsertionPointAfter(ring.op);
      BarrierOp::create(b, ring.op->getLoc());
    }

    if (auto targetAttr = getModuleTarget(kernel)) {
      std::string error;
      auto target = fa::createTargetInfo(targetAttr.getName(), error);
      if (!target)
        return kernel.emitError(error);
      if (total > target->getMaxSharedBytes())
        return kernel.emitError()
               << "kernel needs " << total << " bytes of shared memory; "
               << targetAttr.getName() << " allows "
               << target->getMaxSharedBytes();
    }
    kernel->setAttr(
        "tilegpu.shared_bytes",
        IntegerAttr::get(IntegerType::get(&getContext(), 32), total));
    return success();
  }
};
} // namespace
