//===- PipelineExpand.cpp - rotate scheduled loops by stage ---------------===//
//
// Generic: moves and clones ops by their stage and cluster attributes. It
// knows no copy protocol; waits, commits and barriers are ordinary ops that
// tilegpu-pipeline-lower-loads placed in some stage and cluster.
//
//===----------------------------------------------------------------------===//

#include "fa/Dialect/TileGPU/Transforms/Passes.h"

#include "fa/Dialect/TileGPU/Transforms/Pipeline.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace fa::tilegpu {
#define GEN_PASS_DEF_TILEGPUPIPELINEEXPAND
#include "fa/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace fa::tilegpu

using namespace mlir;
namespace pl = fa::tilegpu::pipeline;

namespace {
struct Item {
  Operation *op;
  int64_t stage, cluster;
  size_t index; // program order
};

/// Emits ops of one stage of one iteration, opening an `iv < ub` guard for
/// runs of consecutive ops that must not run past the loop's end.
class StageEmitter {
public:
  StageEmitter(OpBuilder &b, scf::ForOp loop) : b(b), loop(loop) {}

  /// Where the next op of this stage goes: inside the open guard when the op
  /// needs one, else at `b`'s insertion point (closing the guard).
  void position(Operation *op, Value iv) {
    if (!op->hasAttr(pl::kGuard)) {
      guard = nullptr;
      return;
    }
    if (!guard) {
      Location loc = loop.getLoc();
      Value inLoop = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                           iv, loop.getUpperBound());
      guard = scf::IfOp::create(b, loc, inLoop, /*withElse=*/false);
    }
  }
  /// The insertion point for the op just positioned.
  void insert(function_ref<void(OpBuilder &)> fn) {
    if (!guard)
      return fn(b);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(guard.thenBlock()->getTerminator());
    fn(b);
  }
  void close() { guard = nullptr; }

private:
  OpBuilder &b;
  scf::ForOp loop;
  scf::IfOp guard;
};

struct PipelineExpandPass
    : fa::tilegpu::impl::TileGPUPipelineExpandBase<PipelineExpandPass> {
  void runOnOperation() override {
    SmallVector<scf::ForOp> loops;
    getOperation().walk([&](scf::ForOp loop) {
      if (loop->hasAttr(pl::kNumStages))
        loops.push_back(loop);
    });
    for (scf::ForOp loop : loops)
      if (failed(expand(loop)))
        return signalPassFailure();
  }

  /// Checks that values cross stages only where allowed: loop-invariant
  /// values, the induction variable and the iteration number.
  LogicalResult checkStages(scf::ForOp loop, ArrayRef<Item> items,
                            Operation *iteration, int64_t last) {
    Block *body = loop.getBody();
    DenseMap<Operation *, int64_t> stageOf;
    for (const Item &item : items)
      stageOf[item.op] = item.stage;
    auto stageOfValue = [&](Value v) -> std::optional<int64_t> {
      if (v == loop.getInductionVar())
        return std::nullopt;
      if (auto arg = dyn_cast<BlockArgument>(v))
        return arg.getOwner() == body ? std::optional<int64_t>(last)
                                      : std::nullopt;
      Operation *def = body->findAncestorOpInBlock(*v.getDefiningOp());
      if (!def || def == iteration)
        return std::nullopt;
      return stageOf.lookup(def);
    };
    for (const Item &item : items) {
      WalkResult r = item.op->walk([&](Operation *nested) {
        for (Value v : nested->getOperands()) {
          if (nested != item.op && v.getParentBlock() &&
              item.op->isAncestor(v.getParentBlock()->getParentOp()))
            continue;
          auto s = stageOfValue(v);
          if (s && *s != item.stage) {
            item.op->emitError("value crosses pipeline stages (")
                << *s << " to " << item.stage
                << "); stages may only communicate through memory";
            return WalkResult::interrupt();
          }
        }
        return WalkResult::advance();
      });
      if (r.wasInterrupted())
        return failure();
    }
    for (Value v : body->getTerminator()->getOperands())
      if (auto s = stageOfValue(v); s && *s != last)
        return loop.emitError("a loop-carried value comes from pipeline "
                              "stage ")
               << *s << ", not the last";
    return success();
  }

  LogicalResult expand(scf::ForOp loop) {
    int64_t stages = *pl::getIntAttr(loop, pl::kNumStages);
    int64_t last = stages - 1;
    Block *body = loop.getBody();
    SmallVector<Item> items;
    Operation *iteration = nullptr;
    int64_t cluster = 0;
    for (Operation &op : body->without_terminator()) {
      int64_t stage = pl::getIntAttr(&op, pl::kStage).value_or(last);
      cluster = pl::getIntAttr(&op, pl::kCluster).value_or(cluster);
      if (stage < 0 || stage > last)
        return op.emitError("pipeline stage ")
               << stage << " outside 0.." << last;
      if (op.hasAttr(pl::kIteration)) {
        if (iteration || op.getNumResults() != 1 || stage != last)
          return op.emitError("the iteration number must be one value of "
                              "the last pipeline stage");
        iteration = &op;
      }
      items.push_back({&op, stage, cluster, items.size()});
    }
    bool early =
        llvm::any_of(items, [&](const Item &i) { return i.stage < last; });
    if (stages < 2 || !early) {
      pl::clearSchedule(loop);
      return success();
    }
    if (failed(checkStages(loop, items, iteration, last)))
      return failure();
    llvm::sort(items, [](const Item &a, const Item &b) {
      return std::make_pair(a.cluster, a.index) <
             std::make_pair(b.cluster, b.index);
    });

    Location loc = loop.getLoc();
    Value lb = loop.getLowerBound(), step = loop.getStep();
    Value iv = loop.getInductionVar();
    OpBuilder b(loop);
    // Index arithmetic made here, erased at the end where nothing used it.
    SmallVector<Operation *> made;
    auto track = [&](Value v) {
      made.push_back(v.getDefiningOp());
      return v;
    };
    auto cIdx = [&](int64_t v) -> Value {
      return track(arith::ConstantIndexOp::create(b, loc, v));
    };
    // iv advanced by `count` steps from `base`.
    auto advance = [&](Value base, int64_t count) -> Value {
      Value offset = track(arith::MulIOp::create(b, loc, step, cIdx(count)));
      return track(arith::AddIOp::create(b, loc, base, offset));
    };

    // Prologue: step k runs stage s of iteration k - s, for stages before
    // the last.
    for (int64_t k = 0; k < last; ++k) {
      SmallVector<std::optional<IRMapping>> maps(stages);
      StageEmitter emit(b, loop);
      int64_t prevStage = -1;
      for (const Item &item : items) {
        int64_t s = item.stage;
        if (s == last || s > k)
          continue;
        if (s != prevStage)
          emit.close();
        prevStage = s;
        IRMapping *map = maps[s] ? &*maps[s] : nullptr;
        Value ivK;
        if (!map) {
          maps[s].emplace();
          map = &*maps[s];
          ivK = advance(lb, k - s);
          map->map(iv, ivK);
          if (iteration)
            map->map(iteration->getResult(0), cIdx(k - s));
        }
        emit.position(item.op, map->lookup(iv));
        emit.insert([&](OpBuilder &ib) {
          Operation *clone = ib.clone(*item.op, *map);
          pl::clearPipelineAttrs(clone);
          // Iteration numbers are constants here: fold what follows.
          SmallVector<Value> folded;
          if (succeeded(ib.tryFold(clone, folded)) && !folded.empty()) {
            for (auto [from, to] : llvm::zip(item.op->getResults(), folded))
              map->map(from, to);
            clone->erase();
          }
        });
      }
    }

    // Body: stage s runs iteration iv + (last - s) * step.
    Operation *yield = body->getTerminator();
    b.setInsertionPoint(yield);
    SmallVector<std::optional<std::pair<Value, Value>>> shifted(stages);
    StageEmitter emit(b, loop);
    int64_t prevStage = -1;
    for (const Item &item : items) {
      int64_t s = item.stage;
      if (s != prevStage)
        emit.close();
      prevStage = s;
      Operation *op = item.op;
      if (s == last) {
        op->moveBefore(yield);
        continue;
      }
      if (!shifted[s]) {
        Value ivS = advance(iv, last - s);
        Value iterS;
        if (iteration)
          iterS = track(arith::AddIOp::create(b, loc, iteration->getResult(0),
                                              cIdx(last - s)));
        shifted[s] = {ivS, iterS};
      }
      Value ivS = shifted[s]->first, iterS = shifted[s]->second;
      op->walk([&](Operation *nested) {
        nested->replaceUsesOfWith(iv, ivS);
        if (iteration)
          nested->replaceUsesOfWith(iteration->getResult(0), iterS);
      });
      emit.position(op, ivS);
      emit.insert([&](OpBuilder &ib) {
        op->moveBefore(ib.getInsertionBlock(), ib.getInsertionPoint());
      });
    }
    for (Operation *op : llvm::reverse(made))
      if (op->use_empty())
        op->erase();
    pl::clearSchedule(loop);
    return success();
  }
};
} // namespace
