//===- TmaToLLVM.cpp - mbarrier and TMA ops as NVVM -----------------------===//
//
// The Hopper copy protocol the pipeliner placed (tilenv ops): one thread
// (thread 0) initializes and invalidates the mbarriers, arrives with the
// expected byte count and issues cp.async.bulk.tensor through the tensor
// map passed by value for the copied kernel argument; every thread waits
// with mbarrier.try_wait.parity (or only thread 0: the producer waiting for
// the consumers' release of a slot, on which every thread arrives). Also the
// generic-to-async proxy fence (tilegpu.fence_async_shared).
//
//===----------------------------------------------------------------------===//

#include "NVIDIALowerings.h"

#include "fa/Dialect/TileNV/IR/TileNVDialect.h"
#include "fa/Target/NVIDIA/Tma.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace fa;
using namespace fa::tilegpu;

/// The thread that issues the copies: thread 0, or in a warp-specialized
/// kernel the producer warpgroup's first.
static int64_t copyThread(KernelLowering &kl) {
  auto func = kl.b.getInsertionBlock()
                  ->getParentOp()
                  ->getParentOfType<LLVM::LLVMFuncOp>();
  auto n = func ? func->getAttrOfType<IntegerAttr>(kWarpSpecializedAttr)
                : IntegerAttr();
  return n ? n.getInt() : 0;
}

/// Runs `body` in thread `thread` (0 by default) only.
static void inElectedThread(KernelLowering &kl,
                            function_ref<void(OpBuilder &)> body,
                            int64_t thread = 0) {
  OpBuilder &b = kl.b;
  Value first =
      arith::CmpIOp::create(b, kl.loc, arith::CmpIPredicate::eq,
                            kl.target.threadId(b, kl.loc), kl.c32(thread));
  auto ifOp = scf::IfOp::create(b, kl.loc, first, /*withElse=*/false);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  body(b);
}

/// The shared address of mbarrier `index` (an index value, or a constant
/// when null) of `barriers`.
static Value barrierAddress(KernelLowering &kl, Value barriers, Value index,
                            int64_t constant = 0) {
  OpBuilder &b = kl.b;
  Value slot = index ? arith::IndexCastOp::create(b, kl.loc, b.getI32Type(),
                                                  kl.map.lookup(index))
                           .getResult()
                     : kl.c32(constant);
  return LLVM::GEPOp::create(b, kl.loc, kl.sharedPtrTy(), b.getI64Type(),
                             kl.regs[barriers][0], ValueRange{slot});
}

static int64_t numBarriers(Value barriers) {
  return cast<SharedBufferType>(barriers.getType()).getShape()[0];
}

static LogicalResult lowerInit(tilenv::MBarrierInitOp op, KernelLowering &kl) {
  Value count = kl.c32(op.getCount());
  SmallVector<Value> addrs;
  for (int64_t s = 0; s < numBarriers(op.getBarriers()); ++s)
    addrs.push_back(barrierAddress(kl, op.getBarriers(), Value(), s));
  inElectedThread(kl, [&](OpBuilder &b) {
    for (Value a : addrs)
      NVVM::MBarrierInitOp::create(b, kl.loc, a, count, Value());
    // The initialization is visible to the asynchronous proxy (TMA's
    // complete_tx) once the CTA barrier after this op has run.
    NVVM::FenceMbarrierInitOp::create(b, kl.loc);
  });
  // Shared memory the copies will write may have been written through the
  // generic proxy before (buffers reused by the allocator): order those
  // writes before the asynchronous proxy's.
  NVVM::FenceProxyOp::create(
      kl.b, kl.loc, NVVM::ProxyKind::async_shared,
      NVVM::SharedSpaceAttr::get(kl.ctx, NVVM::SharedSpace::shared_cta));
  return success();
}

static LogicalResult lowerExpect(tilenv::MBarrierExpectOp op,
                                 KernelLowering &kl) {
  Value addr = barrierAddress(kl, op.getBarriers(), op.getIndex());
  Value bytes = kl.c32(op.getBytes());
  inElectedThread(
      kl,
      [&](OpBuilder &b) {
        NVVM::MBarrierArriveExpectTxOp::create(b, kl.loc, Type(), addr, bytes,
                                               NVVM::MemScopeKind::CTA,
                                               /*relaxed=*/false, Value());
      },
      copyThread(kl));
  return success();
}

static LogicalResult lowerWait(tilenv::MBarrierWaitOp op, KernelLowering &kl) {
  Value addr = barrierAddress(kl, op.getBarriers(), op.getIndex());
  Value phase = arith::IndexCastOp::create(kl.b, kl.loc, kl.b.getI32Type(),
                                           kl.map.lookup(op.getPhase()));
  // Suspend-time hint of the try_wait loop (what CUTLASS uses): 10 ms.
  auto wait = [&](OpBuilder &b) {
    NVVM::MBarrierTryWaitParityOp::create(b, kl.loc, addr, phase,
                                          kl.c32(10000000));
  };
  if (op.getElected())
    inElectedThread(kl, wait, copyThread(kl));
  else
    wait(kl.b);
  return success();
}

static LogicalResult lowerArrive(tilenv::MBarrierArriveOp op,
                                 KernelLowering &kl) {
  Value addr = barrierAddress(kl, op.getBarriers(), op.getIndex());
  NVVM::MBarrierArriveOp::create(kl.b, kl.loc, Type(), addr, Value());
  return success();
}

/// The generic-to-async proxy fence for shared memory (one per thread).
static LogicalResult lowerFenceAsyncShared(FenceAsyncSharedOp op,
                                           KernelLowering &kl) {
  NVVM::FenceProxyOp::create(
      kl.b, kl.loc, NVVM::ProxyKind::async_shared,
      NVVM::SharedSpaceAttr::get(kl.ctx, NVVM::SharedSpace::shared_cta));
  return success();
}

static LogicalResult lowerInval(tilenv::MBarrierInvalOp op,
                                KernelLowering &kl) {
  SmallVector<Value> addrs;
  for (int64_t s = 0; s < numBarriers(op.getBarriers()); ++s)
    addrs.push_back(barrierAddress(kl, op.getBarriers(), Value(), s));
  inElectedThread(kl, [&](OpBuilder &b) {
    for (Value a : addrs)
      NVVM::MBarrierInvalOp::create(b, kl.loc, a);
  });
  return success();
}

/// One bulk tensor copy per 64-element panel of the destination; TMA
/// coordinates run innermost first.
static LogicalResult lowerTmaLoad(tilenv::TmaLoadOp op, KernelLowering &kl) {
  KernelLowering::Global *g = kl.lookupGlobal(op, op.getBase());
  if (!g)
    return failure();
  if (!g->descriptor)
    return op.emitError("tensor is not passed with a tensor map (kernel "
                        "argument attribute tilegpu.descriptor)");
  auto dstTy = op.getDst().getType();
  auto enc = cast<SharedEncodingAttr>(dstTy.getEncoding());
  unsigned rank = g->sizes.size();
  if (rank > nvidia::kTmaMaxRank)
    return op.emitError() << "TMA copies tensors of rank at most "
                          << nvidia::kTmaMaxRank;
  int64_t rows = dstTy.getShape()[0], cols = dstTy.getShape()[1];
  int64_t width = enc.getPanel() ? enc.getPanel() : cols;
  if (cols % width)
    return op.emitError("buffer rows must be whole panels");
  OpBuilder &b = kl.b;
  Location loc = kl.loc;
  Type i32 = b.getI32Type();
  SmallVector<Value> coords;
  for (Value o : op.getOffsets())
    coords.push_back(arith::IndexCastOp::create(b, loc, i32, kl.map.lookup(o)));
  std::reverse(coords.begin(), coords.end());
  Value inner = coords.front();
  Value mbar = barrierAddress(kl, op.getBarriers(), op.getIndex());
  Value dstBase = kl.regs[op.getDst()][0];
  unsigned bits = dstTy.getElementType().getIntOrFloatBitWidth();
  Type ptr7 = LLVM::LLVMPointerType::get(kl.ctx, 7);
  SmallVector<std::pair<Value, SmallVector<Value>>> copies;
  for (int64_t p = 0; p < cols / width; ++p) {
    Value dst =
        LLVM::GEPOp::create(b, loc, kl.sharedPtrTy(), b.getI8Type(), dstBase,
                            ValueRange{kl.c32(p * rows * width * bits / 8)});
    dst = LLVM::AddrSpaceCastOp::create(b, loc, ptr7, dst);
    SmallVector<Value> c = coords;
    c.front() = kl.add(inner, kl.c32(p * width));
    copies.push_back({dst, c});
  }
  Value desc = g->descriptor;
  inElectedThread(
      kl,
      [&](OpBuilder &ib) {
        for (auto &[dst, c] : copies)
          NVVM::CpAsyncBulkTensorGlobalToSharedClusterOp::create(
              ib, loc, dst, desc, c, mbar, ValueRange{}, Value(), Value(),
              NVVM::TMALoadMode::TILE, /*isCTAOnly=*/false,
              NVVM::CTAGroupKindAttr(), Value());
      },
      copyThread(kl));
  return success();
}

static LogicalResult lowerProducerWarpgroup(tilenv::ProducerWarpgroupOp op,
                                            KernelLowering &kl) {
  Value p = arith::CmpIOp::create(kl.b, kl.loc, arith::CmpIPredicate::uge,
                                  kl.target.threadId(kl.b, kl.loc),
                                  kl.c32(op.getConsumers()));
  kl.map.map(op.getResult(), p);
  return success();
}

static LogicalResult lowerSetMaxNReg(tilenv::SetMaxNRegOp op,
                                     KernelLowering &kl) {
  std::string text = std::string("setmaxnreg.") +
                     (op.getIncrease() ? "inc" : "dec") + ".sync.aligned.u32 " +
                     std::to_string(op.getCount()) + ";";
  LLVM::InlineAsmOp::create(kl.b, kl.loc, TypeRange{}, ValueRange{}, text, "",
                            /*has_side_effects=*/true, /*is_align_stack=*/false,
                            LLVM::TailCallKind::None, LLVM::AsmDialectAttr(),
                            ArrayAttr());
  return success();
}

/// A pingpong barrier (tilegpu-pingpong) in consumer warpgroup g = tid / 128
/// on id `ids[g]`: one instruction with the id in a register when every
/// warpgroup takes part, else a branch to the one that does.
template <typename Op>
static LogicalResult lowerNamedBarrier(Op op, KernelLowering &kl) {
  OpBuilder &b = kl.b;
  Location loc = kl.loc;
  ArrayRef<int32_t> ids = op.getIds();
  Value count = kl.c32(op.getThreads());
  auto emit = [&](OpBuilder &b, Value id) {
    if constexpr (std::is_same_v<Op, tilenv::NamedBarrierSyncOp>)
      NVVM::BarrierOp::create(b, loc, TypeRange{}, id, count, {}, Value());
    else
      NVVM::BarrierArriveOp::create(b, loc, id, count);
  };
  Value group =
      arith::DivUIOp::create(b, loc, kl.target.threadId(b, loc), kl.c32(128));
  if (llvm::is_contained(ids, -1)) {
    for (auto [g, id] : llvm::enumerate(ids)) {
      if (id == -1)
        continue;
      Value mine = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                         group, kl.c32(g));
      auto ifOp = scf::IfOp::create(b, loc, mine, /*withElse=*/false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
      emit(b, kl.c32(id));
    }
    return success();
  }
  // ids[0] for warpgroup 0, then a select per further warpgroup.
  Value id = kl.c32(ids[0]);
  for (size_t g = 1; g < ids.size(); ++g) {
    Value mine = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, group,
                                       kl.c32(g));
    id = arith::SelectOp::create(b, loc, mine, kl.c32(ids[g]), id);
  }
  emit(b, id);
  return success();
}

void nvidia::populateTmaLowerings(LoweringRegistry &registry) {
  registry.add(lowerProducerWarpgroup);
  registry.add(lowerSetMaxNReg);
  registry.add(lowerNamedBarrier<tilenv::NamedBarrierSyncOp>);
  registry.add(lowerNamedBarrier<tilenv::NamedBarrierArriveOp>);
  registry.add(lowerInit);
  registry.add(lowerExpect);
  registry.add(lowerWait);
  registry.add(lowerArrive);
  registry.add(lowerFenceAsyncShared);
  registry.add(lowerInval);
  registry.add(lowerTmaLoad);
}
