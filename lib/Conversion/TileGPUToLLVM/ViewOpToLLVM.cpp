//===- ViewOpToLLVM.cpp - register-renaming ops ---------------------------===//
//
// Ops that only rename registers: each result register is the operand
// register at the corresponding offset.
//
//===----------------------------------------------------------------------===//

#include "Lowerings.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;
using namespace fa;
using namespace fa::tilegpu;

static LogicalResult lowerBroadcast(tile::BroadcastOp op, KernelLowering &kl) {
  ArrayRef<int64_t> srcShape = op.getSrc().getType().getShape();
  return kl.remap(op, op.getSrc(), op.getResult(), [&](const Offsets &o) {
    Offsets s = o;
    for (unsigned d = 0; d < s.size(); ++d)
      if (srcShape[d] == 1)
        s[d] = 0;
    return s;
  });
}

static LogicalResult lowerExpandDims(tile::ExpandDimsOp op,
                                     KernelLowering &kl) {
  unsigned axis = op.getAxis();
  return kl.remap(op, op.getSrc(), op.getResult(), [&](const Offsets &o) {
    Offsets s = o;
    s.erase(s.begin() + axis);
    return s;
  });
}

static LogicalResult lowerTrans(tile::TransOp op, KernelLowering &kl) {
  SmallVector<int32_t> perm = op.getPermutation();
  const LinearLayout *s = kl.layoutOf(op, op.getSrc().getType());
  const LinearLayout *r = kl.layoutOf(op, op.getType());
  if (!s || !r)
    return failure();
  // The thread mapping must be the permuted one.
  auto permuted = [&](ArrayRef<Offsets> bases) {
    SmallVector<Offsets> out;
    for (const Offsets &o : bases) {
      Offsets p(o.size());
      for (unsigned i = 0; i < perm.size(); ++i)
        p[i] = o[perm[i]];
      out.push_back(p);
    }
    return out;
  };
  if (permuted(s->lane) != r->lane || permuted(s->warp) != r->warp)
    return op->emitError("transpose between layouts that move data");
  return kl.remap(op, op.getSrc(), op.getResult(), [&](const Offsets &o) {
    Offsets s(o.size());
    for (unsigned i = 0; i < perm.size(); ++i)
      s[perm[i]] = o[i];
    return s;
  });
}

static LogicalResult lowerConvertLayout(ConvertLayoutOp op,
                                        KernelLowering &kl) {
  const LinearLayout *s = kl.layoutOf(op, op.getSrc().getType());
  const LinearLayout *r = kl.layoutOf(op, op.getType());
  if (!s || !r)
    return failure();
  if (!s->sameThreadMapping(*r))
    return op->emitError("layout conversion moves data between threads; run "
                         "tilegpu-decompose-conversions first");
  return kl.remap(op, op.getSrc(), op.getResult(),
                  [](const Offsets &o) { return o; });
}

void fa::populateViewLowerings(LoweringRegistry &registry) {
  registry.add(lowerBroadcast);
  registry.add(lowerExpandDims);
  registry.add(lowerTrans);
  registry.add(lowerConvertLayout);
}
