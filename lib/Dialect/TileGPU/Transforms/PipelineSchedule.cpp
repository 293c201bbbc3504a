//===- PipelineSchedule.cpp - stages and clusters of a loop body ----------===//

#include "fa/Dialect/TileGPU/Transforms/Passes.h"

#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Dialect/TileGPU/Transforms/Pipeline.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

namespace fa::tilegpu {
#define GEN_PASS_DEF_TILEGPUPIPELINESCHEDULE
#include "fa/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace fa::tilegpu

using namespace mlir;
using namespace fa::tilegpu;

namespace {
struct PipelineSchedulePass
    : fa::tilegpu::impl::TileGPUPipelineScheduleBase<PipelineSchedulePass> {
  void runOnOperation() override {
    getOperation().walk([&](scf::ForOp loop) { schedule(loop); });
  }

  void schedule(scf::ForOp loop) {
    Block *body = loop.getBody();
    int64_t maxLatency = 0;
    for (Operation &op : body->without_terminator()) {
      auto latency = pipeline::getIntAttr(&op, pipeline::kLatency);
      if (!latency)
        continue;
      // Ops a load depends on run in its stage too: only address arithmetic
      // on the induction variable (pipeline::isAddressValue) read by
      // nothing else; anything else stays unpipelined.
      bool independent = llvm::all_of(op.getOperands(), [&](Value v) {
        return pipeline::isAddressValue(v, loop) && onlyAddresses(v, loop);
      });
      if (!independent || *latency < 1) {
        op.removeAttr(pipeline::kLatency);
        continue;
      }
      maxLatency = std::max(maxLatency, *latency);
    }
    if (maxLatency == 0)
      return;
    int64_t numStages = maxLatency + 1;
    pipeline::setIntAttr(loop, pipeline::kNumStages, numStages);
    // Loads first (cluster 0) in the stage their latency gives; their
    // consumers, and everything else, in the last stage after them.
    // Address arithmetic goes with the first load reading it.
    for (Operation &op : body->without_terminator()) {
      if (auto latency = pipeline::getIntAttr(&op, pipeline::kLatency))
        pipeline::setStage(&op, numStages - 1 - *latency, 0);
      else
        pipeline::setStage(&op, numStages - 1, 1);
    }
    for (Operation &op : llvm::reverse(body->without_terminator())) {
      if (pipeline::getIntAttr(&op, pipeline::kLatency) || op.use_empty() ||
          op.getNumResults() != 1 ||
          !pipeline::isAddressValue(op.getResult(0), loop))
        continue;
      std::optional<int64_t> stage;
      for (Operation *user : op.getUsers())
        if (auto s = pipeline::getIntAttr(user, pipeline::kStage);
            s && pipeline::getIntAttr(user, pipeline::kCluster) == 0)
          stage = std::min(stage.value_or(*s), *s);
      if (stage && onlyAddresses(op.getResult(0), loop))
        pipeline::setStage(&op, *stage, 0);
    }
  }

  /// Whether every reader of `v` inside the loop is a load being
  /// prefetched or more address arithmetic for one.
  static bool onlyAddresses(Value v, scf::ForOp loop) {
    if (!v.getDefiningOp() || loop.isDefinedOutsideOfLoop(v))
      return true;
    return llvm::all_of(v.getUsers(), [&](Operation *user) {
      if (user->getBlock() != loop.getBody())
        return false;
      if (pipeline::getIntAttr(user, pipeline::kLatency))
        return true;
      return user->getNumResults() == 1 &&
             pipeline::isAddressValue(user->getResult(0), loop) &&
             onlyAddresses(user->getResult(0), loop);
    });
  }
};
} // namespace
