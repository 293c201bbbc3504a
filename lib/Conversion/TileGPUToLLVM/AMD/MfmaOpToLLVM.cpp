//===- MfmaOpToLLVM.cpp - tile.dot as AMD MFMA ----------------------------===//
//
// The accumulator (#tileamd.mfma) is split into instruction tiles of
// M x N (32x32 or 16x16); per K step (8 or 16) each tile takes 4 A and 4 B
// values of the lane, picked from the operand layouts by offset, and
// accumulates 16 (32x32) or 4 (16x16) f32 registers. The instruction gets
// B as its first operand and A as its second: it computes C^T, whose
// placement gives each lane a row of C (see TileAMDAttrs.td). K is the
// outermost loop, so operands produced a K step at a time stay live for
// one step.
//
//===----------------------------------------------------------------------===//

#include "AMDLowerings.h"

#include "fa/Dialect/TileAMD/IR/TileAMDDialect.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/ROCDLDialect.h"

using namespace mlir;
using namespace fa;
using namespace fa::tilegpu;

/// One MFMA of shape `im` x `im` x (128 / im ... 8 or 16) on 16-bit `elem`
/// operands (4 per lane each) and `acc` f32 registers.
static Value mfma(OpBuilder &b, Location loc, Type elem, int64_t im, Value a,
                  Value bv, Value acc) {
  Type resTy = acc.getType();
  auto i32 = [&](int64_t v) -> Value {
    return LLVM::ConstantOp::create(b, loc, b.getI32Type(),
                                    b.getI32IntegerAttr(v));
  };
  // cbsz, abid, blgp: no broadcast between blocks or lanes.
  SmallVector<Value> args = {a, bv, acc, i32(0), i32(0), i32(0)};
  if (elem.isF16())
    return im == 32 ? ROCDL::mfma_f32_32x32x8f16::create(b, loc, resTy, args)
                          .getResult()
                    : ROCDL::mfma_f32_16x16x16f16::create(b, loc, resTy, args)
                          .getResult();
  return im == 32 ? ROCDL::mfma_f32_32x32x8bf16_1k::create(b, loc, resTy, args)
                        .getResult()
                  : ROCDL::mfma_f32_16x16x16bf16_1k::create(b, loc, resTy, args)
                        .getResult();
}

/// Four 16-bit values as the instruction's operand vector: <4 x half> for
/// f16, <4 x i16> for bf16 (the "1k" instructions).
static Value packFour(KernelLowering &kl, ArrayRef<Value> vals, Type elem) {
  OpBuilder &b = kl.b;
  Location loc = kl.loc;
  Value v = LLVM::PoisonOp::create(b, loc, VectorType::get({4}, elem));
  for (auto [i, x] : llvm::enumerate(vals))
    v = LLVM::InsertElementOp::create(b, loc, v, x, kl.c32(i));
  if (elem.isF16())
    return v;
  return LLVM::BitcastOp::create(b, loc, VectorType::get({4}, b.getI16Type()),
                                 v);
}

static LogicalResult lowerMfma(tile::DotOp op, KernelLowering &kl) {
  OpBuilder &b = kl.b;
  Location loc = kl.loc;
  const LinearLayout *la = kl.layoutOf(op, op.getA().getType());
  const LinearLayout *lb = kl.layoutOf(op, op.getB().getType());
  const LinearLayout *lc = kl.layoutOf(op, op.getType());
  if (!la || !lb || !lc)
    return failure();
  auto enc = cast<tileamd::MfmaEncodingAttr>(op.getType().getEncoding());
  if (!isa<DotOperandEncodingAttr>(op.getA().getType().getEncoding()) ||
      !isa<DotOperandEncodingAttr>(op.getB().getType().getEncoding()))
    return op.emitError("dot needs MFMA operand layouts");
  if (failed(kl.target.checkDot(op, op.getA().getType(), op.getB().getType(),
                                op.getType())))
    return failure();
  Type elem = op.getA().getType().getElementType();
  int64_t im = enc.getInstrShape()[0], in = enc.getInstrShape()[1],
          ik = enc.getInstrShape()[2];
  int64_t k = op.getA().getType().getShape()[1];
  if (k % ik)
    return op.emitError() << "mfma K step " << ik
                          << " does not divide K = " << k;
  int64_t accRegs = im * in / 64;
  auto regAt = [&](const LinearLayout *ll, const SmallVector<Value> &v,
                   int64_t i, int64_t j) -> Value {
    auto r = ll->findReg(Offsets{i, j});
    return r ? v[*r] : Value();
  };
  // Instruction tiles of the accumulator and their registers, in the
  // instruction's order: register j is column 8 (j / 4) + j % 4 (32x32) or
  // j (16x16) of the lane's columns.
  SmallVector<std::pair<Offsets, SmallVector<int64_t>>> tiles;
  for (int64_t r = 0; r < lc->numRegs(); ++r) {
    Offsets o = lc->regOffset(r);
    if (o[0] % im || o[1] % in)
      continue;
    SmallVector<int64_t> idx;
    for (int64_t j = 0; j < accRegs; ++j) {
      int64_t col = in == 32 ? (j / 4) * 8 + j % 4 : j;
      auto at = lc->findReg(Offsets{o[0], o[1] + col});
      if (!at)
        return op.emitError("accumulator layout is not an MFMA layout");
      idx.push_back(*at);
    }
    tiles.push_back({o, idx});
  }
  SmallVector<Value> &A = kl.regs[op.getA()], &B = kl.regs[op.getB()];
  SmallVector<Value> C = kl.regs[op.getAcc()];
  auto accTy = VectorType::get({accRegs}, b.getF32Type());
  // Accumulators travel as vectors between the K steps of a tile.
  SmallVector<Value> acc;
  for (auto &[o, idx] : tiles) {
    Value v = LLVM::PoisonOp::create(b, loc, accTy);
    for (auto [j, r] : llvm::enumerate(idx))
      v = LLVM::InsertElementOp::create(b, loc, v, C[r], kl.c32(j));
    acc.push_back(v);
  }
  for (int64_t k0 = 0; k0 < k; k0 += ik) {
    for (Value operand : {op.getA(), op.getB()})
      if (failed(kl.materialize(op, operand, k0 / ik)))
        return failure();
    for (auto [t, tile] : llvm::enumerate(tiles)) {
      int64_t m0 = tile.first[0], n0 = tile.first[1];
      SmallVector<Value> a, bb;
      for (int64_t i = 0; i < 4; ++i) {
        a.push_back(regAt(la, A, m0, k0 + i));
        bb.push_back(regAt(lb, B, k0 + i, n0));
        if (!a.back() || !bb.back())
          return op.emitError("operand layouts do not match the MFMA");
      }
      acc[t] = mfma(b, loc, elem, im, packFour(kl, bb, elem),
                    packFour(kl, a, elem), acc[t]);
    }
  }
  for (auto [t, tile] : llvm::enumerate(tiles))
    for (auto [j, r] : llvm::enumerate(tile.second))
      C[r] = LLVM::ExtractElementOp::create(b, loc, acc[t], kl.c32(j));
  kl.regs[op.getResult()] = C;
  return success();
}

void amd::populateMfmaLowerings(LoweringRegistry &registry) {
  registry.add(lowerMfma, [](Operation *op, KernelLowering &) {
    auto dot = cast<tile::DotOp>(op);
    return isa<tileamd::MfmaEncodingAttr>(dot.getType().getEncoding());
  });
}
