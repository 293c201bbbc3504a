//===- DotOpToLLVM.cpp - tile.dot as mma.sync m16n8k16 --------------------===//
//
// The accumulator is split into 16x8 tiles (#tilenv.mma version 2); per K
// step of 16, each tile takes 4 A and 2 B registers, each packing two
// 16-bit operand values, picked from the operand layouts by offset. K is
// the outermost loop, so operands loaded a K step at a time (ldmatrix, see
// LoadMatrixToLLVM.cpp) are live for one step.
//
//===----------------------------------------------------------------------===//

#include "NVIDIALowerings.h"

#include "fa/Dialect/TileNV/IR/TileNVDialect.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

using namespace mlir;
using namespace fa;
using namespace fa::tilegpu;

/// One mma.sync m16n8k16: `a` 4 x i32 (pairs of 16-bit values), `b` 2 x i32,
/// `c` 4 x f32; returns 4 x f32.
static SmallVector<Value> mma16816(OpBuilder &b, Location loc, Type elemType,
                                   ValueRange a, ValueRange bOps,
                                   ValueRange c) {
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  auto resTy = LLVM::LLVMStructType::getLiteral(ctx, {f32, f32, f32, f32});
  SmallVector<Value> av(a), bv(bOps);
  NVVM::MMATypes ptx = NVVM::MMATypes::bf16;
  if (elemType.isF16()) {
    // f16 operands are typed vector<2xf16>.
    ptx = NVVM::MMATypes::f16;
    auto v2 = VectorType::get({2}, b.getF16Type());
    for (Value &v : av)
      v = LLVM::BitcastOp::create(b, loc, v2, v);
    for (Value &v : bv)
      v = LLVM::BitcastOp::create(b, loc, v2, v);
  }
  auto op = NVVM::MmaOp::create(
      b, loc, resTy, av, bv, c, ArrayRef<int64_t>{16, 8, 16}, std::nullopt,
      std::nullopt, std::array<NVVM::MMATypes, 2>{ptx, ptx},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  SmallVector<Value> out;
  for (int64_t i = 0; i < 4; ++i)
    out.push_back(LLVM::ExtractValueOp::create(b, loc, op.getResult(), i));
  return out;
}

Value nvidia::packPair(KernelLowering &kl, Value lo, Value hi) {
  OpBuilder &b = kl.b;
  Location loc = kl.loc;
  auto vt = VectorType::get({2}, lo.getType());
  Value v = LLVM::PoisonOp::create(b, loc, vt);
  v = LLVM::InsertElementOp::create(b, loc, v, lo, kl.c32(0));
  v = LLVM::InsertElementOp::create(b, loc, v, hi, kl.c32(1));
  return LLVM::BitcastOp::create(b, loc, b.getI32Type(), v);
}

std::pair<Value, Value> nvidia::unpackPair(KernelLowering &kl, Value packed,
                                           Type elem) {
  OpBuilder &b = kl.b;
  Location loc = kl.loc;
  auto vt = VectorType::get({2}, elem);
  Value v = LLVM::BitcastOp::create(b, loc, vt, packed);
  return {LLVM::ExtractElementOp::create(b, loc, v, kl.c32(0)),
          LLVM::ExtractElementOp::create(b, loc, v, kl.c32(1))};
}

static LogicalResult lowerDot(tile::DotOp op, KernelLowering &kl) {
  OpBuilder &b = kl.b;
  Location &loc = kl.loc;
  auto &regs = kl.regs;
  const TargetInfo &target = kl.target;
  const LinearLayout *la = kl.layoutOf(op, op.getA().getType());
  const LinearLayout *lb = kl.layoutOf(op, op.getB().getType());
  const LinearLayout *lc = kl.layoutOf(op, op.getType());
  if (!la || !lb || !lc)
    return failure();
  auto mma = dyn_cast<tilenv::MmaEncodingAttr>(op.getType().getEncoding());
  if (!isa<DotOperandEncodingAttr>(op.getA().getType().getEncoding()) ||
      !isa<DotOperandEncodingAttr>(op.getB().getType().getEncoding()) || !mma ||
      mma.getVersion() != 2)
    return op.emitError("dot needs MMA operand and accumulator layouts");
  Type elem = op.getA().getType().getElementType();
  if (failed(target.checkDot(op, op.getA().getType(), op.getB().getType(),
                             op.getType())))
    return failure();
  int64_t k = op.getA().getType().getShape()[1];
  SmallVector<Value> C = regs.lookup(op.getAcc());
  auto regAt = [&](const LinearLayout *ll, const SmallVector<Value> &v,
                   int64_t i, int64_t j) -> Value {
    auto r = ll->findReg(Offsets{i, j});
    return r ? v[*r] : Value();
  };
  // Accumulator tiles and their four registers.
  SmallVector<std::pair<Offsets, std::array<int64_t, 4>>> tiles;
  for (int64_t r = 0; r < lc->numRegs(); ++r) {
    Offsets o = lc->regOffset(r);
    if (o[0] % 16 || o[1] % 8)
      continue;
    std::array<int64_t, 4> ci;
    for (int q = 0; q < 4; ++q) {
      auto idx = lc->findReg(Offsets{o[0] + (q / 2) * 8, o[1] + q % 2});
      if (!idx)
        return op.emitError("accumulator layout is not an m16n8 MMA layout");
      ci[q] = *idx;
    }
    tiles.push_back({o, ci});
  }
  // K outermost: operands loaded from shared memory per K step stay live
  // for that step only.
  for (int64_t k0 = 0; k0 < k; k0 += 16) {
    for (Value operand : {op.getA(), op.getB()})
      if (failed(kl.materialize(op, operand, k0 / 16)))
        return failure();
    // Looked up after materializing, which may add entries to `regs`.
    const SmallVector<Value> &A = regs[op.getA()], &B = regs[op.getB()];
    for (auto &[o, ci] : tiles) {
      int64_t m0 = o[0], n0 = o[1];
      SmallVector<Value> a, bb;
      for (auto [di, dk] :
           {std::pair<int64_t, int64_t>{0, 0}, {8, 0}, {0, 8}, {8, 8}}) {
        Value lo = regAt(la, A, m0 + di, k0 + dk);
        Value hi = regAt(la, A, m0 + di, k0 + dk + 1);
        if (!lo || !hi)
          return op.emitError("A operand layout does not match the MMA");
        a.push_back(nvidia::packPair(kl, lo, hi));
      }
      for (int64_t dk : {0, 8}) {
        Value lo = regAt(lb, B, k0 + dk, n0);
        Value hi = regAt(lb, B, k0 + dk + 1, n0);
        if (!lo || !hi)
          return op.emitError("B operand layout does not match the MMA");
        bb.push_back(nvidia::packPair(kl, lo, hi));
      }
      SmallVector<Value> c = {C[ci[0]], C[ci[1]], C[ci[2]], C[ci[3]]};
      SmallVector<Value> d = mma16816(b, loc, elem, a, bb, c);
      for (int q = 0; q < 4; ++q)
        C[ci[q]] = d[q];
    }
  }
  regs[op.getResult()] = C;
  return success();
}

void nvidia::populateDotLowerings(LoweringRegistry &registry) {
  registry.add(lowerDot);
}
