//===- Pingpong.cpp - consumer warpgroups take turns on the tensor cores -===//
//
// FlashAttention-3's pingpong between the two consumer warpgroups of a
// warp-specialized kernel: each group of consecutive asynchronous dot
// issues is a window that one warpgroup enters only once the other has left
// its own, so that while one issues its GEMMs the other runs its softmax.
// Named barriers order the windows: warpgroup 0 waits on 2 and arrives at
// 3, warpgroup 1 waits on 3 and arrives at 2. The windows must therefore
// come in the same sequence in both warpgroups: the loops and branches
// around them may only depend on scalars, which every thread computes
// alike (tensor values differ between threads).
//
//===----------------------------------------------------------------------===//

#include "fa/Dialect/TileNV/Transforms/Passes.h"

#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"
#include "fa/Dialect/TileNV/IR/TileNVDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

namespace fa::tilenv {
#define GEN_PASS_DEF_TILENVPINGPONG
#include "fa/Dialect/TileNV/Transforms/Passes.h.inc"
} // namespace fa::tilenv

using namespace mlir;
using namespace fa::tilegpu;
namespace nv = fa::tilenv;

namespace {
constexpr int32_t kWarpgroupThreads = 128;
/// Named barriers 0 (every thread) and 1 (the consumers) are taken by the
/// warp-specialized kernel; warpgroup g waits on kFirstId + g.
constexpr int32_t kFirstId = 2;

/// Whether `v` is the same in every consumer thread: not a tile, computed
/// from kernel arguments, constants, program ids, sizes and induction
/// variables of such loops, by ops without regions or writes.
bool isUniform(Value v, llvm::DenseMap<Value, bool> &memo) {
  if (auto it = memo.find(v); it != memo.end())
    return it->second;
  memo[v] = false; // cycles (iteration arguments) are not uniform
  bool uniform = false;
  if (isa<TensorType>(v.getType())) {
    uniform = false; // distributed over the threads
  } else if (auto arg = dyn_cast<BlockArgument>(v)) {
    Operation *owner = arg.getOwner()->getParentOp();
    if (isa<fa::tile::KernelOp>(owner))
      uniform = true;
    else if (auto loop = dyn_cast<scf::ForOp>(owner))
      uniform = arg == loop.getInductionVar() &&
                isUniform(loop.getLowerBound(), memo) &&
                isUniform(loop.getUpperBound(), memo) &&
                isUniform(loop.getStep(), memo);
  } else {
    Operation *op = v.getDefiningOp();
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    bool writes = effects ? effects.hasEffect<MemoryEffects::Write>()
                          : !op->hasTrait<OpTrait::HasRecursiveMemoryEffects>();
    uniform = op->getNumRegions() == 0 && !writes &&
              !isa<nv::ProducerWarpgroupOp>(op) &&
              llvm::all_of(op->getOperands(),
                           [&](Value o) { return isUniform(o, memo); });
  }
  memo[v] = uniform;
  return uniform;
}

/// Ops that may sit between two dot issues of one window: they neither
/// wait on the other warpgroup (barriers, shared-memory stores and
/// reductions can) nor wait for a dot.
bool fitsInWindow(Operation *op) {
  if (op->getNumRegions())
    return false;
  if (isa<DotAsyncOp, LocalLoadOp, RingSlotOp, TransViewOp, ConvertLayoutOp>(
          op))
    return true;
  if (auto wait = dyn_cast<nv::MBarrierWaitOp>(op))
    return !wait.getElected();
  return isa<arith::ArithDialect, math::MathDialect>(op->getDialect());
}

struct PingpongPass : fa::tilenv::impl::TileNVPingpongBase<PingpongPass> {
  using Base::Base;

  void runOnOperation() override {
    for (auto kernel : getOperation().getOps<fa::tile::KernelOp>()) {
      std::string why = apply(kernel);
      if (!why.empty())
        kernel.emitRemark("no pingpong: ") << why;
    }
  }

  /// Places the windows in `kernel`, or says why not (nothing changed).
  std::string apply(fa::tile::KernelOp kernel) {
    if (!kernel->hasAttr("tilegpu.producer_warps"))
      return "the kernel is not warp-specialized";
    scf::IfOp roles;
    nv::ProducerWarpgroupOp producer;
    for (Operation &op : kernel.getBody().front())
      if (auto ifOp = dyn_cast<scf::IfOp>(op))
        if (auto p =
                ifOp.getCondition().getDefiningOp<nv::ProducerWarpgroupOp>()) {
          roles = ifOp;
          producer = p;
        }
    if (!roles || roles.getElseRegion().empty())
      return "no consumer branch";
    if (producer.getConsumers() != 2 * kWarpgroupThreads)
      return "it has " + std::to_string(producer.getConsumers()) +
             " consumer threads, not two warpgroups";
    Block *consumer = roles.elseBlock();
    bool placed = false;
    kernel.walk([&](Operation *op) {
      placed |= isa<nv::NamedBarrierSyncOp, nv::NamedBarrierArriveOp>(op);
    });
    if (placed)
      return "it already has pingpong barriers";

    // Every dot must be met equally often by both warpgroups.
    SmallVector<DotAsyncOp> dots;
    consumer->walk([&](DotAsyncOp dot) { dots.push_back(dot); });
    if (dots.empty())
      return "no asynchronous dot";
    llvm::DenseMap<Value, bool> memo;
    for (DotAsyncOp dot : dots) {
      for (Operation *p = dot->getParentOp(); p != roles;
           p = p->getParentOp()) {
        if (auto loop = dyn_cast<scf::ForOp>(p)) {
          if (!isUniform(loop.getLowerBound(), memo) ||
              !isUniform(loop.getUpperBound(), memo) ||
              !isUniform(loop.getStep(), memo))
            return "a loop around a dot has bounds that may differ between "
                   "threads";
        } else if (auto ifOp = dyn_cast<scf::IfOp>(p)) {
          if (!isUniform(ifOp.getCondition(), memo))
            return "a branch around a dot has a condition that may differ "
                   "between threads";
        } else {
          return "a dot is inside '" + p->getName().getStringRef().str() + "'";
        }
      }
    }

    // The windows: runs of dot issues with only window-safe ops between.
    SmallVector<std::pair<DotAsyncOp, DotAsyncOp>> windows;
    llvm::SetVector<Block *> blocks;
    for (DotAsyncOp dot : dots)
      blocks.insert(dot->getBlock());
    for (Block *block : blocks) {
      DotAsyncOp first, last;
      for (Operation &op : *block) {
        if (auto dot = dyn_cast<DotAsyncOp>(op)) {
          if (!first)
            first = dot;
          last = dot;
          continue;
        }
        if (first && !fitsInWindow(&op)) {
          windows.push_back({first, last});
          first = last = {};
        }
      }
      if (first)
        windows.push_back({first, last});
    }

    MLIRContext *ctx = kernel.getContext();
    Location loc = kernel.getLoc();
    OpBuilder b(ctx);
    auto ids = [&](int32_t g0, int32_t g1) {
      return DenseI32ArrayAttr::get(ctx, {g0, g1});
    };
    int32_t threads = 2 * kWarpgroupThreads;
    int32_t bar0 = kFirstId, bar1 = kFirstId + 1;
    for (auto [first, last] : windows) {
      b.setInsertionPoint(first);
      nv::NamedBarrierSyncOp::create(b, first.getLoc(), ids(bar0, bar1),
                                     threads);
      b.setInsertionPointAfter(last);
      nv::NamedBarrierArriveOp::create(b, last.getLoc(), ids(bar1, bar0),
                                       threads);
    }
    // Warpgroup 0 opens the first window; it takes warpgroup 1's arrival
    // after the last window back at the end.
    b.setInsertionPointToStart(consumer);
    if (isa<nv::SetMaxNRegOp>(consumer->front()))
      b.setInsertionPointAfter(&consumer->front());
    nv::NamedBarrierArriveOp::create(b, loc, ids(-1, bar0), threads);
    b.setInsertionPoint(consumer->getTerminator());
    nv::NamedBarrierSyncOp::create(b, loc, ids(bar0, -1), threads);
    return "";
  }
};
} // namespace
