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
      // Ops a load depends on would have to run in its stage too; loads
      // reaching here (assign-latencies) have none besides the induction
      // variable, anything else stays unpipelined.
      bool independent = llvm::all_of(op.getOperands(), [&](Value v) {
        return v == loop.getInductionVar() || loop.isDefinedOutsideOfLoop(v);
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
    for (Operation &op : body->without_terminator()) {
      if (auto latency = pipeline::getIntAttr(&op, pipeline::kLatency))
        pipeline::setStage(&op, numStages - 1 - *latency, 0);
      else
        pipeline::setStage(&op, numStages - 1, 1);
    }
  }
};
} // namespace
