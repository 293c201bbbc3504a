//===- TileLongestFirst.cpp - start the heaviest programs first -----------===//
//
// A causal forward's query block i visits i + 1 key blocks. GPUs start
// programs in index order, so without renumbering the heaviest programs start
// last and the grid ends on a long tail. The pass renumbers a grid axis when
// loop trip counts grow with its program index, and only then.
//
//===----------------------------------------------------------------------===//

#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"

namespace fa {
#define GEN_PASS_DEF_TILELONGESTFIRST
#include "fa/Transforms/Passes.h.inc"
} // namespace fa

using namespace mlir;
using namespace fa;
using namespace fa::tile;

namespace {

/// How a value varies with one program index.
enum class Trend { Constant, Increasing, Decreasing, Unknown };

Trend flip(Trend t) {
  if (t == Trend::Increasing)
    return Trend::Decreasing;
  if (t == Trend::Decreasing)
    return Trend::Increasing;
  return t;
}

/// The trend of a sum (or of min/max) of two values.
Trend combine(Trend a, Trend b) {
  if (a == Trend::Constant)
    return b;
  if (b == Trend::Constant || a == b)
    return a;
  return Trend::Unknown;
}

std::optional<int64_t> constantOf(Value v) {
  APInt c;
  if (matchPattern(v, m_ConstantInt(&c)))
    return c.getSExtValue();
  return std::nullopt;
}

class TrendAnalysis {
public:
  explicit TrendAnalysis(int32_t axis) : axis(axis) {}

  Trend of(Value v, unsigned depth = 0) {
    auto it = memo.find(v);
    if (it != memo.end())
      return it->second;
    Trend t = compute(v, depth);
    memo[v] = t;
    return t;
  }

private:
  Trend compute(Value v, unsigned depth) {
    Operation *def = v.getDefiningOp();
    // Kernel and loop arguments: the kernel's are launch constants; a loop's
    // carried values are handled conservatively below by the caller, which
    // only asks about loop bounds defined outside their loop.
    if (!def)
      return dependsOnAxis(v) ? Trend::Unknown : Trend::Constant;
    if (auto pid = dyn_cast<ProgramIdOp>(def))
      return int32_t(pid.getAxis()) == axis ? Trend::Increasing
                                            : Trend::Constant;
    if (depth > 32)
      return Trend::Unknown;
    if (isa<arith::IndexCastOp, arith::ExtSIOp, arith::ExtUIOp>(def))
      return of(def->getOperand(0), depth + 1);
    if (isa<arith::AddIOp, arith::MinSIOp, arith::MaxSIOp, arith::MinUIOp,
            arith::MaxUIOp>(def))
      return combine(of(def->getOperand(0), depth + 1),
                     of(def->getOperand(1), depth + 1));
    if (isa<arith::SubIOp>(def))
      return combine(of(def->getOperand(0), depth + 1),
                     flip(of(def->getOperand(1), depth + 1)));
    if (isa<arith::MulIOp>(def)) {
      for (unsigned i = 0; i < 2; ++i)
        if (std::optional<int64_t> c = constantOf(def->getOperand(i))) {
          Trend t = of(def->getOperand(1 - i), depth + 1);
          return *c > 0 ? t : *c < 0 ? flip(t) : Trend::Constant;
        }
    }
    if (isa<arith::DivSIOp, arith::DivUIOp, arith::CeilDivSIOp,
            arith::CeilDivUIOp, arith::FloorDivSIOp>(def))
      if (std::optional<int64_t> c = constantOf(def->getOperand(1));
          c && *c > 0)
        return of(def->getOperand(0), depth + 1);
    return dependsOnAxis(v) ? Trend::Unknown : Trend::Constant;
  }

  /// Whether `v` is computed, directly or not, from this axis's index (or
  /// from anything the analysis cannot see through: values carried by
  /// loops).
  bool dependsOnAxis(Value v) {
    auto it = depends.find(v);
    if (it != depends.end())
      return it->second;
    depends[v] = true; // cycles (loop-carried values) count as dependent
    bool result = false;
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      // A kernel argument is fixed at launch; a loop's induction variable or
      // carried value may depend on anything.
      result = !isa<KernelOp>(arg.getOwner()->getParentOp());
    } else if (auto pid = v.getDefiningOp<ProgramIdOp>()) {
      result = int32_t(pid.getAxis()) == axis;
    } else {
      Operation *def = v.getDefiningOp();
      result = def->getNumRegions() != 0 ||
               llvm::any_of(def->getOperands(),
                            [&](Value o) { return dependsOnAxis(o); });
    }
    depends[v] = result;
    return result;
  }

  int32_t axis;
  llvm::DenseMap<Value, Trend> memo;
  llvm::DenseMap<Value, bool> depends;
};

/// Whether axis `axis` should be renumbered: some loop's trip count grows
/// with its index, and none shrinks or varies unpredictably with it.
bool shouldReverse(KernelOp kernel, int32_t axis) {
  TrendAnalysis trends(axis);
  bool grows = false, bad = false;
  kernel.getBody().walk([&](scf::ForOp loop) {
    std::optional<int64_t> step = constantOf(loop.getStep());
    Trend lb = trends.of(loop.getLowerBound());
    Trend ub = trends.of(loop.getUpperBound());
    Trend trip = combine(ub, flip(lb));
    if (!step || *step <= 0) {
      if (trip != Trend::Constant ||
          trends.of(loop.getStep()) != Trend::Constant)
        bad = true;
      return;
    }
    if (trip == Trend::Increasing)
      grows = true;
    else if (trip != Trend::Constant)
      bad = true;
  });
  return grows && !bad;
}

struct TileLongestFirstPass
    : public fa::impl::TileLongestFirstBase<TileLongestFirstPass> {
  void runOnOperation() override {
    getOperation()->walk([&](KernelOp kernel) {
      // Programs that may talk to each other through memory keep their
      // order; so do kernels with loops whose trip count is not visible.
      bool opaque = false;
      kernel.getBody().walk([&](Operation *op) {
        if (isa<AtomicAddOp, scf::WhileOp>(op))
          opaque = true;
      });
      if (opaque)
        return;
      for (int32_t axis = 0; axis < 3; ++axis) {
        if (!shouldReverse(kernel, axis))
          continue;
        SmallVector<ProgramIdOp> pids;
        kernel.getBody().walk([&](ProgramIdOp pid) {
          if (int32_t(pid.getAxis()) == axis)
            pids.push_back(pid);
        });
        for (ProgramIdOp pid : pids) {
          OpBuilder b(pid);
          b.setInsertionPointAfter(pid);
          Location loc = pid.getLoc();
          Type i32 = pid.getType();
          Value count =
              NumProgramsOp::create(b, loc, i32, b.getI32IntegerAttr(axis));
          Value last = arith::SubIOp::create(
              b, loc, count, arith::ConstantIntOp::create(b, loc, i32, 1));
          Value renumbered = arith::SubIOp::create(b, loc, last, pid);
          pid.getResult().replaceAllUsesExcept(renumbered,
                                               renumbered.getDefiningOp());
        }
      }
    });
  }
};

} // namespace
