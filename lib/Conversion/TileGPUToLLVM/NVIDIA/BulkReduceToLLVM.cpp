//===- BulkReduceToLLVM.cpp - reduce_async as cp.reduce.async.bulk --------===//
//
// tilegpu.reduce_async adds the rows of its shared buffer into global
// memory with bulk reductions (sm_90: `cp.reduce.async.bulk.global.
// shared::cta.bulk_group.add.f32`, no tensor map: a row is contiguous in
// both places). Packed rows of a tensor whose row stride is the row length
// (checked at run time) are one range: thread 0 adds the in-bounds rows
// with one reduction. Otherwise the kernel's (consumer) threads take one
// row each, in turn; a row past the tensor's bound is skipped. Every thread
// then commits its bulk group (an empty one where it issued nothing), and
// tilegpu.reduce_wait waits on the groups of its thread (`read`: until
// they have read shared memory). The proxy fence after the writes and the
// barrier before the reduction are the IR's (tilegpu-insert-async-fences).
//
//===----------------------------------------------------------------------===//

#include "NVIDIALowerings.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace fa;
using namespace fa::tilegpu;

/// Bulk reductions move 16-byte multiples between 16-byte-aligned
/// addresses.
static constexpr int64_t kBulkBytes = 16;

static LogicalResult lowerReduceAsync(ReduceAsyncOp op, KernelLowering &kl) {
  OpBuilder &b = kl.b;
  Location loc = kl.loc;
  auto git = kl.globals.find(op.getBase());
  if (git == kl.globals.end())
    return op.emitError("global tensor must be a kernel argument on the GPU");
  KernelLowering::Global &g = git->second;
  auto bufTy = op.getSrc().getType();
  Type elem = bufTy.getElementType();
  int64_t rows = bufTy.getShape()[0], cols = bufTy.getShape()[1];
  int64_t elemBytes = elem.getIntOrFloatBitWidth() / 8;
  int64_t rowBytes = cols * elemBytes;
  int64_t pitch =
      cols + cast<SharedLayoutAttrInterface>(bufTy.getEncoding()).getPad();
  if (kl.target.getAsyncReduceRowAlignment(elem) == 0)
    return op.emitError("no bulk reduction of ")
           << elem << " on " << kl.target.getName();
  if (rowBytes % kBulkBytes || (pitch * elemBytes) % kBulkBytes)
    return op.emitError("bulk reductions need rows (and padded rows in "
                        "shared memory) of a multiple of ")
           << kBulkBytes << " bytes, got " << rowBytes << " and "
           << pitch * elemBytes;
  APInt inner;
  if (!matchPattern(g.sizes.back(), m_ConstantInt(&inner)) ||
      inner.getSExtValue() != cols)
    return op.emitError("rows must span the tensor's innermost dimension, "
                        "of a size known at compile time");

  SmallVector<int64_t> tileDims = op.getTileDims();
  auto [basePtr, squeezeOk, lim, stride32] =
      kl.addressBlock(g, elem, op.getOffsets(), tileDims);
  Value shared = kl.regs[op.getSrc()][0];
  Type i32 = b.getI32Type(), i64 = b.getI64Type();
  std::string op_ = "cp.reduce.async.bulk.global.shared::cta.bulk_group."
                    "add.f32 [$0], [$1], ";
  auto reduce = [&](Value gPtr, Value sPtr, Value bytes) {
    Value gAddr = LLVM::PtrToIntOp::create(b, loc, i64, gPtr);
    Value sAddr = LLVM::PtrToIntOp::create(b, loc, i32, sPtr);
    SmallVector<Value> operands = {gAddr, sAddr};
    std::string text = op_ + std::to_string(rowBytes) + ";";
    std::string constraints = "l,r,~{memory}";
    if (bytes) {
      operands.push_back(bytes);
      text = op_ + "$2;";
      constraints = "l,r,r,~{memory}";
    }
    LLVM::InlineAsmOp::create(
        b, loc, TypeRange{}, operands, text, constraints,
        /*has_side_effects=*/true, /*is_align_stack=*/false,
        LLVM::TailCallKind::None, LLVM::AsmDialectAttr(), ArrayAttr());
  };
  // The kernel's threads (the consumers of a warp-specialized one: the
  // threads before the producer warpgroup).
  int64_t threads = int64_t(kl.numWarps) * kl.target.getWarpSize();
  Value tid = kl.target.threadId(b, loc);
  auto perRow = [&]() {
    for (int64_t first = 0; first < rows; first += threads) {
      Value row = kl.add(tid, kl.c32(first));
      Value pred =
          kl.allTrue({squeezeOk,
                      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                            row, lim[0]),
                      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                            row, kl.c32(rows))});
      auto ifOp = scf::IfOp::create(b, loc, pred, /*withElse=*/false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
      Value gOff =
          arith::ExtSIOp::create(b, loc, i64, kl.mul(row, stride32[0]));
      reduce(LLVM::GEPOp::create(b, loc, kl.globalPtrTy(), elem, basePtr, gOff),
             LLVM::GEPOp::create(b, loc, kl.sharedPtrTy(), elem, shared,
                                 ValueRange{kl.mul(row, kl.c32(pitch))}),
             Value());
    }
  };
  if (pitch != cols) {
    perRow();
  } else {
    // Packed rows in shared memory, and in global memory when the rows'
    // stride is their length: the block's in-bounds rows are one range on
    // both sides, added by thread 0 with one bulk reduction (the engine
    // handles few large requests better than many small ones).
    Value packed = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                         stride32[0], kl.c32(cols));
    auto ifOp = scf::IfOp::create(b, loc, packed, /*withElse=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
    Value n = arith::MinSIOp::create(b, loc, lim[0], kl.c32(rows));
    Value pred =
        kl.allTrue({squeezeOk,
                    arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, tid,
                                          kl.c32(0)),
                    arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, n,
                                          kl.c32(0))});
    auto one = scf::IfOp::create(b, loc, pred, /*withElse=*/false);
    b.setInsertionPoint(one.thenBlock()->getTerminator());
    reduce(basePtr, shared, kl.mul(n, kl.c32(rowBytes)));
    b.setInsertionPoint(ifOp.elseBlock()->getTerminator());
    perRow();
  }
  NVVM::CpAsyncBulkCommitGroupOp::create(b, loc);
  return success();
}

static LogicalResult lowerReduceWait(ReduceWaitOp op, KernelLowering &kl) {
  NVVM::CpAsyncBulkWaitGroupOp::create(kl.b, kl.loc, uint32_t(op.getPendings()),
                                       op.getRead() ? kl.b.getUnitAttr()
                                                    : UnitAttr());
  return success();
}

void nvidia::populateBulkReduceLowerings(LoweringRegistry &registry) {
  registry.add(lowerReduceAsync);
  registry.add(lowerReduceWait);
}
