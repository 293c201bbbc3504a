//===- CheckRegisterBudget.cpp - refuse tiles that cannot fit registers ---===//
//
// A tile lives in the registers of the block's threads. One larger than a
// block's register file (64K x 32 bit) cannot be held at all, and one needing
// far more than the 255 registers a thread addresses is mostly spilled: the
// GPU lowering, which emits code per element held, then makes LLVM run for
// minutes or out of memory (a 1024x1024 f32 tile took 7.5 GB). Refuse both
// here, at the tile's location, before any lowering.
//
//===----------------------------------------------------------------------===//

#include "fa/Dialect/TileGPU/Transforms/Passes.h"

#include "fa/Dialect/Tile/IR/TileDialect.h"

#include "mlir/IR/BuiltinTypes.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace fa::tilegpu {
#define GEN_PASS_DEF_TILEGPUCHECKREGISTERBUDGET
#include "fa/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace fa::tilegpu

using namespace mlir;

namespace {

/// A thread block has at most 64K 32-bit registers on the GPUs FlashTile
/// targets: a tile larger than that cannot be held by any block.
constexpr int64_t kMaxBlockRegisters = 64 * 1024;
/// A thread addresses at most 255 registers; past four times that, nearly all
/// of a tile would spill and the per-element lowering takes LLVM minutes
/// (512x512 f32 on 4 warps, 2048 per thread, took 122 s).
constexpr int64_t kMaxRegistersPerThread = 4 * 255;

/// 32-bit registers that tile type `type` needs in all (0 if not a tile). In
/// doubles: a hostile shape must not overflow the count.
double tileRegisters(Type type) {
  auto tile = dyn_cast<RankedTensorType>(type);
  if (!tile || !tile.hasStaticShape() || !tile.getElementType().isIntOrFloat())
    return 0;
  double bits = std::max<unsigned>(tile.getElementTypeBitWidth(), 8);
  return std::ceil(double(tile.getNumElements()) * bits / 32.0);
}

/// Where to report a tile: its op, or (for ops that lost their location,
/// such as hoisted constants) the first user that has one, or the kernel.
Location whereIs(Value v, Operation *op, Operation *kernel) {
  if (!isa<UnknownLoc>(op->getLoc()))
    return op->getLoc();
  for (Operation *user : v.getUsers())
    if (!isa<UnknownLoc>(user->getLoc()))
      return user->getLoc();
  return kernel->getLoc();
}

/// `x` as an integer for messages (shapes are bounded, but not sanely).
int64_t asInt(double x) { return x < 9e18 ? int64_t(x) : INT64_MAX; }

struct CheckRegisterBudgetPass
    : fa::tilegpu::impl::TileGPUCheckRegisterBudgetBase<
          CheckRegisterBudgetPass> {
  using Base::Base;

  void runOnOperation() override {
    bool failed = false;
    getOperation().walk([&](fa::tile::KernelOp kernel) {
      int64_t warps = std::max<int64_t>(numWarps, 1);
      double threads = double(warps) * std::max<unsigned>(threadsPerWarp, 1);
      // Returns false after reporting a tile over either limit.
      auto check = [&](Value v, Operation *op) {
        double regs = tileRegisters(v.getType());
        if (regs > kMaxBlockRegisters) {
          emitError(whereIs(v, op, kernel))
              << "tile " << v.getType() << " needs " << asInt(regs * 4)
              << " bytes of registers, more than the " << kMaxBlockRegisters * 4
              << " (" << kMaxBlockRegisters
              << " 32-bit registers) a thread block has; use smaller blocks";
          return false;
        }
        double perThread = std::ceil(regs / threads);
        if (perThread > kMaxRegistersPerThread) {
          emitError(whereIs(v, op, kernel))
              << "tile " << v.getType() << " needs " << asInt(perThread)
              << " registers per thread with " << warps << " warps, more than "
              << kMaxRegistersPerThread
              << " (four times the 255 a thread can address); use smaller "
                 "blocks or more warps";
          return false;
        }
        return true;
      };
      // The first tile over budget in program order: one error per kernel,
      // at the op that makes the tile.
      WalkResult walk =
          kernel.getBody().walk<WalkOrder::PreOrder>([&](Operation *op) {
            for (Value result : op->getResults())
              if (!check(result, op))
                return WalkResult::interrupt();
            for (Region &region : op->getRegions())
              for (Block &block : region)
                for (BlockArgument arg : block.getArguments())
                  if (!check(arg, op))
                    return WalkResult::interrupt();
            return WalkResult::advance();
          });
      failed |= walk.wasInterrupted();
    });
    if (failed)
      signalPassFailure();
  }
};

} // namespace
