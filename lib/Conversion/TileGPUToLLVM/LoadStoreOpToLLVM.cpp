//===- LoadStoreOpToLLVM.cpp - global loads, stores, atomics --------------===//
//
// Vectorized along the innermost dimension when every vector is known to be
// in or out of bounds as a whole; out-of-bounds lanes of a load read a safe
// address and select the padding; stores and atomics are predicated.
//
//===----------------------------------------------------------------------===//

#include "Lowerings.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace fa;
using namespace fa::tilegpu;

static LogicalResult
lowerGlobalAccess(Operation *op, Value base, OperandRange offsets,
                  ArrayRef<int64_t> tileDims, RankedTensorType tileTy,
                  Value stored, bool atomic, TypedAttr pad, KernelLowering &kl,
                  Value mask = Value()) {
  OpBuilder &b = kl.b;
  Location &loc = kl.loc;
  auto &regs = kl.regs;
  auto &globals = kl.globals;
  const TargetInfo &target = kl.target;
  tile::KernelOp kernel = kl.kernel;
  auto git = globals.find(base);
  if (git == globals.end())
    return op->emitError("global tensor must be a kernel argument on the GPU");
  KernelLowering::Global &g = git->second;
  const LinearLayout *ll = kl.layoutOf(op, tileTy);
  if (!ll)
    return failure();
  Type elem = tileTy.getElementType();
  unsigned bits = elem.getIntOrFloatBitWidth();
  if (bits % 8 || (isa<FloatType>(elem) && !elem.isF16() && !elem.isBF16() &&
                   !elem.isF32() && !elem.isF64()))
    return op->emitError("tiles of ")
           << elem << " cannot be accessed in global memory on "
           << target.getName();
  if (atomic && !(elem.isF32() || elem.isF16() || elem.isBF16() ||
                  elem.isInteger(32) || elem.isInteger(64)))
    return op->emitError("atomic_add supports f32, f16, bf16, i32 and i64 on ")
           << target.getName();
  unsigned rank = g.sizes.size();
  Type i64 = b.getI64Type();

  Type gptr = kl.globalPtrTy();
  auto [basePtr, squeezeOk, lim, stride32] =
      kl.addressBlock(g, elem, offsets, tileDims);

  // Vectorize along the innermost global dimension when every vector is
  // known to be in or out of bounds as a whole.
  int64_t vec = 1;
  int64_t innerTileDim = -1;
  for (auto [t, d] : llvm::enumerate(tileDims))
    if (d == int64_t(rank) - 1)
      innerTileDim = t;
  // A mask is per element: masked accesses are not vectorized. Atomics
  // only where the target has vector atomic adds.
  unsigned atomicWidth = atomic ? target.getAtomicAddVectorWidth(elem) : 0;
  if (innerTileDim >= 0 && (!atomic || atomicWidth > 1) && !mask &&
      matchPattern(offsets[rank - 1], m_Zero())) {
    std::optional<int64_t> staticInner;
    auto mt = cast<MemRefType>(base.getType());
    if (!mt.isDynamicDim(rank - 1))
      staticInner = mt.getDimSize(rank - 1);
    if (auto arg = dyn_cast<BlockArgument>(base))
      if (auto dims = getKernelArgAttr<ArrayAttr>(kernel, arg.getArgNumber(),
                                                  "tile.dims"))
        if (auto n = dyn_cast<IntegerAttr>(dims[rank - 1]))
          staticInner = n.getInt();
    if (staticInner) {
      int64_t v = kl.contiguousRegs(*ll, innerTileDim,
                                    atomic ? int64_t(atomicWidth) : 128 / bits);
      while (v > 1 && *staticInner % v)
        v /= 2;
      vec = v;
    }
  }

  SmallVector<Value> coords = kl.threadCoords(*ll);
  Value owner = stored ? kl.ownerPredicate(*ll) : Value();
  Type vecTy = vec > 1 ? Type(VectorType::get({vec}, elem)) : elem;
  unsigned align = vec * bits / 8;
  SmallVector<Value> out(ll->numRegs());
  Value padValue =
      pad ? (Value)arith::ConstantOp::create(b, loc, pad) : Value();
  for (int64_t r = 0; r < ll->numRegs(); r += vec) {
    Offsets o = ll->regOffset(r);
    SmallVector<Value> inb = {squeezeOk};
    Value elemOff = kl.c32(0);
    for (unsigned t = 0; t < tileDims.size(); ++t) {
      Value c = kl.add(coords[t], kl.c32(o[t]));
      inb.push_back(
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, c, lim[t]));
      elemOff = kl.add(elemOff, kl.mul(c, stride32[t]));
    }
    if (mask)
      inb.push_back(regs[mask][r]);
    Value pred = kl.allTrue(inb);
    Value off64 = arith::ExtSIOp::create(b, loc, i64, elemOff);
    Value ptr = LLVM::GEPOp::create(b, loc, gptr, elem, basePtr, off64);
    if (!stored) {
      Value safe = LLVM::SelectOp::create(b, loc, pred, ptr, g.ptr);
      Value v = LLVM::LoadOp::create(b, loc, vecTy, safe, align);
      for (int64_t i = 0; i < vec; ++i) {
        Value e = vec > 1 ? (Value)LLVM::ExtractElementOp::create(b, loc, v,
                                                                  kl.c32(i))
                          : v;
        out[r + i] = arith::SelectOp::create(b, loc, pred, e, padValue);
      }
      continue;
    }
    const SmallVector<Value> &src = regs[stored];
    Value v;
    if (vec > 1) {
      v = LLVM::PoisonOp::create(b, loc, vecTy);
      for (int64_t i = 0; i < vec; ++i)
        v = LLVM::InsertElementOp::create(b, loc, v, src[r + i], kl.c32(i));
    } else {
      v = src[r];
    }
    auto ifOp = scf::IfOp::create(b, loc, kl.andi(pred, owner), false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
    if (atomic && vec > 1) {
      SmallVector<Value> elems(src.begin() + r, src.begin() + r + vec);
      target.atomicAddVector(b, loc, ptr, elems);
    } else if (atomic) {
      auto kind = isa<FloatType>(elem) ? LLVM::AtomicBinOp::fadd
                                       : LLVM::AtomicBinOp::add;
      LLVM::AtomicRMWOp::create(b, loc, kind, ptr, v,
                                LLVM::AtomicOrdering::monotonic);
    } else {
      LLVM::StoreOp::create(b, loc, v, ptr, align);
    }
  }
  if (!stored)
    regs[op->getResult(0)] = out;
  return success();
}

static LogicalResult lowerLoad(tile::LoadOp op, KernelLowering &kl) {
  return lowerGlobalAccess(op, op.getBase(), op.getOffsets(), op.getTileDims(),
                           op.getType(), Value(), false, op.getPaddingOrZero(),
                           kl, op.getMask());
}

static LogicalResult lowerStore(tile::StoreOp op, KernelLowering &kl) {
  return lowerGlobalAccess(op, op.getBase(), op.getOffsets(), op.getTileDims(),
                           op.getValue().getType(), op.getValue(), false,
                           TypedAttr(), kl, op.getMask());
}

static LogicalResult lowerAtomicAdd(tile::AtomicAddOp op, KernelLowering &kl) {
  return lowerGlobalAccess(op, op.getBase(), op.getOffsets(), op.getTileDims(),
                           op.getValue().getType(), op.getValue(), true,
                           TypedAttr(), kl, op.getMask());
}

void fa::populateLoadStoreLowerings(LoweringRegistry &registry) {
  registry.add(lowerLoad);
  registry.add(lowerStore);
  registry.add(lowerAtomicAdd);
}
