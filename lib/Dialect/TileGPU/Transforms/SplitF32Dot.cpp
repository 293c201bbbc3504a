//===- SplitF32Dot.cpp - f32 dots as sums of bf16 tensor-core dots --------===//
//
// Tensor cores multiply 16-bit operands. An f32 operand x is split into
// bf16 parts, x = x0 + x1 (+ x2) up to the rounding of the last part, and
// the dot becomes a sum of bf16 dots accumulated in f32, smallest terms
// first. Two parts and three products (a0 b1 + a1 b0 + a0 b0; the a1 b1 term
// is below the rounding of the others) keep about 16 bits of each operand:
// finer than tf32's 10. With exact = true, three parts and the six products
// whose order of magnitude is at least 2^-24 give f32 accuracy.
//
//===----------------------------------------------------------------------===//

#include "fa/Dialect/TileGPU/Transforms/Passes.h"

#include "fa/Dialect/Tile/IR/TileDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

namespace fa::tilegpu {
#define GEN_PASS_DEF_TILEGPUSPLITF32DOT
#include "fa/Dialect/TileGPU/Transforms/Passes.h.inc"
} // namespace fa::tilegpu

using namespace mlir;

namespace {

/// The bf16 parts of an f32 tile, largest first.
SmallVector<Value> split(OpBuilder &b, Location loc, Value x, unsigned parts) {
  auto ty = cast<RankedTensorType>(x.getType());
  auto bf16Ty = RankedTensorType::get(ty.getShape(), b.getBF16Type());
  SmallVector<Value> out;
  Value rest = x;
  for (unsigned i = 0; i < parts; ++i) {
    Value p = arith::TruncFOp::create(b, loc, bf16Ty, rest);
    out.push_back(p);
    if (i + 1 < parts)
      rest = arith::SubFOp::create(b, loc, rest,
                                   arith::ExtFOp::create(b, loc, ty, p));
  }
  return out;
}

struct SplitF32DotPass
    : fa::tilegpu::impl::TileGPUSplitF32DotBase<SplitF32DotPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<fa::tile::DotOp> dots;
    getOperation().walk([&](fa::tile::DotOp d) {
      if (d.getA().getType().getElementType().isF32() &&
          d.getB().getType().getElementType().isF32())
        dots.push_back(d);
    });
    unsigned parts = exact ? 3 : 2;
    for (fa::tile::DotOp d : dots) {
      OpBuilder b(d);
      Location loc = d.getLoc();
      SmallVector<Value> a = split(b, loc, d.getA(), parts);
      SmallVector<Value> c = split(b, loc, d.getB(), parts);
      // Products a_i c_j with i + j < parts, the smallest (largest i + j)
      // first, so that the large ones are added last.
      Value acc = d.getAcc();
      for (int s = int(parts) - 1; s >= 0; --s)
        for (int i = s; i >= 0; --i)
          acc =
              fa::tile::DotOp::create(b, loc, d.getType(), a[i], c[s - i], acc);
      d.getResult().replaceAllUsesWith(acc);
      d.erase();
    }
  }
};

} // namespace
