//===- GatherOpToLLVM.cpp - loads at per-element coordinates --------------===//
//
// Each thread loads its registers one element at a time from the address
// its coordinate tiles give (they share the result's layout); coordinates
// outside the tensor and masked-off elements read a safe address and select
// the padding, as block loads do.
//
//===----------------------------------------------------------------------===//

#include "Lowerings.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;
using namespace fa;
using namespace fa::tilegpu;

static LogicalResult lowerGather(tile::GatherOp op, KernelLowering &kl) {
  OpBuilder &b = kl.b;
  Location &loc = kl.loc;
  auto &regs = kl.regs;
  auto git = kl.globals.find(op.getBase());
  if (git == kl.globals.end())
    return op->emitError("global tensor must be a kernel argument on the GPU");
  KernelLowering::Global &g = git->second;
  RankedTensorType ty = op.getType();
  Type elem = ty.getElementType();
  unsigned bits = elem.getIntOrFloatBitWidth();
  if (bits % 8 || (isa<FloatType>(elem) && !elem.isF16() && !elem.isBF16() &&
                   !elem.isF32() && !elem.isF64()))
    return op->emitError("tiles of ")
           << elem << " cannot be gathered from global memory on "
           << kl.target.getName();
  const LinearLayout *ll = kl.layoutOf(op, ty);
  if (!ll)
    return failure();
  for (Value v : op->getOperands().drop_front())
    if (regs[v].size() != size_t(ll->numRegs()))
      return op->emitError("gather coordinates are not in the result's layout");
  Type i64 = b.getI64Type();
  Value pad = arith::ConstantOp::create(b, loc, op.getPaddingOrZero());
  SmallVector<Value> out;
  for (int64_t r = 0; r < ll->numRegs(); ++r) {
    SmallVector<Value> ok;
    Value off = kl.c64(0);
    for (auto [d, t] : llvm::enumerate(op.getIndices())) {
      Value i = arith::ExtSIOp::create(b, loc, i64, regs[t][r]);
      // Unsigned: a negative coordinate is out of bounds too.
      ok.push_back(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, i,
                                         g.sizes[d]));
      off = kl.add(off, kl.mul(i, g.strides[d]));
    }
    if (op.getMask())
      ok.push_back(regs[op.getMask()][r]);
    Value pred = kl.allTrue(ok);
    Value ptr = LLVM::GEPOp::create(b, loc, kl.globalPtrTy(), elem, g.ptr, off);
    Value safe = LLVM::SelectOp::create(b, loc, pred, ptr, g.ptr);
    Value v = LLVM::LoadOp::create(b, loc, elem, safe, bits / 8);
    out.push_back(arith::SelectOp::create(b, loc, pred, v, pad));
  }
  regs[op.getResult()] = out;
  return success();
}

void fa::populateGatherLowerings(LoweringRegistry &registry) {
  registry.add(lowerGather);
}
