//===- ReduceOpToLLVM.cpp - tile.reduce -----------------------------------===//
//
// In-thread balanced trees, then butterfly shuffles along the lane bits that
// move along the reduced dimension, then (across warps) a shared-memory
// scratch written and read between barriers.
//
//===----------------------------------------------------------------------===//

#include "Lowerings.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;
using namespace fa;
using namespace fa::tilegpu;

static LogicalResult lowerReduce(tile::ReduceOp op, KernelLowering &kl) {
  OpBuilder &b = kl.b;
  Location &loc = kl.loc;
  MLIRContext *ctx = kl.ctx;
  auto &regs = kl.regs;
  const TargetInfo &target = kl.target;
  Value warp = kl.warp;
  Value smem = kl.smem;
  const LinearLayout *s = kl.layoutOf(op, op.getSrc().getType());
  const LinearLayout *r = kl.layoutOf(op, op.getType());
  if (!s || !r)
    return failure();
  unsigned axis = op.getAxis();
  Type elem = op.getType().getElementType();
  bool isFloat = isa<FloatType>(elem);
  auto combine = [&](Value x, Value y) -> Value {
    switch (op.getKind()) {
    case tile::ReduceKind::Max:
      return isFloat ? (Value)arith::MaximumFOp::create(b, loc, x, y)
                     : (Value)arith::MaxSIOp::create(b, loc, x, y);
    case tile::ReduceKind::Min:
      return isFloat ? (Value)arith::MinimumFOp::create(b, loc, x, y)
                     : (Value)arith::MinSIOp::create(b, loc, x, y);
    case tile::ReduceKind::Sum:
      return isFloat ? (Value)arith::AddFOp::create(b, loc, x, y)
                     : (Value)arith::AddIOp::create(b, loc, x, y);
    }
    return {};
  };
  SmallVector<unsigned> axisWarpBits;
  for (auto [i, w] : llvm::enumerate(s->warp))
    if (w[axis])
      axisWarpBits.push_back(i);
  bool crossLane =
      llvm::any_of(s->lane, [&](const Offsets &l) { return l[axis] != 0; });
  if (crossLane && elem.getIntOrFloatBitWidth() != 32)
    return op.emitError("cross-lane reductions need 32-bit elements");
  // In-thread partial results, one per result register, combined as a
  // balanced tree: log2(n) dependent steps instead of n - 1.
  SmallVector<SmallVector<Value>> terms(r->numRegs());
  const SmallVector<Value> &in = regs[op.getSrc()];
  for (int64_t i = 0; i < s->numRegs(); ++i) {
    Offsets o = s->regOffset(i);
    o.erase(o.begin() + axis);
    auto j = r->findReg(o);
    if (!j)
      return op.emitError("reduction result layout is not the slice of its "
                          "operand's layout");
    terms[*j].push_back(in[i]);
  }
  SmallVector<Value> partial(r->numRegs());
  for (auto [p, t] : llvm::zip(partial, terms)) {
    if (t.empty())
      return op.emitError("reduction result register without source");
    while (t.size() > 1) {
      SmallVector<Value> next;
      for (size_t k = 0; k + 1 < t.size(); k += 2)
        next.push_back(combine(t[k], t[k + 1]));
      if (t.size() % 2)
        next.push_back(t.back());
      t = std::move(next);
    }
    p = t.front();
  }
  for (Value &p : partial) {
    for (unsigned i = 0; i < s->lane.size(); ++i)
      if (s->lane[i][axis])
        p = combine(p, target.shuffleXor(b, loc, p, 1u << i));
  }
  if (!axisWarpBits.empty()) {
    // Across warps: every warp writes its partials to a scratch slot, then
    // every thread combines the slots of the elements it holds.
    auto offset = op->getAttrOfType<IntegerAttr>("tilegpu.scratch_offset");
    if (!offset)
      return op.emitError("reduction across warps needs scratch memory; run "
                          "tilegpu-allocate-shared-memory first");
    Value w = kl.c32(0);
    for (auto [j, i] : llvm::enumerate(axisWarpBits))
      w = arith::OrIOp::create(
          b, loc, w, arith::ShLIOp::create(b, loc, kl.bit(warp, i), kl.c32(j)));
    int64_t slots = int64_t(1) << axisWarpBits.size();
    ArrayRef<int64_t> shape = op.getType().getShape();
    int64_t elems = 1;
    for (int64_t d : shape)
      elems *= d;
    Type slotTy = elem.getIntOrFloatBitWidth() < 32
                      ? Type(IntegerType::get(ctx, 32))
                      : elem;
    bool widen = slotTy != elem;
    Value base =
        LLVM::GEPOp::create(b, loc, kl.sharedPtrTy(), b.getI8Type(), smem,
                            ArrayRef<LLVM::GEPArg>{int32_t(offset.getInt())});
    SmallVector<Value> rc = kl.threadCoords(*r);
    auto linear = [&](int64_t q) {
      Offsets o = r->regOffset(q);
      Value lin = kl.c32(0);
      int64_t stride = 1;
      for (int d = shape.size() - 1; d >= 0; --d) {
        lin = kl.add(lin, kl.mul(kl.add(rc[d], kl.c32(o[d])), kl.c32(stride)));
        stride *= shape[d];
      }
      return lin;
    };
    auto toSlot = [&](Value v) -> Value {
      if (!widen)
        return v;
      Value bits = LLVM::BitcastOp::create(
          b, loc, IntegerType::get(ctx, elem.getIntOrFloatBitWidth()), v);
      return LLVM::ZExtOp::create(b, loc, slotTy, bits);
    };
    auto fromSlot = [&](Value v) -> Value {
      if (!widen)
        return v;
      Value bits = LLVM::TruncOp::create(
          b, loc, IntegerType::get(ctx, elem.getIntOrFloatBitWidth()), v);
      return LLVM::BitcastOp::create(b, loc, elem, bits);
    };
    target.barrier(b, loc); // earlier readers of this memory are done
    for (int64_t q = 0; q < r->numRegs(); ++q) {
      Value idx = kl.add(kl.mul(w, kl.c32(elems)), linear(q));
      Value ptr =
          LLVM::GEPOp::create(b, loc, kl.sharedPtrTy(), slotTy, base, idx);
      LLVM::StoreOp::create(b, loc, toSlot(partial[q]), ptr);
    }
    target.barrier(b, loc);
    for (int64_t q = 0; q < r->numRegs(); ++q) {
      Value lin = linear(q);
      Value acc;
      for (int64_t k = 0; k < slots; ++k) {
        Value ptr =
            LLVM::GEPOp::create(b, loc, kl.sharedPtrTy(), slotTy, base,
                                ValueRange{kl.add(kl.c32(k * elems), lin)});
        Value v = fromSlot(LLVM::LoadOp::create(b, loc, slotTy, ptr));
        acc = acc ? combine(acc, v) : v;
      }
      partial[q] = acc;
    }
  }
  regs[op.getResult()] = partial;
  return success();
}

void fa::populateReduceLowerings(LoweringRegistry &registry) {
  registry.add(lowerReduce);
}
