//===- HostBufferize.cpp - One-Shot Bufferize for host code ---------------===//
//
// The upstream pass copies buffers with `memref.copy`; a strided
// `memref.copy` lowers to a call into libmlir_c_runner_utils, which the JIT
// does not load. Copies made here are `linalg.copy`, lowered to loops like
// every other linalg op.
//
//===----------------------------------------------------------------------===//

#include "fa/Conversion/TileToHost/Passes.h"

#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"

namespace fa {
#define GEN_PASS_DEF_TILEHOSTBUFFERIZE
#include "fa/Conversion/TileToHost/Passes.h.inc"
} // namespace fa

using namespace mlir;

namespace {

struct TileHostBufferizePass
    : fa::impl::TileHostBufferizeBase<TileHostBufferizePass> {
  void runOnOperation() override {
    bufferization::OneShotBufferizationOptions options;
    // Kernel functions already take memrefs; only their bodies hold tensors.
    options.bufferizeFunctionBoundaries = false;
    // Loop-carried tiles (accumulators, running max) get a fresh buffer per
    // iteration; the deallocation pipeline frees them.
    options.allowReturnAllocsFromLoops = true;
    options.memCpyFn = [](OpBuilder &b, Location loc, Value from,
                          Value to) -> LogicalResult {
      linalg::CopyOp::create(b, loc, from, to);
      return success();
    };
    bufferization::BufferizationState state;
    if (failed(
            bufferization::runOneShotBufferize(getOperation(), options, state)))
      signalPassFailure();
  }
};

} // namespace
