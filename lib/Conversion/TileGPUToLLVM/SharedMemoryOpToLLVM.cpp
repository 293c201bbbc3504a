//===- SharedMemoryOpToLLVM.cpp - shared-memory buffers -------------------===//
//
// Buffers are offsets into the CTA's one shared-memory symbol; registers are
// written and read with vectors along the buffer's fastest dimension, at
// swizzled addresses whose constant part is an immediate. A bool takes a
// byte (sharedElementBits): LLVM stores a vector of i1 as packed bits, which
// would leave the other elements' bytes unwritten.
//
//===----------------------------------------------------------------------===//

#include "Lowerings.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"

using namespace mlir;
using namespace fa;
using namespace fa::tilegpu;

/// The type an element of `elem` has in shared memory: i8 for bools.
static Type sharedElementType(OpBuilder &b, Type elem) {
  return elem.getIntOrFloatBitWidth() == sharedElementBits(elem)
             ? elem
             : b.getIntegerType(sharedElementBits(elem));
}

/// Writes the registers of `src` into the buffer at `base` (vectors along
/// its fastest dimension).
static LogicalResult storeTile(Operation *op, Value src, Value base,
                               SharedBufferType bufTy, KernelLowering &kl) {
  OpBuilder &b = kl.b;
  Location &loc = kl.loc;
  auto enc = cast<SharedLayoutAttrInterface>(bufTy.getEncoding());
  const LinearLayout *ll = kl.layoutOf(op, src.getType());
  if (!ll)
    return failure();
  Type elem = bufTy.getElementType();
  Type memTy = sharedElementType(b, elem);
  unsigned bits = sharedElementBits(elem);
  unsigned f = enc.getOrder()[0];
  int64_t limit = enc.getMaxPhase() > 1 ? enc.getVec() : 128 / bits;
  // Padded rows: vectors stay aligned to their size.
  while (enc.getPad() && limit > 1 &&
         (bufTy.getShape()[f] + enc.getPad()) % limit)
    limit /= 2;
  int64_t vec = kl.contiguousRegs(*ll, f, std::min<int64_t>(limit, 128 / bits));
  Type vecTy = vec > 1 ? Type(VectorType::get({vec}, memTy)) : memTy;
  SmallVector<Value> coords = kl.threadCoords(*ll);
  const SmallVector<Value> &regs = kl.regs[src];
  auto toMem = [&](Value v) -> Value {
    return memTy == elem ? v : LLVM::ZExtOp::create(b, loc, memTy, v);
  };
  for (int64_t r = 0; r < ll->numRegs(); r += vec) {
    Offsets o = ll->regOffset(r);
    Value off = kl.sharedOffset(enc, bufTy.getShape(), coords, o);
    Value ptr = LLVM::GEPOp::create(b, loc, kl.sharedPtrTy(), memTy, base, off);
    Value v;
    if (vec == 1) {
      v = toMem(regs[r]);
    } else {
      v = LLVM::PoisonOp::create(b, loc, vecTy);
      for (int64_t i = 0; i < vec; ++i)
        v = LLVM::InsertElementOp::create(b, loc, v, toMem(regs[r + i]),
                                          kl.c32(i));
    }
    LLVM::StoreOp::create(b, loc, v, ptr, vec * bits / 8);
  }
  return success();
}

static LogicalResult lowerLocalAlloc(LocalAllocOp op, KernelLowering &kl) {
  OpBuilder &b = kl.b;
  Location &loc = kl.loc;
  auto offset = op.getOffset();
  if (!offset)
    return op.emitError("buffer has no offset; run "
                        "tilegpu-allocate-shared-memory first");
  Value base =
      LLVM::GEPOp::create(b, loc, kl.sharedPtrTy(), b.getI8Type(), kl.smem,
                          ArrayRef<LLVM::GEPArg>{int32_t(*offset)});
  // Earlier readers of this memory must be done before it is overwritten.
  kl.target.barrier(b, loc);
  if (failed(storeTile(op, op.getSrc(), base, op.getType(), kl)))
    return failure();
  // A proxy fence right after the buffer (tilegpu-insert-async-fences) is
  // followed by a barrier that orders the writes for readers as well.
  if (!isa_and_nonnull<FenceAsyncSharedOp>(op->getNextNode()))
    kl.target.barrier(b, loc);
  kl.regs[op.getResult()] = {base};
  return success();
}

static LogicalResult lowerLocalStore(LocalStoreOp op, KernelLowering &kl) {
  return storeTile(op, op.getSrc(), kl.regs[op.getDst()][0],
                   op.getDst().getType(), kl);
}

static LogicalResult lowerAllocRing(AllocRingOp op, KernelLowering &kl) {
  OpBuilder &b = kl.b;
  Location &loc = kl.loc;
  auto &regs = kl.regs;
  Value smem = kl.smem;
  auto offset = op.getOffset();
  if (!offset)
    return op->emitError("buffer has no offset; run "
                         "tilegpu-allocate-shared-memory first");
  regs[op.getResult()] = {
      LLVM::GEPOp::create(b, loc, kl.sharedPtrTy(), b.getI8Type(), smem,
                          ArrayRef<LLVM::GEPArg>{int32_t(*offset)})};
  return success();
}

static LogicalResult lowerRingSlot(RingSlotOp op, KernelLowering &kl) {
  OpBuilder &b = kl.b;
  Location &loc = kl.loc;
  auto &regs = kl.regs;
  IRMapping &map = kl.map;
  auto ty = op.getType();
  int64_t bytes =
      ty.getNumElements() * sharedElementBits(ty.getElementType()) / 8;
  Value idx = arith::IndexCastOp::create(b, loc, b.getI32Type(),
                                         map.lookup(op.getIndex()));
  regs[op.getResult()] = {LLVM::GEPOp::create(
      b, loc, kl.sharedPtrTy(), b.getI8Type(), regs[op.getRing()][0],
      ValueRange{kl.mul(idx, kl.c32(bytes))})};
  return success();
}

static LogicalResult lowerTransView(TransViewOp op, KernelLowering &kl) {
  // Copy before inserting: inserting the result may grow the map and move
  // the source's entry.
  SmallVector<Value> src = kl.regs.lookup(op.getSrc());
  kl.regs[op.getResult()] = std::move(src);
  return success();
}

static LogicalResult lowerLocalLoad(LocalLoadOp op, KernelLowering &kl) {
  OpBuilder &b = kl.b;
  Location &loc = kl.loc;
  auto &regs = kl.regs;
  auto bufTy = op.getSrc().getType();
  auto enc = cast<SharedLayoutAttrInterface>(bufTy.getEncoding());
  const LinearLayout *ll = kl.layoutOf(op, op.getType());
  if (!ll)
    return failure();
  Value base = regs[op.getSrc()][0];
  Type elem = bufTy.getElementType();
  Type memTy = sharedElementType(b, elem);
  unsigned bits = sharedElementBits(elem);
  ArrayRef<int64_t> shape = bufTy.getShape();
  unsigned f = enc.getOrder()[0];
  SmallVector<Value> out(ll->numRegs());
  // Element (or short vector) loads; vendors override this for matrix
  // operands.
  int64_t limit = enc.getMaxPhase() > 1 ? enc.getVec() : 128 / bits;
  // Padded rows: vectors stay aligned to their size.
  while (enc.getPad() && limit > 1 &&
         (bufTy.getShape()[f] + enc.getPad()) % limit)
    limit /= 2;
  int64_t vec = kl.contiguousRegs(*ll, f, std::min<int64_t>(limit, 128 / bits));
  Type vecTy = vec > 1 ? Type(VectorType::get({vec}, memTy)) : memTy;
  SmallVector<Value> coords = kl.threadCoords(*ll);
  for (int64_t r = 0; r < ll->numRegs(); r += vec) {
    Offsets o = ll->regOffset(r);
    Value off = kl.sharedOffset(enc, shape, coords, o);
    Value ptr = LLVM::GEPOp::create(b, loc, kl.sharedPtrTy(), memTy, base, off);
    Value v = LLVM::LoadOp::create(b, loc, vecTy, ptr, vec * bits / 8);
    for (int64_t i = 0; i < vec; ++i) {
      Value e =
          vec > 1 ? (Value)LLVM::ExtractElementOp::create(b, loc, v, kl.c32(i))
                  : v;
      out[r + i] = memTy == elem ? e : LLVM::TruncOp::create(b, loc, elem, e);
    }
  }
  regs[op.getResult()] = out;
  return success();
}

static LogicalResult lowerBarrier(BarrierOp op, KernelLowering &kl) {
  // Marked by tilegpu-warp-specialize: both roles meet here.
  if (op->hasAttr("tilegpu.all_threads"))
    kl.target.barrierAll(kl.b, kl.loc);
  else
    kl.target.barrier(kl.b, kl.loc);
  return success();
}

void fa::populateSharedMemoryLowerings(LoweringRegistry &registry) {
  registry.add(lowerLocalAlloc);
  registry.add(lowerLocalStore);
  registry.add(lowerAllocRing);
  registry.add(lowerRingSlot);
  registry.add(lowerTransView);
  registry.add(lowerLocalLoad);
  registry.add(lowerBarrier);
}
