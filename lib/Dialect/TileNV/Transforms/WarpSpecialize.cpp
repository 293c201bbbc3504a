//===- WarpSpecialize.cpp - a producer warpgroup for the TMA copies -------===//
//
// FlashAttention-3's split: one warpgroup only issues the ring's bulk
// copies (waiting for each slot's release, expecting its bytes), the
// others only compute, with registers moved from the former to the latter.
// Runs after shared-memory allocation so that the two roles' clones of a
// buffer keep one offset. The consumer release of the ring
// (PipelineBarrierCopies.cpp) is what lets the roles run apart: the loops
// have no CTA barrier left, and the barriers that remain around the
// mbarriers' initialization and invalidation are met by both roles.
//
//===----------------------------------------------------------------------===//

#include "fa/Dialect/TileNV/Transforms/Passes.h"

#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Dialect/TileGPU/IR/ModuleTarget.h"
#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"
#include "fa/Dialect/TileNV/IR/TileNVDialect.h"
#include "fa/Target/TargetInfo.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/DenseSet.h"

namespace fa::tilenv {
#define GEN_PASS_DEF_TILENVWARPSPECIALIZE
#include "fa/Dialect/TileNV/Transforms/Passes.h.inc"
} // namespace fa::tilenv

using namespace mlir;
using namespace fa::tilegpu;
namespace nv = fa::tilenv;

namespace {
constexpr llvm::StringLiteral kAllThreads = "tilegpu.all_threads";
constexpr int64_t kProducerWarps = 4;

/// The copy ops: what only the producer runs.
bool isCopyOp(Operation *op) {
  if (auto wait = dyn_cast<nv::MBarrierWaitOp>(op))
    return wait.getElected();
  return isa<nv::MBarrierExpectOp, nv::TmaLoadOp>(op);
}

/// The mbarriers' initialization and invalidation: the producer's copying
/// thread runs them (the lowering elects it), so that they and its own
/// waits and arrivals on those barriers are one thread's program order.
bool isBarrierSetup(Operation *op) {
  return isa<nv::MBarrierInitOp, nv::MBarrierInvalOp>(op);
}

/// The barrier next to `op` in its block, after (`forward`) or before it,
/// skipping other mbarrier initializations and invalidations.
BarrierOp adjacentBarrier(Operation *op, bool forward) {
  for (Operation *o = forward ? op->getNextNode() : op->getPrevNode(); o;
       o = forward ? o->getNextNode() : o->getPrevNode()) {
    if (auto bar = dyn_cast<BarrierOp>(o))
      return bar;
    if (!isa<nv::MBarrierInitOp, nv::MBarrierInvalOp, AllocRingOp>(o))
      return {};
  }
  return {};
}

/// Why `kernel` cannot be split, or an empty string.
std::string refusal(fa::tile::KernelOp kernel) {
  bool copies = false;
  std::string why;
  kernel.walk([&](Operation *op) {
    if (isa<AsyncCopyOp>(op))
      why = "it has per-thread asynchronous copies";
    if (!isa<nv::TmaLoadOp>(op))
      return;
    copies = true;
    // Every loop holding copies must release its slots through empty
    // barriers: a CTA barrier in it would need the producer.
    if (auto loop = op->getParentOfType<scf::ForOp>()) {
      bool released = false;
      loop.walk([&](nv::MBarrierWaitOp w) { released |= w.getElected(); });
      bool ctaBarrier = false;
      loop.walk([&](BarrierOp) { ctaBarrier = true; });
      if (!released || ctaBarrier)
        why = "a loop's ring has no consumer release";
    }
  });
  if (why.empty() && !copies)
    why = "it has no TMA copies";
  return why;
}

/// Reduces the producer's clone (`block`) to the copies, what they need
/// and the all-thread barriers; loops lose their iteration arguments.
LogicalResult pruneProducer(Block *block) {
  Operation *top = block->getParentOp();
  llvm::DenseSet<Operation *> keep;
  SmallVector<Operation *> work;
  block->walk([&](Operation *op) {
    if (isCopyOp(op) || isBarrierSetup(op) ||
        (isa<BarrierOp>(op) && op->hasAttr(kAllThreads)))
      work.push_back(op);
  });
  auto inside = [&](Operation *op) {
    return op && op != top && top->isProperAncestor(op);
  };
  while (!work.empty()) {
    Operation *op = work.pop_back_val();
    if (!keep.insert(op).second)
      continue;
    // A loop needs its bounds, not its iteration arguments' initial values.
    SmallVector<Value> needed(op->getOperands());
    if (auto loop = dyn_cast<scf::ForOp>(op))
      needed = {loop.getLowerBound(), loop.getUpperBound(), loop.getStep()};
    for (Value v : needed) {
      if (inside(v.getDefiningOp()))
        work.push_back(v.getDefiningOp());
      else if (auto arg = dyn_cast<BlockArgument>(v))
        if (inside(arg.getOwner()->getParentOp()))
          work.push_back(arg.getOwner()->getParentOp());
    }
    if (inside(op->getParentOp()))
      work.push_back(op->getParentOp());
    // A branch keeps its terminators (they yield nothing).
    if (auto ifOp = dyn_cast<scf::IfOp>(op)) {
      if (ifOp.getNumResults())
        return ifOp.emitError("warp specialization: a branch holding copies "
                              "returns values");
      for (Region &r : ifOp->getRegions())
        for (Block &b : r)
          work.push_back(b.getTerminator());
    }
    if (auto loop = dyn_cast<scf::ForOp>(op))
      keep.insert(loop.getBody()->getTerminator());
  }
  // Loops yield nothing any more; everything else not kept goes.
  SmallVector<scf::ForOp> loops;
  SmallVector<Operation *> dead;
  block->walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (auto loop = dyn_cast<scf::ForOp>(op); loop && keep.contains(op)) {
      loops.push_back(loop);
      loop.getBody()->getTerminator()->setOperands({});
    }
    if (!keep.contains(op) && !op->hasTrait<OpTrait::IsTerminator>()) {
      dead.push_back(op);
      return WalkResult::skip();
    }
    return WalkResult::advance();
  });
  for (Operation *op : dead)
    op->dropAllReferences();
  for (Operation *op : dead) {
    op->dropAllUses();
    op->erase();
  }
  for (scf::ForOp loop : loops) {
    OpBuilder b(loop);
    auto bare = scf::ForOp::create(b, loop.getLoc(), loop.getLowerBound(),
                                   loop.getUpperBound(), loop.getStep());
    Block *nb = bare.getBody();
    Block *ob = loop.getBody();
    ob->getTerminator()->erase();
    ob->getArgument(0).replaceAllUsesWith(bare.getInductionVar());
    nb->getOperations().splice(nb->begin(), ob->getOperations());
    loop->dropAllUses();
    loop.erase();
  }
  return success();
}

struct WarpSpecializePass
    : fa::tilenv::impl::TileNVWarpSpecializeBase<WarpSpecializePass> {
  using Base::Base;

  void runOnOperation() override {
    TargetAttr target = getModuleTarget(getOperation());
    for (auto kernel : getOperation().getOps<fa::tile::KernelOp>()) {
      std::string why = refusal(kernel);
      if (!why.empty() || !target || target.getWarps() % 4) {
        kernel.emitRemark("not warp-specialized: ")
            << (why.empty() ? "the consumers are not whole warpgroups" : why);
        continue;
      }
      if (failed(split(kernel, target.getNumThreads())))
        return signalPassFailure();
    }
  }

  LogicalResult split(fa::tile::KernelOp kernel, int64_t consumers) {
    // The barriers both roles meet.
    kernel.walk([&](Operation *op) {
      if (isa<nv::MBarrierInitOp>(op))
        if (BarrierOp bar = adjacentBarrier(op, /*forward=*/true))
          bar->setAttr(kAllThreads, UnitAttr::get(op->getContext()));
      if (isa<nv::MBarrierInvalOp>(op))
        for (bool forward : {false, true})
          if (BarrierOp bar = adjacentBarrier(op, forward))
            bar->setAttr(kAllThreads, UnitAttr::get(op->getContext()));
    });
    Block &body = kernel.getBody().front();
    Location loc = kernel.getLoc();
    OpBuilder b(&body, body.begin());
    Value producer = nv::ProducerWarpgroupOp::create(
        b, loc, b.getI1Type(), b.getI32IntegerAttr(int32_t(consumers)));
    auto roles = scf::IfOp::create(b, loc, producer, /*withElse=*/true);
    Block *consumer = roles.elseBlock();
    for (Operation &op : llvm::make_early_inc_range(
             llvm::make_range(std::next(roles->getIterator()),
                              body.getTerminator()->getIterator())))
      op.moveBefore(consumer->getTerminator());
    Block *prod = roles.thenBlock();
    IRMapping map;
    b.setInsertionPoint(prod->getTerminator());
    for (Operation &op : consumer->without_terminator())
      b.clone(op, map);
    if (failed(pruneProducer(prod)))
      return failure();
    SmallVector<Operation *> copies;
    consumer->walk([&](Operation *op) {
      if (isCopyOp(op) || isBarrierSetup(op))
        copies.push_back(op);
    });
    for (Operation *op : copies) {
      // The initialization's lowering also orders every thread's earlier
      // generic-proxy writes before the copies (buffers the allocator
      // reuses): the consumers keep that fence.
      if (isa<nv::MBarrierInitOp>(op) &&
          !isa_and_nonnull<FenceAsyncSharedOp>(op->getPrevNode())) {
        OpBuilder fb(op);
        FenceAsyncSharedOp::create(fb, op->getLoc());
      }
      op->erase();
    }
    // The copies' address arithmetic, now unused (pure ops only: a wait
    // has no result and reads memory, yet must stay).
    auto unusedPure = [](Operation *op) {
      return isPure(op) && op->use_empty() && op->getNumRegions() == 0 &&
             !op->hasTrait<OpTrait::IsTerminator>();
    };
    SmallVector<Operation *> unused;
    consumer->walk([&](Operation *op) {
      if (unusedPure(op))
        unused.push_back(op);
    });
    while (!unused.empty()) {
      Operation *op = unused.pop_back_val();
      SmallVector<Operation *> defs;
      for (Value v : op->getOperands())
        if (Operation *d = v.getDefiningOp())
          defs.push_back(d);
      op->erase();
      for (Operation *d : defs)
        if (unusedPure(d) && !llvm::is_contained(unused, d))
          unused.push_back(d);
    }
    // Several programs per multiprocessor share its 65536 registers: the
    // consumers get what the producers leave of this program's share, or
    // setmaxnreg.inc would wait for registers another program holds.
    int64_t consumerRegs = consumerRegisters;
    if (auto programs =
            kernel->getAttrOfType<IntegerAttr>(fa::kMinProgramsPerSMAttr);
        programs && programs.getInt() > 1) {
      int64_t share = 65536 / programs.getInt();
      int64_t fit = (share - kProducerWarps * 32 * int64_t(producerRegisters)) /
                    consumers / 8 * 8;
      consumerRegs = std::min(consumerRegs, fit);
      if (consumerRegs < 24 || consumerRegs < int64_t(producerRegisters))
        return kernel.emitError()
               << "warp specialization: " << programs.getInt()
               << " programs per multiprocessor leave its consumers "
               << consumerRegs << " registers per thread";
    }
    b.setInsertionPointToStart(prod);
    nv::SetMaxNRegOp::create(b, loc, b.getI32IntegerAttr(producerRegisters),
                             b.getBoolAttr(false));
    b.setInsertionPointToStart(consumer);
    nv::SetMaxNRegOp::create(b, loc, b.getI32IntegerAttr(int32_t(consumerRegs)),
                             b.getBoolAttr(true));
    kernel->setAttr("tilegpu.producer_warps",
                    b.getI32IntegerAttr(int32_t(kProducerWarps)));
    return success();
  }
};
} // namespace
