//===- AMDTargetInfo.cpp - AMD (ROCDL) implementation of TargetInfo -------===//
//
// CDNA2 (gfx90a, MI200) and CDNA3 (gfx942, MI300): wavefronts of 64 lanes,
// 64 KiB of LDS per work-group, MFMA for 16-bit dots with f32 accumulation,
// and no asynchronous copy engine: pipelined loads go global -> registers
// -> LDS (CopyEngine::Direct).
//
//===----------------------------------------------------------------------===//

#include "fa/Dialect/TileAMD/IR/TileAMDDialect.h"
#include "fa/Target/AMD/AMDTarget.h"
#include "fa/Target/TargetInfo.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/ROCDLDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/Operation.h"

using namespace mlir;

namespace {
class AMDTargetInfo : public fa::TargetInfo {
public:
  explicit AMDTargetInfo(StringRef name) : name(name.str()) {}

  StringRef getName() const override { return name; }
  StringRef getVendor() const override { return "amd"; }
  unsigned getWarpSize() const override { return 64; }
  int64_t getMaxSharedBytes() const override { return 64 * 1024; }
  bool hasMma(fa::MmaKind kind) const override {
    return kind == fa::MmaKind::Mfma;
  }
  bool hasCopyEngine(fa::CopyEngine engine) const override {
    return engine == fa::CopyEngine::Direct;
  }
  // Direct copies are ordinary loads into registers stored to LDS later:
  // every block a load can read, with any padding, can be copied.
  bool canCopyAsync(fa::CopyEngine engine, const fa::AsyncCopyRequest &copy,
                    std::string &why) const override {
    if (engine != fa::CopyEngine::Direct)
      return TargetInfo::canCopyAsync(engine, copy, why);
    if (!copy.tile || !copy.buffer) {
      why = "direct copies need a tile and a shared buffer";
      return false;
    }
    return true;
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
      return op->emitError() << "mfma on " << name
                             << " supports f16 and bf16 operands, not " << a;
    int64_t m = aTy.getShape()[0], k = aTy.getShape()[1], n = bTy.getShape()[1];
    if (m % 16 || n % 16 || k % 16)
      return op->emitError() << "mfma needs M, N and K multiples of 16, got "
                             << m << "x" << n << "x" << k;
    return success();
  }

  Attribute getDotAccumulatorLayout(MLIRContext *ctx, ArrayRef<int64_t> shape,
                                    unsigned numWarps) const override {
    return layoutFor(ctx, shape, numWarps, fa::amd::pickMfmaShape(name, shape));
  }

  bool isMmaChoice(StringRef mma) const override {
    return mma == "auto" || mma == "mfma32" || mma == "mfma16";
  }

  Attribute getDotLayoutFor(StringRef mma, RankedTensorType a,
                            RankedTensorType b, RankedTensorType acc,
                            unsigned numWarps) const override {
    if (!isMmaChoice(mma))
      return {};
    ArrayRef<int64_t> shape = acc.getShape();
    int64_t instr = fa::amd::pickMfmaShape(name, shape);
    // An explicit 32x32 request needs tiles of 32; 16x16 always fits.
    if (mma == "mfma16" || (mma == "mfma32" && shape[0] % 32 == 0 &&
                            shape[1] % 32 == 0 && a.getShape()[1] % 8 == 0))
      instr = mma == "mfma16" ? 16 : 32;
    return layoutFor(acc.getContext(), shape, numWarps, instr);
  }

  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<fa::tileamd::TileAMDDialect, ROCDL::ROCDLDialect>();
  }

  LogicalResult checkElementwise(Operation *op) const override {
    if (isa<math::Exp2Op, math::ExpOp, math::Log2Op, math::LogOp, math::AbsFOp,
            math::SqrtOp, math::RsqrtOp, math::FmaOp>(op) ||
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
    return ROCDL::ThreadIdXOp::create(b, loc, b.getI32Type());
  }
  Value programId(OpBuilder &b, Location loc, unsigned axis) const override {
    Type i32 = b.getI32Type();
    if (axis == 0)
      return ROCDL::BlockIdXOp::create(b, loc, i32);
    if (axis == 1)
      return ROCDL::BlockIdYOp::create(b, loc, i32);
    return ROCDL::BlockIdZOp::create(b, loc, i32);
  }
  // Work-groups per axis from the dispatch packet (grid size in work-items
  // over the work-group size); the launcher always sends whole groups. The
  // ROCDL grid ops would call the device library, which needs ROCm.
  Value numPrograms(OpBuilder &b, Location loc, unsigned axis) const override {
    Type i32 = b.getI32Type(), i16 = b.getI16Type();
    auto packetTy = LLVM::LLVMPointerType::get(b.getContext(), 4);
    Value packet =
        LLVM::CallIntrinsicOp::create(
            b, loc, packetTy, b.getStringAttr("llvm.amdgcn.dispatch.ptr"),
            ValueRange{})
            .getResult(0);
    auto field = [&](Type t, int64_t offset) -> Value {
      Value p = LLVM::GEPOp::create(b, loc, packetTy, b.getI8Type(), packet,
                                    ArrayRef<LLVM::GEPArg>{int32_t(offset)});
      return LLVM::LoadOp::create(b, loc, t, p, /*alignment=*/2,
                                  /*isVolatile=*/false, /*isNonTemporal=*/false,
                                  /*isInvariant=*/true);
    };
    // hsa_kernel_dispatch_packet_t: workgroup_size_{x,y,z} (u16) at 4, 6,
    // 8; grid_size_{x,y,z} (u32) at 12, 16, 20.
    Value group = LLVM::ZExtOp::create(b, loc, i32, field(i16, 4 + 2 * axis));
    Value grid = field(i32, 12 + 4 * axis);
    return LLVM::UDivOp::create(b, loc, grid, group);
  }
  // Release and acquire at work-group scope around s_barrier: LDS writes
  // before it are visible after it (what __syncthreads does).
  void barrier(OpBuilder &b, Location loc) const override {
    LLVM::FenceOp::create(b, loc, LLVM::AtomicOrdering::release, "workgroup");
    ROCDL::SBarrierOp::create(b, loc);
    LLVM::FenceOp::create(b, loc, LLVM::AtomicOrdering::acquire, "workgroup");
  }
  // ds_bpermute reads the value of lane `index / 4` of the wavefront.
  Value shuffleXor(OpBuilder &b, Location loc, Value v,
                   unsigned mask) const override {
    Type i32 = b.getI32Type();
    Type t = v.getType();
    Value x = t == i32 ? v : LLVM::BitcastOp::create(b, loc, i32, v);
    Value all = LLVM::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(-1));
    Value zero = LLVM::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(0));
    Value lo = ROCDL::MbcntLoOp::create(b, loc, i32, all, zero, ArrayAttr(),
                                        ArrayAttr());
    Value lane = ROCDL::MbcntHiOp::create(b, loc, i32, all, lo, ArrayAttr(),
                                          ArrayAttr());
    Value other = LLVM::XOrOp::create(
        b, loc, lane,
        LLVM::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(mask)));
    Value addr = LLVM::ShlOp::create(
        b, loc, other,
        LLVM::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(2)));
    Value r = ROCDL::DsBpermuteOp::create(b, loc, i32, addr, x);
    return t == i32 ? r : LLVM::BitcastOp::create(b, loc, t, r);
  }
  // v_exp_f32 and v_log_f32 (base 2); no device library needed.
  Value exp2(OpBuilder &b, Location loc, Value x) const override {
    return ROCDL::ROCDLExp2::create(b, loc, b.getF32Type(), x);
  }
  Value log2(OpBuilder &b, Location loc, Value x) const override {
    return ROCDL::ROCDLLog::create(b, loc, b.getF32Type(), x);
  }
  unsigned getSharedAddressSpace() const override { return 3; }
  unsigned getGlobalAddressSpace() const override { return 1; }
  void markKernel(Operation *func, unsigned threads) const override {
    Builder b(func->getContext());
    func->setAttr(ROCDL::ROCDLDialect::getKernelFuncAttrName(),
                  b.getUnitAttr());
    std::string size = std::to_string(threads);
    func->setAttr(ROCDL::ROCDLDialect::getFlatWorkGroupSizeAttrName(),
                  b.getStringAttr(size + "," + size));
    func->setAttr(ROCDL::ROCDLDialect::getReqdWorkGroupSizeAttrName(),
                  b.getDenseI32ArrayAttr({int32_t(threads), 1, 1}));
    // One wavefront per SIMD is enough: the kernel may use every register
    // of a SIMD (VGPRs and AGPRs) rather than spill to scratch.
    func->setAttr("rocdl.waves_per_eu", b.getI32IntegerAttr(1));
  }

private:
  /// The MFMA accumulator of `instr` (32 or 16) with warps along M first.
  Attribute layoutFor(MLIRContext *ctx, ArrayRef<int64_t> shape,
                      unsigned numWarps, int64_t instr) const {
    int64_t m = shape[0];
    unsigned wm = 1;
    while (wm < numWarps && int64_t(wm) * 2 * instr <= m)
      wm *= 2;
    unsigned k = instr == 32 ? 8 : 16;
    return fa::tileamd::MfmaEncodingAttr::get(
        ctx, {wm, numWarps / wm}, {unsigned(instr), unsigned(instr), k});
  }

  std::string name;
};
} // namespace

int64_t fa::amd::pickMfmaShape(StringRef chip, ArrayRef<int64_t> shape) {
  // gfx90a and gfx942 run 32x32x8 and 16x16x16 at the same rate; 32x32
  // needs half the operand registers per multiply, so it is taken where
  // the block has 32 rows and columns.
  (void)chip;
  return shape.size() == 2 && shape[0] % 32 == 0 && shape[1] % 32 == 0 ? 32
                                                                       : 16;
}

namespace fa {
void registerAMDTargets() {
  for (StringRef chip : amd::getChips())
    registerTargetInfo(chip, [name = chip.str()] {
      return std::make_unique<AMDTargetInfo>(name);
    });
}
} // namespace fa
