//===- NVTargetInfo.cpp - NVIDIA (NVVM) implementation of TargetInfo ------===//

#include "fa/Dialect/TileNV/IR/TileNVDialect.h"
#include "fa/Target/NVIDIA/CpAsync.h"
#include "fa/Target/NVIDIA/Tma.h"
#include "fa/Target/TargetInfo.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/Operation.h"

using namespace mlir;

namespace {
class NVTargetInfo : public fa::TargetInfo {
public:
  NVTargetInfo(StringRef name, unsigned sm) : name(name.str()), sm(sm) {}

  StringRef getName() const override { return name; }
  StringRef getVendor() const override { return "nvidia"; }
  unsigned getWarpSize() const override { return 32; }
  int64_t getMaxSharedBytes() const override {
    return sm >= 90 ? 227 * 1024 : 163 * 1024;
  }
  // wgmma and TMA (bulk tensor copies on mbarriers) from sm_90a on.
  bool hasMma(fa::MmaKind kind) const override {
    return kind == fa::MmaKind::MmaSyncV2 ||
           (kind == fa::MmaKind::WgmmaV3 && sm >= 90);
  }
  bool hasCopyEngine(fa::CopyEngine engine) const override {
    return engine == fa::CopyEngine::Direct ||
           engine == fa::CopyEngine::CpAsync ||
           (engine == fa::CopyEngine::Tma && sm >= 90);
  }
  bool canCopyAsync(fa::CopyEngine engine, const fa::AsyncCopyRequest &copy,
                    std::string &why) const override {
    if (engine == fa::CopyEngine::CpAsync)
      return fa::nvidia::canCpAsync(copy, why);
    if (engine == fa::CopyEngine::Tma && sm >= 90)
      return fa::nvidia::canTma(copy, why);
    return TargetInfo::canCopyAsync(engine, copy, why);
  }
  const fa::BarrierCopyProtocol *
  getBarrierCopyProtocol(fa::CopyEngine engine) const override {
    if (engine == fa::CopyEngine::Tma && sm >= 90)
      return &fa::nvidia::getTmaProtocol();
    return nullptr;
  }

  LogicalResult checkDot(Operation *op, RankedTensorType aTy,
                         RankedTensorType bTy,
                         RankedTensorType accTy) const override {
    Type a = aTy.getElementType(), b = bTy.getElementType(),
         acc = accTy.getElementType();
    if (a != b)
      return op->emitError() << "dot operands must have one element type on "
                             << name << ", got " << a << " and " << b;
    if (!acc.isF32())
      return op->emitError() << "dot accumulator must be f32 on " << name;
    if (!a.isBF16() && !a.isF16())
      return op->emitError() << "mma.sync on " << name
                             << " supports f16 and bf16 operands, not " << a;
    int64_t m = aTy.getShape()[0], k = aTy.getShape()[1], n = bTy.getShape()[1];
    if (m % 16 || n % 8 || k % 16)
      return op->emitError() << "mma.sync needs M a multiple of 16, N of 8 "
                                "and K of 16, got "
                             << m << "x" << n << "x" << k;
    return success();
  }

  Attribute getDotAccumulatorLayout(MLIRContext *ctx, ArrayRef<int64_t> shape,
                                    unsigned numWarps) const override {
    // Warps along M first: each holds whole rows of the accumulator.
    int64_t m = shape[0];
    unsigned wm = 1;
    while (wm < numWarps && int64_t(wm) * 2 * 16 <= m)
      wm *= 2;
    return fa::tilenv::MmaEncodingAttr::get(ctx, 2, {wm, numWarps / wm}, {});
  }

  // cp.reduce.async.bulk (sm_90): f32 adds over 16-byte multiples at
  // 16-byte-aligned addresses.
  unsigned getAsyncReduceRowAlignment(Type elem) const override {
    return sm >= 90 && elem.isF32() ? 16 : 0;
  }

  bool isMmaChoice(StringRef mma) const override {
    return mma == "auto" || mma == "mma_sync" || (mma == "wgmma" && sm >= 90);
  }

  // wgmma: whole warpgroups, 16-bit operands accumulated in f32. "auto"
  // takes it on sm_90a wherever it fits (measured 1.16x mma.sync at D=64 on
  // the H200, docs/perf.md); other dots keep mma.sync. Warpgroups go along
  // M while every warp gets 16 rows of each instruction; the rest split N,
  // each warpgroup its own n / wn columns (a 64-row product on two
  // warpgroups: the dQ of FlashAttention's backward).
  Attribute getDotLayoutFor(StringRef mma, RankedTensorType a,
                            RankedTensorType b, RankedTensorType acc,
                            unsigned numWarps) const override {
    MLIRContext *ctx = acc.getContext();
    if (!isMmaChoice(mma))
      return {};
    Type e = a.getElementType();
    int64_t m = acc.getShape()[0], n = acc.getShape()[1], k = a.getShape()[1];
    // B is read through 128-byte-swizzle descriptors from rows of 64
    // elements, wider rows stored as 64-element panels. "auto" keeps K = N =
    // 64 per instruction (the measured case); "wgmma" also takes 128 and
    // 256.
    bool wanted = mma == "wgmma" || (mma == "auto" && sm >= 90);
    auto width = [&](int64_t d) {
      return d == 64 || (mma == "wgmma" && (d == 128 || d == 256));
    };
    unsigned wm = numWarps;
    while (wm > 4 && m % (16 * int64_t(wm)))
      wm /= 2;
    unsigned wn = numWarps / wm;
    bool fits = wanted && numWarps % 4 == 0 && m % (16 * int64_t(wm)) == 0 &&
                n % wn == 0 && width(n / wn) && width(k) &&
                (e.isBF16() || e.isF16()) && b.getElementType() == e &&
                acc.getElementType().isF32();
    if (!fits)
      return getDotAccumulatorLayout(ctx, acc.getShape(), numWarps);
    return fa::tilenv::MmaEncodingAttr::get(ctx, 3, {wm, wn},
                                            {64, unsigned(n / wn), 16});
  }

  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<fa::tilenv::TileNVDialect, NVVM::NVVMDialect>();
  }

  LogicalResult checkElementwise(Operation *op) const override {
    // math ops with a fast hardware form; everything in arith lowers.
    if (isa<math::Exp2Op, math::ExpOp, math::Log2Op, math::LogOp, math::AbsFOp,
            math::SqrtOp, math::RsqrtOp, math::FmaOp, math::FloorOp,
            math::CeilOp>(op) ||
        op->getDialect()->getNamespace() == "arith") {
      for (Type t : op->getResultTypes()) {
        Type e = getElementTypeOrSelf(t);
        if (isa<math::Exp2Op, math::ExpOp, math::Log2Op, math::LogOp,
                math::RsqrtOp>(op) &&
            !e.isF32())
          return op->emitError() << "'" << op->getName() << "' on " << name
                                 << " is supported for f32 only, not " << e;
        if (isa<FloatType>(e) && !e.isF32() && !e.isF16() && !e.isBF16() &&
            !e.isF64())
          return op->emitError()
                 << "element type " << e << " is not supported on " << name;
      }
      return success();
    }
    return op->emitError() << "'" << op->getName() << "' has no lowering for "
                           << name;
  }

  Value threadId(OpBuilder &b, Location loc) const override {
    return NVVM::ThreadIdXOp::create(b, loc, b.getI32Type());
  }
  Value programId(OpBuilder &b, Location loc, unsigned axis) const override {
    Type i32 = b.getI32Type();
    if (axis == 0)
      return NVVM::BlockIdXOp::create(b, loc, i32);
    if (axis == 1)
      return NVVM::BlockIdYOp::create(b, loc, i32);
    return NVVM::BlockIdZOp::create(b, loc, i32);
  }
  Value numPrograms(OpBuilder &b, Location loc, unsigned axis) const override {
    Type i32 = b.getI32Type();
    if (axis == 0)
      return NVVM::GridDimXOp::create(b, loc, i32);
    if (axis == 1)
      return NVVM::GridDimYOp::create(b, loc, i32);
    return NVVM::GridDimZOp::create(b, loc, i32);
  }
  /// The consumer thread count of the function being built, when it is
  /// warp-specialized.
  static IntegerAttr warpSpecialized(OpBuilder &b) {
    Operation *parent = b.getInsertionBlock()->getParentOp();
    auto func = dyn_cast<LLVM::LLVMFuncOp>(parent);
    if (!func)
      func = parent->getParentOfType<LLVM::LLVMFuncOp>();
    return func ? func->getAttrOfType<IntegerAttr>(fa::kWarpSpecializedAttr)
                : IntegerAttr();
  }
  void barrier(OpBuilder &b, Location loc) const override {
    // A warp-specialized kernel's code outside the producer is the
    // consumers': they synchronize on named barrier 1 without the producer.
    if (IntegerAttr n = warpSpecialized(b)) {
      Type i32 = b.getI32Type();
      Value id = LLVM::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(1));
      Value count = LLVM::ConstantOp::create(b, loc, i32,
                                             b.getI32IntegerAttr(n.getInt()));
      NVVM::BarrierOp::create(b, loc, TypeRange{}, id, count, {}, Value());
      return;
    }
    NVVM::Barrier0Op::create(b, loc);
  }
  void barrierAll(OpBuilder &b, Location loc) const override {
    // In a warp-specialized kernel the roles meet at different barrier
    // instructions, and the producer's copy thread may come from its
    // elected branch after the rest of its warp: `bar.sync` (.aligned)
    // requires one instruction for the CTA and converged warps, so use the
    // unaligned `barrier.sync`, which waits for the warp's other threads.
    if (warpSpecialized(b)) {
      Value id = LLVM::ConstantOp::create(b, loc, b.getI32Type(),
                                          b.getI32IntegerAttr(0));
      LLVM::CallIntrinsicOp::create(
          b, loc, b.getStringAttr("llvm.nvvm.barrier.cta.sync.all"),
          ValueRange{id}, LLVM::FastmathFlagsAttr());
      return;
    }
    NVVM::Barrier0Op::create(b, loc);
  }
  Value shuffleXor(OpBuilder &b, Location loc, Value v,
                   unsigned mask) const override {
    Type i32 = b.getI32Type();
    Type t = v.getType();
    Value x = t == i32 ? v : LLVM::BitcastOp::create(b, loc, i32, v);
    Value all = LLVM::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(-1));
    Value off =
        LLVM::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(mask));
    Value clamp =
        LLVM::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(0x1f));
    Value r = NVVM::ShflOp::create(b, loc, i32, all, x, off, clamp,
                                   NVVM::ShflKind::bfly, UnitAttr());
    return t == i32 ? r : LLVM::BitcastOp::create(b, loc, t, r);
  }
  Value exp2(OpBuilder &b, Location loc, Value x) const override {
    // The flush-to-zero form is one MUFU.EX2; plain ex2.approx.f32 costs a
    // compare and two multiplies around it to keep denormal results. A
    // softmax weight below 2^-126 is zero for every purpose here.
    auto call = LLVM::CallIntrinsicOp::create(
        b, loc, b.getF32Type(), b.getStringAttr("llvm.nvvm.ex2.approx.ftz.f"),
        ValueRange{x});
    return call.getResult(0);
  }
  Value log2(OpBuilder &b, Location loc, Value x) const override {
    auto call = LLVM::CallIntrinsicOp::create(
        b, loc, b.getF32Type(), b.getStringAttr("llvm.nvvm.lg2.approx.f"),
        ValueRange{x});
    return call.getResult(0);
  }
  // sm_90 adds f32 vector reductions to global memory (PTX 8.1): one
  // instruction for the 2 or 4 consecutive accumulator columns a thread
  // holds (the backward's dq atomics).
  unsigned getAtomicAddVectorWidth(Type elem) const override {
    return sm >= 90 && elem.isF32() ? 4 : 1;
  }
  void atomicAddVector(OpBuilder &b, Location loc, Value ptr,
                       ArrayRef<Value> values) const override {
    std::string regs, cons = "l";
    for (size_t i = 0; i < values.size(); ++i) {
      regs += (i ? ", $" : "$") + std::to_string(i + 1);
      cons += ",f";
    }
    SmallVector<Value> operands{ptr};
    llvm::append_range(operands, values);
    LLVM::InlineAsmOp::create(
        b, loc, TypeRange{}, operands,
        "red.global.add.v" + std::to_string(values.size()) + ".f32 [$0], {" +
            regs + "};",
        cons, /*has_side_effects=*/true, /*is_align_stack=*/false,
        LLVM::TailCallKind::None, LLVM::AsmDialectAttr(), ArrayAttr());
  }
  unsigned getSharedAddressSpace() const override { return 3; }
  unsigned getGlobalAddressSpace() const override { return 1; }
  void markKernel(Operation *func, unsigned threads) const override {
    Builder b(func->getContext());
    func->setAttr(NVVM::NVVMDialect::getKernelFuncAttrName(), b.getUnitAttr());
    func->setAttr(NVVM::NVVMDialect::getReqntidAttrName(),
                  b.getDenseI32ArrayAttr({int32_t(threads), 1, 1}));
    // Warp-specialized: a per-thread cap that fills the register file, so
    // that setmaxnreg can move registers from the producer to consumers.
    if (func->hasAttr(fa::kWarpSpecializedAttr))
      func->setAttr(NVVM::NVVMDialect::getMaxnregAttrName(),
                    b.getI32IntegerAttr(int32_t(65536 / threads) / 8 * 8));
  }
  // 64K registers per SM, allocated per thread in multiples of 8.
  LogicalResult capRegisters(Operation *func, unsigned threads,
                             unsigned programs) const override {
    int64_t cap = int64_t(65536 / (threads * programs)) / 8 * 8;
    if (cap < 24)
      return func->emitError()
             << programs << " programs of " << threads
             << " threads cannot fit one multiprocessor's 65536 registers";
    Builder b(func->getContext());
    auto name = NVVM::NVVMDialect::getMaxnregAttrName();
    if (auto old = func->getAttrOfType<IntegerAttr>(name))
      cap = std::min(cap, old.getInt());
    func->setAttr(name, b.getI32IntegerAttr(int32_t(cap)));
    return success();
  }
  // A CUtensorMap: by value in the parameter space, readable by TMA
  // (grid_constant), 64-byte aligned (without llvm.align: `.align 1`).
  LogicalResult markDescriptorParam(Operation *op, unsigned arg, int64_t bytes,
                                    int64_t align) const override {
    auto func = dyn_cast<LLVM::LLVMFuncOp>(op);
    if (!func || sm < 90)
      return TargetInfo::markDescriptorParam(op, arg, bytes, align);
    Builder b(op->getContext());
    func.setArgAttr(arg, LLVM::LLVMDialect::getByValAttrName(),
                    TypeAttr::get(LLVM::LLVMArrayType::get(b.getI8Type(),
                                                           unsigned(bytes))));
    func.setArgAttr(arg, LLVM::LLVMDialect::getAlignAttrName(),
                    b.getI64IntegerAttr(align));
    func.setArgAttr(arg, NVVM::NVVMDialect::getGridConstantAttrName(),
                    b.getUnitAttr());
    return success();
  }

private:
  std::string name;
  unsigned sm;
};
} // namespace

namespace fa {
void registerNVIDIATargets() {
  registerTargetInfo(
      "sm_80", [] { return std::make_unique<NVTargetInfo>("sm_80", 80); });
  registerTargetInfo(
      "sm_90a", [] { return std::make_unique<NVTargetInfo>("sm_90a", 90); });
}
} // namespace fa
