//===- ScalarOpToLLVM.cpp - scalar loads and scalars taken from tiles
//------===//
//
// A scalar load is one global load per thread of the same address (the
// hardware merges them); an index out of bounds reads the padding without a
// memory access. A 0-d tile (a reduction of a 1-D tile) is held by every
// thread, so taking its scalar is taking the register.
//
//===----------------------------------------------------------------------===//

#include "Lowerings.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace fa;
using namespace fa::tilegpu;

static LogicalResult lowerLoadScalar(tile::LoadScalarOp op,
                                     KernelLowering &kl) {
  OpBuilder &b = kl.b;
  Location &loc = kl.loc;
  auto git = kl.globals.find(op.getBase());
  if (git == kl.globals.end())
    return op->emitError("global tensor must be a kernel argument on the GPU");
  KernelLowering::Global &g = git->second;
  Type elem = op.getType();
  unsigned bits = elem.getIntOrFloatBitWidth();
  if (bits % 8 || (isa<FloatType>(elem) && !elem.isF16() && !elem.isBF16() &&
                   !elem.isF32() && !elem.isF64()))
    return op->emitError("elements of type ")
           << elem << " cannot be loaded from global memory on "
           << kl.target.getName();
  KernelLowering::BlockAddress a =
      kl.addressBlock(g, elem, op.getIndices(), {});
  // Out of bounds: read the tensor's first element's address instead (as
  // block loads do) and select the padding.
  Value safe = LLVM::SelectOp::create(b, loc, a.squeezeOk, a.basePtr, g.ptr);
  Value v = LLVM::LoadOp::create(b, loc, elem, safe, bits / 8);
  TypedAttr padAttr = op.getPaddingAttr();
  if (!padAttr)
    padAttr = isa<FloatType>(elem) ? TypedAttr(b.getFloatAttr(elem, 0.0))
                                   : TypedAttr(b.getIntegerAttr(elem, 0));
  Value pad = arith::ConstantOp::create(b, loc, padAttr);
  kl.map.map(op.getResult(),
             arith::SelectOp::create(b, loc, a.squeezeOk, v, pad));
  return success();
}

static LogicalResult lowerExtract(tensor::ExtractOp op, KernelLowering &kl) {
  auto type = op.getTensor().getType();
  auto it = kl.regs.find(op.getTensor());
  if (type.getRank() != 0 || it == kl.regs.end() || it->second.empty())
    return op->emitError("only the scalar of a 0-d tile (a reduction of a "
                         "1-D tile) can be taken on ")
           << kl.target.getName();
  kl.map.map(op.getResult(), it->second.front());
  return success();
}

void fa::populateScalarLowerings(LoweringRegistry &registry) {
  registry.add(lowerLoadScalar);
  registry.add(lowerExtract);
}
