//===- AsyncCopyToLLVM.cpp - async_copy/commit/wait as cp.async -----------===//
//
// Each thread copies 16-byte vectors (cp.async.cg, zero-filling what lies
// out of bounds) addressed off one running pointer; commit and wait are
// cp.async groups. The CTA barrier that makes other threads' copies visible
// is a separate tilegpu.barrier, placed by the pipeliner.
//
//===----------------------------------------------------------------------===//

#include "NVIDIALowerings.h"

#include "fa/Target/NVIDIA/CpAsync.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

using namespace mlir;
using namespace fa;
using namespace fa::tilegpu;

/// `ptr` (a global pointer) advanced by `bytes` (i64), as an operation the
/// LLVM optimizer cannot reassociate. A run of copies then addresses off one
/// running pointer instead of one hoisted 64-bit offset (or induction
/// variable) per copy, which costs registers.
static Value stepPointer(OpBuilder &b, Location loc, Value ptr, Value bytes) {
  // An inline add is opaque to LLVM: LICM and LSR cannot split it into
  // per-copy invariants. ptxas still sees a plain 64-bit add.
  Type i64 = b.getI64Type();
  Value p = LLVM::PtrToIntOp::create(b, loc, i64, ptr);
  auto add = LLVM::InlineAsmOp::create(
      b, loc, i64, ValueRange{p, bytes}, "add.s64 $0, $1, $2;", "=l,l,l",
      /*has_side_effects=*/false, /*is_align_stack=*/false,
      LLVM::TailCallKind::None, LLVM::AsmDialectAttr(), ArrayAttr());
  return LLVM::IntToPtrOp::create(b, loc, ptr.getType(), add.getResult(0));
}

/// Starts 16-byte cp.async copies; with 0 source bytes the destination is
/// zero-filled.
static LogicalResult lowerAsyncCopy(AsyncCopyOp op, KernelLowering &kl) {
  OpBuilder &b = kl.b;
  Location &loc = kl.loc;
  auto &regs = kl.regs;
  auto &globals = kl.globals;
  auto git = globals.find(op.getBase());
  if (git == globals.end())
    return op.emitError("global tensor must be a kernel argument on the GPU");
  KernelLowering::Global &g = git->second;
  auto bufTy = op.getDst().getType();
  auto enc = cast<SharedLayoutAttrInterface>(bufTy.getEncoding());
  Type elem = bufTy.getElementType();
  unsigned bits = elem.getIntOrFloatBitWidth();
  std::string error;
  auto ll = toLinearLayout(op.getLayout(), bufTy.getShape(), error);
  if (!ll)
    return op.emitError() << error;
  // The rule the pipeliner asked the target about (nvidia::canCpAsync);
  // the rest of it (alignment, zero padding) holds by construction.
  if (!nvidia::canCpAsyncVectors(elem, *ll, enc.getOrder()[0], error))
    return op.emitError(error);
  int64_t vec = nvidia::kCpAsyncBytes * 8 / bits;
  unsigned rank = g.sizes.size();
  Type i64 = b.getI64Type();
  SmallVector<int64_t> tileDims;
  if (auto d = op.getDims())
    tileDims.assign(d->begin(), d->end());
  else
    for (unsigned i = 0; i < rank; ++i)
      tileDims.push_back(i);
  Type gptr = kl.globalPtrTy();
  auto [basePtr, squeezeOk, lim, stride32] =
      kl.addressBlock(g, elem, op.getOffsets(), tileDims);
  SmallVector<Value> coords = kl.threadCoords(*ll);
  Value dstBase = regs[op.getDst()][0];
  // Each thread addresses its copies off one running pointer: its first
  // element plus constant multiples of the (runtime) strides. Bounds become
  // `room_t > o[t]` with room_t = lim_t - coord_t, a compare against an
  // immediate per copy.
  // Tile dimensions proven in bounds (tile-bounds-elim) need no check.
  SmallVector<bool> checked(tileDims.size(), true);
  if (auto inBounds = op.getInBounds())
    for (auto [t, known] : llvm::enumerate(*inBounds))
      checked[t] = !known;
  Value threadOff = kl.c32(0);
  SmallVector<Value> room;
  for (unsigned t = 0; t < tileDims.size(); ++t) {
    threadOff = kl.add(threadOff, kl.mul(coords[t], stride32[t]));
    room.push_back(arith::SubIOp::create(b, loc, lim[t], coords[t]));
  }
  Value ptr = LLVM::GEPOp::create(
      b, loc, gptr, elem, basePtr,
      ValueRange{arith::ExtSIOp::create(b, loc, i64, threadOff)});
  Offsets prev(tileDims.size(), 0);
  for (int64_t r = 0; r < ll->numRegs(); r += vec) {
    Offsets o = ll->regOffset(r);
    SmallVector<Value> inb = {squeezeOk};
    Value delta = kl.c32(0);
    bool moved = false;
    for (unsigned t = 0; t < tileDims.size(); ++t) {
      if (checked[t])
        inb.push_back(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt,
                                            room[t], kl.c32(o[t])));
      if (o[t] != prev[t]) {
        delta = kl.add(delta, kl.mul(kl.c32(o[t] - prev[t]), stride32[t]));
        moved = true;
      }
    }
    if (moved) {
      Value bytes = arith::MulIOp::create(
          b, loc, arith::ExtSIOp::create(b, loc, i64, delta),
          arith::ConstantIntOp::create(b, loc, i64, bits / 8));
      ptr = stepPointer(b, loc, ptr, bytes);
    }
    prev = o;
    Value pred = kl.allTrue(inb);
    // With 0 source bytes nothing is read: the address may lie outside.
    Value srcBytes =
        arith::SelectOp::create(b, loc, pred, kl.c32(16), kl.c32(0));
    Value dst = LLVM::GEPOp::create(
        b, loc, kl.sharedPtrTy(), elem, dstBase,
        ValueRange{kl.sharedOffset(enc, bufTy.getShape(), coords, o)});
    NVVM::CpAsyncOp::create(b, loc, dst, ptr, 16,
                            NVVM::LoadCacheModifierKind::CG, srcBytes);
  }
  return success();
}

static LogicalResult lowerAsyncCommit(AsyncCommitOp op, KernelLowering &kl) {
  NVVM::CpAsyncCommitGroupOp::create(kl.b, kl.loc);
  return success();
}

static LogicalResult lowerAsyncWait(AsyncWaitOp op, KernelLowering &kl) {
  NVVM::CpAsyncWaitGroupOp::create(kl.b, kl.loc, op.getPending());
  return success();
}

void nvidia::populateAsyncCopyLowerings(LoweringRegistry &registry) {
  registry.add(lowerAsyncCopy);
  registry.add(lowerAsyncCommit);
  registry.add(lowerAsyncWait);
}
