//===- AssignLayouts.cpp - tile -> tilegpu: give every tile a layout ------===//
//
// A small dataflow analysis over the tensors of each kernel body:
//  - anchors: loads get a coalesced blocked layout, dots an MMA accumulator;
//  - forward: element-wise ops, broadcasts, transposes, reductions and loop
//    arguments derive their layout from their operands (the layout with the
//    higher rank wins where several meet);
//  - backward: splats, constants, iotas (and anything computed only from
//    them) take the layout their first user needs.
// It runs to a fixpoint, then rewrites the types and inserts
// `tilegpu.convert_layout` where a use needs a layout its value lacks.
//
//===----------------------------------------------------------------------===//

#include "fa/Dialect/TileGPU/Transforms/Passes.h"

#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Dialect/TileGPU/IR/ModuleTarget.h"
#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"
#include "fa/Target/TargetInfo.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

namespace fa::tilegpu {
#define GEN_PASS_DEF_TILEGPUASSIGNLAYOUTS
#include "fa/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace fa::tilegpu

using namespace mlir;
using namespace fa;
using namespace fa::tilegpu;

namespace {

bool isElementwise(Operation *op) {
  if (!isa<arith::ArithDialect, math::MathDialect>(op->getDialect()))
    return false;
  if (isa<arith::ConstantOp>(op))
    return false;
  return op->getNumResults() == 1 &&
         isa<RankedTensorType>(op->getResult(0).getType());
}

/// Preference among layouts meeting at one value.
int rankOf(Attribute layout) {
  if (!layout)
    return 0;
  if (auto s = dyn_cast<SliceEncodingAttr>(layout))
    return rankOf(s.getParent());
  if (isa<MmaLayoutAttrInterface>(layout))
    return 3;
  if (isa<DotOperandEncodingAttr>(layout))
    return 2;
  return 1;
}

class LayoutAssigner {
public:
  LayoutAssigner(tile::KernelOp kernel, unsigned numWarps,
                 const TargetInfo &target, StringRef mma)
      : kernel(kernel), numWarps(numWarps), target(target), mma(mma),
        ctx(kernel.getContext()) {}

  LogicalResult run() {
    if (failed(check()))
      return failure();
    bool changed = true;
    for (int iter = 0; changed && iter < 64; ++iter) {
      changed = false;
      kernel.getBody().walk([&](Operation *op) { changed |= forward(op); });
      SmallVector<Operation *> ops;
      kernel.getBody().walk([&](Operation *op) { ops.push_back(op); });
      for (Operation *op : llvm::reverse(ops))
        changed |= backward(op);
    }
    return materialize();
  }

private:
  tile::KernelOp kernel;
  unsigned numWarps;
  const TargetInfo &target;
  StringRef mma;
  MLIRContext *ctx;
  DenseMap<Value, Attribute> layouts;

  Attribute get(Value v) const { return layouts.lookup(v); }
  /// Sets `v`'s layout if it has none or `l` ranks higher.
  bool offer(Value v, Attribute l) {
    if (!l || !isa<RankedTensorType>(v.getType()))
      return false;
    Attribute cur = get(v);
    if (cur == l || (cur && rankOf(cur) >= rankOf(l)))
      return false;
    layouts[v] = l;
    return true;
  }
  /// Sets a still-unconstrained value's layout from a user's need.
  bool need(Value v, Attribute l) {
    if (!l || get(v) || !isa<RankedTensorType>(v.getType()))
      return false;
    layouts[v] = l;
    return true;
  }

  Attribute blockedFor(RankedTensorType t) const {
    return getDefaultBlocked(ctx, t.getShape(), numWarps, target.getWarpSize(),
                             t.getElementType().getIntOrFloatBitWidth());
  }

  /// The target's MMA accumulator layout.
  Attribute mmaFor(tile::DotOp dot) const {
    return target.getDotLayoutFor(mma, dot.getA().getType(),
                                  dot.getB().getType(), dot.getType(),
                                  numWarps);
  }

  LogicalResult check() {
    LogicalResult result = success();
    kernel.getBody().walk([&](Operation *op) {
      if (auto dot = dyn_cast<tile::DotOp>(op)) {
        if (failed(target.checkDot(op, dot.getA().getType(),
                                   dot.getB().getType(), dot.getType())))
          result = failure();
        return;
      }
      if (isElementwise(op) && failed(target.checkElementwise(op)))
        result = failure();
    });
    return result;
  }

  bool forward(Operation *op) {
    bool changed = false;
    if (auto load = dyn_cast<tile::LoadOp>(op))
      return offer(load.getResult(), blockedFor(load.getType()));
    if (auto gather = dyn_cast<tile::GatherOp>(op))
      return offer(gather.getResult(), blockedFor(gather.getType()));
    if (auto dot = dyn_cast<tile::DotOp>(op))
      return offer(dot.getResult(), mmaFor(dot));
    if (auto red = dyn_cast<tile::ReduceOp>(op)) {
      if (Attribute l = get(red.getSrc()))
        return offer(red.getResult(),
                     SliceEncodingAttr::get(ctx, red.getAxis(), l));
      return false;
    }
    if (auto b = dyn_cast<tile::BroadcastOp>(op))
      return offer(b.getResult(), get(b.getSrc()));
    if (auto e = dyn_cast<tile::ExpandDimsOp>(op)) {
      Attribute l = get(e.getSrc());
      if (!l)
        return false;
      auto s = dyn_cast<SliceEncodingAttr>(l);
      if (s && s.getDim() == e.getAxis())
        return offer(e.getResult(), s.getParent());
      return offer(e.getResult(), blockedFor(e.getType()));
    }
    if (auto t = dyn_cast<tile::TransOp>(op)) {
      Attribute l = get(t.getSrc());
      if (!l)
        return false;
      Attribute p = permuteLayout(l, t.getPermutation());
      return offer(t.getResult(), p ? p : blockedFor(t.getType()));
    }
    if (isElementwise(op)) {
      Attribute best;
      for (Value v : op->getOperands())
        if (Attribute l = get(v))
          if (!best || rankOf(l) > rankOf(best))
            best = l;
      return offer(op->getResult(0), best);
    }
    if (auto ifOp = dyn_cast<scf::IfOp>(op)) {
      // A branch's result takes the layout its yields bring.
      for (Region *r : {&ifOp.getThenRegion(), &ifOp.getElseRegion()}) {
        if (r->empty())
          continue;
        auto yield = cast<scf::YieldOp>(r->front().getTerminator());
        for (auto [i, v] : llvm::enumerate(yield.getOperands()))
          changed |= offer(ifOp.getResult(i), get(v));
      }
      return changed;
    }
    if (auto w = dyn_cast<scf::WhileOp>(op)) {
      // Carried values: the inits and the body's yields meet in the
      // condition's arguments; the condition's operands give the body's
      // arguments and the results.
      auto yield = cast<scf::YieldOp>(w.getAfter().front().getTerminator());
      for (auto [i, arg] : llvm::enumerate(w.getBeforeArguments())) {
        changed |= offer(arg, get(w.getInits()[i]));
        changed |= offer(arg, get(yield.getOperand(i)));
      }
      auto cond = w.getConditionOp();
      for (auto [i, v] : llvm::enumerate(cond.getArgs())) {
        changed |= offer(w.getAfterArguments()[i], get(v));
        changed |= offer(w.getResult(i), get(w.getAfterArguments()[i]));
      }
      return changed;
    }
    if (auto forOp = dyn_cast<scf::ForOp>(op)) {
      auto yield = cast<scf::YieldOp>(forOp.getBody()->getTerminator());
      for (auto [i, arg] : llvm::enumerate(forOp.getRegionIterArgs())) {
        changed |= offer(arg, get(forOp.getInitArgs()[i]));
        changed |= offer(arg, get(yield.getOperand(i)));
        changed |= offer(forOp.getResult(i), get(arg));
      }
      return changed;
    }
    return false;
  }

  /// The layout operand `i` of `op` must have, given the op's result
  /// layouts; null when the op does not constrain it.
  Attribute required(Operation *op, unsigned i) {
    if (auto dot = dyn_cast<tile::DotOp>(op)) {
      Attribute mma = get(dot.getResult());
      if (!isa_and_nonnull<MmaLayoutAttrInterface>(mma))
        return {};
      if (i == 2)
        return mma;
      return DotOperandEncodingAttr::get(ctx, i, mma);
    }
    if (isElementwise(op) || isa<tile::BroadcastOp>(op))
      return get(op->getResult(0));
    if (auto e = dyn_cast<tile::ExpandDimsOp>(op)) {
      Attribute l = get(e.getResult());
      return l ? SliceEncodingAttr::get(ctx, e.getAxis(), l) : Attribute();
    }
    if (auto t = dyn_cast<tile::TransOp>(op)) {
      Attribute l = get(t.getResult());
      if (!l)
        return {};
      SmallVector<int32_t> perm = t.getPermutation(), inv(perm.size());
      for (unsigned k = 0; k < perm.size(); ++k)
        inv[perm[k]] = k;
      return permuteLayout(l, inv);
    }
    if (auto red = dyn_cast<tile::ReduceOp>(op)) {
      auto s = dyn_cast_or_null<SliceEncodingAttr>(get(red.getResult()));
      return s && s.getDim() == red.getAxis() ? s.getParent() : Attribute();
    }
    if (auto forOp = dyn_cast<scf::ForOp>(op)) {
      unsigned numCtl = forOp.getNumControlOperands();
      if (i < numCtl)
        return {};
      return get(forOp.getRegionIterArgs()[i - numCtl]);
    }
    if (auto w = dyn_cast<scf::WhileOp>(op))
      return get(w.getBeforeArguments()[i]);
    if (auto cond = dyn_cast<scf::ConditionOp>(op)) {
      auto w = cast<scf::WhileOp>(op->getParentOp());
      return i == 0 ? Attribute() : get(w.getAfterArguments()[i - 1]);
    }
    if (auto yield = dyn_cast<scf::YieldOp>(op)) {
      if (auto w = dyn_cast<scf::WhileOp>(op->getParentOp()))
        return get(w.getBeforeArguments()[i]);
      if (auto forOp = dyn_cast<scf::ForOp>(op->getParentOp()))
        return get(forOp.getRegionIterArgs()[i]);
      if (auto ifOp = dyn_cast<scf::IfOp>(op->getParentOp()))
        return get(ifOp.getResult(i));
      return {};
    }
    // Coordinates and masks have the layout of the tile they address.
    if (auto gather = dyn_cast<tile::GatherOp>(op))
      return i > 0 ? get(gather.getResult()) : Attribute();
    if (auto load = dyn_cast<tile::LoadOp>(op))
      return load.getMask() && i + 1 == op->getNumOperands()
                 ? get(load.getResult())
                 : Attribute();
    if (auto store = dyn_cast<tile::StoreOp>(op))
      return store.getMask() && i + 1 == op->getNumOperands()
                 ? get(store.getValue())
                 : Attribute();
    if (auto add = dyn_cast<tile::AtomicAddOp>(op))
      return add.getMask() && i + 1 == op->getNumOperands()
                 ? get(add.getValue())
                 : Attribute();
    return {};
  }

  bool backward(Operation *op) {
    bool changed = false;
    for (OpOperand &use : op->getOpOperands())
      changed |= need(use.get(), required(op, use.getOperandNumber()));
    // A loop argument nobody constrained follows its results' users.
    if (auto forOp = dyn_cast<scf::ForOp>(op))
      for (auto [i, arg] : llvm::enumerate(forOp.getRegionIterArgs()))
        changed |= need(arg, get(forOp.getResult(i)));
    return changed;
  }

  static RankedTensorType withLayout(Type t, Attribute l) {
    auto rt = cast<RankedTensorType>(t);
    return RankedTensorType::get(rt.getShape(), rt.getElementType(), l);
  }

  LogicalResult materialize() {
    // Values still without a layout (stored constants, ...) get blocked.
    auto defaultFor = [&](Value v) {
      if (isa<RankedTensorType>(v.getType()) && !get(v))
        layouts[v] = blockedFor(cast<RankedTensorType>(v.getType()));
    };
    kernel.getBody().walk([&](Operation *op) {
      for (Value r : op->getResults())
        defaultFor(r);
      for (Region &region : op->getRegions())
        for (Block &block : region)
          for (Value a : block.getArguments())
            defaultFor(a);
    });
    // Types first, so `required` sees final result layouts.
    kernel.getBody().walk([&](Operation *op) {
      for (Value r : op->getResults())
        if (Attribute l = get(r))
          r.setType(withLayout(r.getType(), l));
      for (Region &region : op->getRegions())
        for (Block &block : region)
          for (BlockArgument a : block.getArguments())
            if (Attribute l = get(a))
              a.setType(withLayout(a.getType(), l));
      if (auto cst = dyn_cast<arith::ConstantOp>(op))
        if (auto dense = dyn_cast<DenseElementsAttr>(cst.getValue()))
          cst.setValueAttr(dense.reshape(cast<ShapedType>(cst.getType())));
    });
    OpBuilder b(ctx);
    kernel.getBody().walk([&](Operation *op) {
      for (OpOperand &use : op->getOpOperands()) {
        Value v = use.get();
        auto t = dyn_cast<RankedTensorType>(v.getType());
        if (!t)
          continue;
        Attribute want = required(op, use.getOperandNumber());
        if (!want || want == t.getEncoding())
          continue;
        b.setInsertionPoint(op);
        auto cvt =
            ConvertLayoutOp::create(b, op->getLoc(), withLayout(t, want), v);
        use.set(cvt);
      }
    });
    return success();
  }
};

struct AssignLayoutsPass
    : fa::tilegpu::impl::TileGPUAssignLayoutsBase<AssignLayoutsPass> {
  using Base::Base;
  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    // The accumulator layouts are the targets' (vendor dialects).
    registerTargetDialects(registry);
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // The options name the target; without them the module's is kept.
    TargetAttr existing = getModuleTarget(module);
    std::string name = target;
    if (name.empty() && existing)
      name = existing.getName().str();
    if (name.empty()) {
      module.emitError() << "no GPU target: set the pass option target=<name> "
                            "(registered: "
                         << getRegisteredTargetList() << ")";
      return signalPassFailure();
    }
    std::string error;
    auto targetInfo = createTargetInfo(name, error);
    if (!targetInfo) {
      module.emitError(error);
      return signalPassFailure();
    }
    if (numWarps == 0 || (numWarps & (numWarps - 1)) || numWarps > 16) {
      module.emitError("num-warps must be 1, 2, 4, 8 or 16");
      return signalPassFailure();
    }
    if (!targetInfo->isMmaChoice(mma)) {
      module.emitError() << "mma=" << mma << " is not a matrix-instruction "
                         << "family of " << name;
      return signalPassFailure();
    }
    setModuleTarget(module,
                    TargetAttr::get(&getContext(), targetInfo->getName(),
                                    numWarps, targetInfo->getWarpSize()));
    for (auto kernel : module.getOps<tile::KernelOp>()) {
      LayoutAssigner assigner(kernel, numWarps, *targetInfo, mma);
      if (failed(assigner.run()))
        return signalPassFailure();
    }
  }
};
} // namespace
