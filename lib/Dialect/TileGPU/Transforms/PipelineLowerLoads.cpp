//===- PipelineLowerLoads.cpp - scheduled loads as the target's copies ----===//
//
// The only pipelining step that knows a copy protocol. The target's copy
// engines decide: CopyEngine::CpAsync (per-thread copies, commit groups,
// waits), CopyEngine::Tma (copies one thread issues, completing on one
// barrier per ring slot; the target builds those ops through its
// BarrierCopyProtocol) and CopyEngine::Direct (loads to registers stored to
// shared memory later, PipelineDirectCopies.cpp; AMD's). Each is a
// `lowerWith...` function chosen in `pickEngine`; the expander after this
// pass only sees stages, clusters and explicit ops.
//
//===----------------------------------------------------------------------===//

#include "fa/Dialect/TileGPU/Transforms/Passes.h"

#include "PipelineLowerLoads.h"

#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Dialect/TileGPU/IR/ModuleTarget.h"
#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"
#include "fa/Dialect/TileGPU/Transforms/Pipeline.h"
#include "fa/Target/TargetInfo.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"

namespace fa::tilegpu {
#define GEN_PASS_DEF_TILEGPUPIPELINELOWERLOADS
#include "fa/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace fa::tilegpu

using namespace mlir;
using namespace fa::tilegpu;
namespace pl = fa::tilegpu::pipeline;

namespace fa::tilegpu::pipeline {

SharedBufferType transposed(SharedBufferType t) {
  auto enc = cast<SharedEncodingAttr>(t.getEncoding());
  SmallVector<unsigned> order = {1u - enc.getOrder()[0],
                                 1u - enc.getOrder()[1]};
  auto tenc =
      SharedEncodingAttr::get(t.getContext(), enc.getVec(), enc.getPerPhase(),
                              enc.getMaxPhase(), order, enc.getPanel());
  return SharedBufferType::get(t.getContext(),
                               {t.getShape()[1], t.getShape()[0]},
                               t.getElementType(), tenc);
}

/// A ring of `stages` buffers of type `slotTy` (slot dimension slowest).
SharedBufferType ringTypeFor(SharedBufferType slotTy, int64_t stages) {
  MLIRContext *ctx = slotTy.getContext();
  auto enc = cast<SharedEncodingAttr>(slotTy.getEncoding());
  SmallVector<unsigned> order;
  for (unsigned o : enc.getOrder())
    order.push_back(o + 1);
  order.push_back(0);
  auto ringEnc = SharedEncodingAttr::get(ctx, enc.getVec(), enc.getPerPhase(),
                                         enc.getMaxPhase(), order,
                                         enc.getPanel(), enc.getPad());
  SmallVector<int64_t> shape = {stages};
  llvm::append_range(shape, slotTy.getShape());
  return SharedBufferType::get(ctx, shape, slotTy.getElementType(), ringEnc);
}

/// Replaces the buffers of `p` by slot `slot` of its ring (a view of type
/// `p.fillTy`, transposed where the buffer was), placed in the buffer's
/// cluster of the last stage, and erases the load.
void replaceBuffers(Prefetch &p, Value slot, int64_t last) {
  OpBuilder b(p.load);
  Location loc = p.load.getLoc();
  for (LocalAllocOp alloc : p.allocs) {
    b.setInsertionPoint(alloc);
    int64_t cluster = pl::getIntAttr(alloc, pl::kCluster).value_or(3);
    Value cur = RingSlotOp::create(b, loc, p.fillTy, p.ring, slot);
    pl::setStage(cur.getDefiningOp(), last, cluster);
    if (alloc.getType() != p.slotTy) {
      cur = TransViewOp::create(b, loc, transposed(p.fillTy), cur);
      pl::setStage(cur.getDefiningOp(), last, cluster);
    }
    alloc.getResult().replaceAllUsesWith(cur);
    alloc.erase();
  }
  for (fa::tile::TransOp trans : p.transposes)
    trans.erase();
  p.load.erase();
}

/// Moves the address arithmetic on the induction variable (`iv + step`,
/// pipeline::isAddressValue) that the copies of `prefetches` use to `b`'s
/// insertion point, so that it moves along with the copies it feeds.
void hoistAddresses(OpBuilder &b, scf::ForOp loop,
                    MutableArrayRef<Prefetch> prefetches) {
  Block *body = loop.getBody();
  std::function<void(Value)> hoist = [&](Value v) {
    Operation *def = v.getDefiningOp();
    if (!def || def->getBlock() != body || loop.isDefinedOutsideOfLoop(v))
      return;
    for (Value o : def->getOperands())
      hoist(o);
    if (b.getInsertionPoint() != body->end() && &*b.getInsertionPoint() == def)
      b.setInsertionPointAfter(def); // already in place
    else
      def->moveBefore(b.getInsertionBlock(), b.getInsertionPoint());
  };
  for (Prefetch &p : prefetches)
    for (Value o : p.load.getOffsets())
      hoist(o);
}

std::optional<int64_t> rowElements(Value base) {
  auto mt = cast<MemRefType>(base.getType());
  unsigned rank = mt.getRank();
  if (!mt.isDynamicDim(rank - 1))
    return mt.getDimSize(rank - 1);
  auto arg = dyn_cast<BlockArgument>(base);
  if (!arg)
    return std::nullopt;
  auto kernel = dyn_cast<fa::tile::KernelOp>(arg.getOwner()->getParentOp());
  if (!kernel || !kernel.getArgAttrs())
    return std::nullopt;
  auto dict =
      dyn_cast<DictionaryAttr>((*kernel.getArgAttrs())[arg.getArgNumber()]);
  auto dims = dict ? dict.getAs<ArrayAttr>("tile.dims") : ArrayAttr();
  if (!dims || dims.size() != rank)
    return std::nullopt;
  if (auto n = dyn_cast<IntegerAttr>(dims[rank - 1]))
    return n.getInt();
  return std::nullopt;
}

} // namespace fa::tilegpu::pipeline

namespace {
using pl::hoistAddresses;
using pl::lowerWithBarriers;
using pl::Prefetch;
using pl::replaceBuffers;
using pl::ringTypeFor;
using pl::transposed;

/// The attribute on a kernel argument that is passed with a copy
/// descriptor (BarrierCopyProtocol::describeTensor).
constexpr llvm::StringLiteral kDescriptor = "tilegpu.descriptor";

/// The buffer type the load's tile has in its own (untransposed) frame.
SharedBufferType slotTypeFor(fa::tile::LoadOp load) {
  auto ty = load.getType();
  auto blocked = dyn_cast<BlockedEncodingAttr>(ty.getEncoding());
  if (!blocked)
    return {};
  auto enc =
      getSwizzledShared(load.getContext(), ty.getShape(), blocked.getOrder(),
                        ty.getElementType().getIntOrFloatBitWidth());
  return SharedBufferType::get(load.getContext(), ty.getShape(),
                               ty.getElementType(), enc);
}

/// `t` with the shared layout's panel set to `panel`.
SharedBufferType withPanel(SharedBufferType t, unsigned panel) {
  auto enc = cast<SharedEncodingAttr>(t.getEncoding());
  auto penc =
      SharedEncodingAttr::get(t.getContext(), enc.getVec(), enc.getPerPhase(),
                              enc.getMaxPhase(), enc.getOrder(), panel);
  return SharedBufferType::get(t.getContext(), t.getShape(), t.getElementType(),
                               penc);
}

/// The panel of the buffers `load` fills (wgmma's B operand stores wide
/// rows as panels), or 0. Every buffer must then have that panel.
unsigned panelOfBuffers(fa::tile::LoadOp load) {
  for (Operation *user : load->getUsers()) {
    SmallVector<Operation *> allocs = {user};
    if (isa<fa::tile::TransOp>(user))
      allocs.assign(user->getUsers().begin(), user->getUsers().end());
    for (Operation *a : allocs)
      if (auto alloc = dyn_cast<LocalAllocOp>(a))
        return cast<SharedEncodingAttr>(alloc.getType().getEncoding())
            .getPanel();
  }
  return 0;
}

/// Collects the buffers `p.load` fills; false if a use is not a buffer of
/// the slot's layout (the ring could not replace it).
bool collectBuffers(Prefetch &p) {
  p.slotTy = slotTypeFor(p.load);
  if (!p.slotTy || p.load->use_empty())
    return false;
  if (unsigned panel = panelOfBuffers(p.load))
    p.slotTy = withPanel(p.slotTy, panel);
  for (Operation *user : p.load->getUsers()) {
    if (auto alloc = dyn_cast<LocalAllocOp>(user)) {
      if (alloc.getType() != p.slotTy)
        return false;
      p.allocs.push_back(alloc);
      continue;
    }
    auto trans = dyn_cast<fa::tile::TransOp>(user);
    if (!trans || trans.getType().getRank() != 2 || trans->use_empty())
      return false;
    for (Operation *tuser : trans->getUsers()) {
      auto alloc = dyn_cast<LocalAllocOp>(tuser);
      if (!alloc || alloc.getType() != transposed(p.slotTy))
        return false;
      p.allocs.push_back(alloc);
    }
    p.transposes.push_back(trans);
  }
  return true;
}

fa::AsyncCopyRequest describeCopy(const Prefetch &p) {
  fa::tile::LoadOp load = p.load;
  fa::AsyncCopyRequest copy;
  copy.tile = load.getType();
  copy.buffer = p.slotTy;
  copy.rowElements = pl::rowElements(load.getBase());
  unsigned rank = cast<MemRefType>(load.getBase().getType()).getRank();
  SmallVector<int64_t> dims = load.getTileDims();
  copy.rowAligned = !dims.empty() && dims.back() == int64_t(rank) - 1 &&
                    matchPattern(load.getOffsets()[rank - 1], m_Zero());
  copy.zeroPadding = !load.getPadding() ||
                     matchPattern(load.getPaddingOrZero(), m_Zero()) ||
                     matchPattern(load.getPaddingOrZero(), m_AnyZeroFloat());
  return copy;
}

/// CopyEngine::CpAsync: a ring of S buffers per load. In program order of the
/// body before rotation (the expander reorders by cluster):
///   cluster 0, last stage: wait until this iteration's group landed
///     (S - 2 younger groups may stay in flight), then a CTA barrier so
///     every thread's copies are visible (and the slot refilled next was
///     read by everyone);
///   cluster 1, stage 0: the copies into slot `iteration % S`, one commit;
///   later clusters: the body, reading this iteration's slot.
/// After the loop every group is drained before shared memory is reused.
void lowerWithCpAsync(scf::ForOp loop, MutableArrayRef<Prefetch> prefetches,
                      int64_t stages) {
  Location loc = loop.getLoc();
  OpBuilder b(loop);
  for (Prefetch &p : prefetches)
    p.ring = AllocRingOp::create(b, loc, ringTypeFor(p.slotTy, stages),
                                 IntegerAttr(), IntegerAttr());
  Value numSlots = arith::ConstantIndexOp::create(b, loc, stages);

  Block *body = loop.getBody();
  pl::makeRoomForCopies(loop);
  int64_t last = stages - 1;

  b.setInsertionPointToStart(body);
  Value rel = pl::iterationNumber(b, loc, loop);
  Value slot = arith::RemSIOp::create(b, loc, rel, numSlots);
  AsyncWaitOp::create(b, loc, b.getI32IntegerAttr(stages - 2));
  BarrierOp::create(b, loc);
  for (Operation &op : llvm::make_range(body->begin(), b.getInsertionPoint()))
    pl::setStage(&op, last, 0);

  // Loads proven in bounds (`in_bounds`) are so only for iterations of the
  // loop: their copies must not run past its end. The commit stays
  // unconditional so that group counting is unchanged.
  bool guarded = llvm::any_of(
      prefetches, [](Prefetch &p) { return p.load.getInBounds().has_value(); });
  Value copySlot = arith::RemSIOp::create(b, loc, rel, numSlots);
  hoistAddresses(b, loop, prefetches);
  for (Prefetch &p : prefetches) {
    Value dst = RingSlotOp::create(b, loc, p.slotTy, p.ring, copySlot);
    auto copy = AsyncCopyOp::create(
        b, loc, p.load.getBase(), p.load.getOffsets(), p.load.getDimsAttr(),
        dst, p.load.getType().getEncoding(), p.load.getInBoundsAttr());
    if (guarded) {
      dst.getDefiningOp()->setAttr(pl::kGuard, b.getUnitAttr());
      copy->setAttr(pl::kGuard, b.getUnitAttr());
    }
  }
  AsyncCommitOp::create(b, loc);
  for (Operation &op : llvm::make_range(copySlot.getDefiningOp()->getIterator(),
                                        b.getInsertionPoint()))
    pl::setStage(&op, 0, 1);

  // The buffers become this iteration's slot, where they were filled.
  for (Prefetch &p : prefetches)
    replaceBuffers(p, slot, last);

  b.setInsertionPointAfter(loop);
  AsyncWaitOp::create(b, loc, b.getI32IntegerAttr(0));
  BarrierOp::create(b, loc);
}

/// The kernel argument `v` is, if any.
std::optional<unsigned> kernelArgNumber(Value v) {
  auto arg = dyn_cast<BlockArgument>(v);
  if (!arg || !isa<fa::tile::KernelOp>(arg.getOwner()->getParentOp()))
    return std::nullopt;
  return arg.getArgNumber();
}

/// The descriptor argument `i` of `kernel` is already passed with, if any.
DictionaryAttr kernelArgDescriptor(fa::tile::KernelOp kernel, unsigned i) {
  auto all = kernel.getArgAttrs();
  if (!all || i >= all->size())
    return {};
  auto dict = dyn_cast<DictionaryAttr>((*all)[i]);
  return dict ? dict.getAs<DictionaryAttr>(kDescriptor) : DictionaryAttr();
}

/// Sets attribute `name` of argument `i` of `kernel`.
void setKernelArgAttr(fa::tile::KernelOp kernel, unsigned i, StringRef name,
                      Attribute value) {
  unsigned n = kernel.getBody().front().getNumArguments();
  SmallVector<Attribute> all(n, DictionaryAttr::get(kernel.getContext()));
  if (auto old = kernel.getArgAttrs())
    for (auto [j, a] : llvm::enumerate(*old))
      if (j < n)
        all[j] = a;
  NamedAttrList attrs(cast<DictionaryAttr>(all[i]));
  attrs.set(name, value);
  all[i] = attrs.getDictionary(kernel.getContext());
  kernel.setArgAttrsAttr(ArrayAttr::get(kernel.getContext(), all));
}

struct PipelineLowerLoadsPass
    : fa::tilegpu::impl::TileGPUPipelineLowerLoadsBase<PipelineLowerLoadsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<scf::ForOp> loops;
    module.walk([&](scf::ForOp loop) {
      if (loop->hasAttr(pl::kNumStages))
        loops.push_back(loop);
    });
    if (loops.empty())
      return;
    std::optional<fa::CopyEngine> engine;
    if (failed(pickEngine(module, engine)))
      return signalPassFailure();
    // Loops the barrier engine cannot take fall back to per-thread (CpAsync)
    // copies when the engine was not asked for by name.
    if (engine == fa::CopyEngine::Tma && copyEngine == "auto" &&
        target->hasCopyEngine(fa::CopyEngine::CpAsync))
      fallback = fa::CopyEngine::CpAsync;
    for (scf::ForOp loop : loops) {
      if (!engine) {
        loop.emitRemark("loop not pipelined: ")
            << (copyEngine == "none" ? "copy-engine=none"
                                     : "the target has no asynchronous copy "
                                       "engine");
        pl::clearSchedule(loop);
        continue;
      }
      lowerLoop(loop, *engine);
    }
  }

  /// The copy engine: the best the target has, or the one asked for.
  LogicalResult pickEngine(ModuleOp module,
                           std::optional<fa::CopyEngine> &engine) {
    if (copyEngine != "auto" && copyEngine != "CpAsync" &&
        copyEngine != "Tma" && copyEngine != "Direct" && copyEngine != "none")
      return module.emitError("unknown copy-engine '")
             << copyEngine << "' (expected auto, Tma, CpAsync, Direct or none)";
    TargetAttr targetAttr = getModuleTarget(module);
    if (!targetAttr)
      return module.emitError("software pipelining needs the module's "
                              "#tilegpu.target (set by "
                              "tilegpu-assign-layouts)");
    std::string error;
    target = fa::createTargetInfo(targetAttr.getName(), error);
    if (!target)
      return module.emitError(error);
    if (copyEngine == "none")
      return success();
    bool tma = target->hasCopyEngine(fa::CopyEngine::Tma) &&
               target->getBarrierCopyProtocol(fa::CopyEngine::Tma);
    if (copyEngine == "Direct")
      engine = fa::CopyEngine::Direct;
    else if ((copyEngine == "auto" || copyEngine == "Tma") && tma)
      engine = fa::CopyEngine::Tma;
    else if (copyEngine != "Tma" &&
             target->hasCopyEngine(fa::CopyEngine::CpAsync))
      engine = fa::CopyEngine::CpAsync;
    else if (copyEngine == "auto" &&
             target->hasCopyEngine(fa::CopyEngine::Direct))
      engine = fa::CopyEngine::Direct;
    if (copyEngine != "auto" && !engine)
      return module.emitError("target ") << targetAttr.getName() << " has no "
                                         << copyEngine << " copy engine";
    return success();
  }

  void lowerLoop(scf::ForOp loop, fa::CopyEngine engine) {
    int64_t stages = *pl::getIntAttr(loop, pl::kNumStages);
    int64_t last = stages - 1;
    // Only the earliest stage is lowered: its copies are the ones the
    // body's wait counts on. Others return to the last stage.
    SmallVector<Prefetch> candidates;
    for (Operation &op :
         llvm::make_early_inc_range(loop.getBody()->without_terminator())) {
      auto load = dyn_cast<fa::tile::LoadOp>(op);
      auto stage = pl::getIntAttr(&op, pl::kStage);
      if (!load || !stage || *stage == last)
        continue;
      Prefetch p;
      p.load = load;
      if (*stage == 0 && collectBuffers(p)) {
        p.fillTy = p.slotTy;
        candidates.push_back(p);
        continue;
      }
      pl::setStage(load, last, 1);
      load->removeAttr(pl::kLatency);
    }
    if (engine == fa::CopyEngine::Tma) {
      if (takeAllWithBarriers(loop, candidates)) {
        if (stages >= 2 && !candidates.empty()) {
          lowerWithBarriers(loop, candidates, stages,
                            *target->getBarrierCopyProtocol(engine));
          return;
        }
      } else if (fallback) {
        engine = *fallback;
      }
    }
    SmallVector<Prefetch> prefetches;
    for (Prefetch &p : candidates) {
      p.fillTy = p.slotTy;
      std::string why;
      if (engine != fa::CopyEngine::Tma &&
          target->canCopyAsync(engine, describeCopy(p), why)) {
        prefetches.push_back(p);
        continue;
      }
      pl::setStage(p.load, last, 1);
      p.load->removeAttr(pl::kLatency);
    }
    if (prefetches.empty() || stages < 2) {
      pl::clearSchedule(loop);
      return;
    }
    switch (engine) {
    case fa::CopyEngine::CpAsync:
      lowerWithCpAsync(loop, prefetches, stages);
      break;
    case fa::CopyEngine::Direct:
      pl::lowerWithDirect(loop, prefetches, stages);
      break;
    case fa::CopyEngine::Tma:
      llvm_unreachable("pickEngine chooses only implemented engines");
    }
  }

  /// Whether the barrier engine can copy every candidate of `loop` (then
  /// their fill types and their tensors' descriptors are set). One engine
  /// serves a loop: a single refusal leaves the loop to the fallback (with
  /// copy-engine=auto; with copy-engine=Tma its loads stay unpipelined).
  bool takeAllWithBarriers(scf::ForOp loop, MutableArrayRef<Prefetch> all) {
    const fa::BarrierCopyProtocol *engine =
        target->getBarrierCopyProtocol(fa::CopyEngine::Tma);
    auto kernel = loop->getParentOfType<fa::tile::KernelOp>();
    if (!engine || !kernel)
      return false;
    // Descriptors per kernel argument, existing or asked for here.
    DenseMap<unsigned, DictionaryAttr> wanted;
    for (Prefetch &p : all) {
      auto fill = dyn_cast<SharedBufferType>(engine->getSlotType(p.slotTy));
      auto arg = kernelArgNumber(p.load.getBase());
      if (!fill || !arg)
        return false;
      // A slot laid out otherwise than its consumers asked costs them
      // address arithmetic (at head dim 128 with 4 warps, the matrix operand
      // loads from panels spill): only when the engine is asked for.
      if (fill != p.slotTy && copyEngine != "Tma")
        return false;
      p.fillTy = fill;
      std::string why;
      fa::AsyncCopyRequest copy = describeCopy(p);
      copy.buffer = fill;
      if (!target->canCopyAsync(fa::CopyEngine::Tma, copy, why))
        return false;
      DictionaryAttr desc = engine->describeTensor(p.load.getBase().getType(),
                                                   p.load.getTileDims(), fill);
      DictionaryAttr have = wanted.lookup(*arg);
      if (!have)
        have = kernelArgDescriptor(kernel, *arg);
      // One descriptor per tensor: another box needs another engine.
      if (have && have != desc)
        return false;
      wanted[*arg] = desc;
    }
    for (auto [arg, desc] : wanted)
      setKernelArgAttr(kernel, arg, kDescriptor, desc);
    return true;
  }

  std::shared_ptr<fa::TargetInfo> target;
  std::optional<fa::CopyEngine> fallback;
};
} // namespace
