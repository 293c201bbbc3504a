//===- NVTargetInfo.cpp - NVIDIA (NVVM) implementation of TargetInfo ------===//

#include "fa/Target/TargetInfo.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"

using namespace mlir;

namespace {
class NVTargetInfo : public fa::TargetInfo {
public:
  NVTargetInfo(StringRef name, unsigned sm) : name(name.str()), sm(sm) {}

  StringRef getName() const override { return name; }
  int64_t getMaxSharedBytes() const override {
    return sm >= 90 ? 227 * 1024 : 163 * 1024;
  }

  LogicalResult checkDot(Operation *op, Type a, Type b,
                         Type acc) const override {
    if (a != b)
      return op->emitError() << "dot operands must have one element type on "
                             << name << ", got " << a << " and " << b;
    if (!acc.isF32())
      return op->emitError() << "dot accumulator must be f32 on " << name;
    if (a.isBF16() || a.isF16())
      return success();
    return op->emitError() << "mma.sync on " << name
                           << " supports f16 and bf16 operands, not " << a;
  }

  LogicalResult checkElementwise(Operation *op) const override {
    // math ops with a fast hardware form; everything in arith lowers.
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
  void barrier(OpBuilder &b, Location loc) const override {
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
  SmallVector<Value> mma16816(OpBuilder &b, Location loc, Type elemType,
                              ValueRange a, ValueRange bOps,
                              ValueRange c) const override {
    MLIRContext *ctx = b.getContext();
    Type f32 = b.getF32Type();
    auto resTy = LLVM::LLVMStructType::getLiteral(ctx, {f32, f32, f32, f32});
    SmallVector<Value> av(a), bv(bOps);
    NVVM::MMATypes ptx = NVVM::MMATypes::bf16;
    if (elemType.isF16()) {
      // f16 operands are typed vector<2xf16>.
      ptx = NVVM::MMATypes::f16;
      auto v2 = VectorType::get({2}, b.getF16Type());
      for (Value &v : av)
        v = LLVM::BitcastOp::create(b, loc, v2, v);
      for (Value &v : bv)
        v = LLVM::BitcastOp::create(b, loc, v2, v);
    }
    auto op = NVVM::MmaOp::create(
        b, loc, resTy, av, bv, c, ArrayRef<int64_t>{16, 8, 16}, std::nullopt,
        std::nullopt, std::array<NVVM::MMATypes, 2>{ptx, ptx},
        std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                       NVVM::MMALayout::col});
    SmallVector<Value> out;
    for (int64_t i = 0; i < 4; ++i)
      out.push_back(LLVM::ExtractValueOp::create(b, loc, op.getResult(), i));
    return out;
  }
  SmallVector<Value> loadMatrix(OpBuilder &b, Location loc, Value ptr,
                                int64_t offsetBytes, unsigned num,
                                bool trans) const override {
    // Inline PTX, so that the constant offset stays an immediate of the
    // instruction: with the intrinsic, LLVM hoists every ptr + constant out
    // of the loop into its own register. It has side effects so that LLVM
    // keeps it in place between the barriers that guard shared memory.
    MLIRContext *ctx = b.getContext();
    Type i32 = b.getI32Type();
    Type resTy = i32;
    if (num > 1)
      resTy =
          LLVM::LLVMStructType::getLiteral(ctx, SmallVector<Type>(num, i32));
    std::string outs, cons;
    for (unsigned i = 0; i < num; ++i) {
      outs += (i ? ", $" : "$") + std::to_string(i);
      cons += "=r,";
    }
    std::string asmText = "ldmatrix.sync.aligned.m8n8.x" + std::to_string(num) +
                          (trans ? ".trans" : "") + ".shared.b16 {" + outs +
                          "}, [$" + std::to_string(num) + "+" +
                          std::to_string(offsetBytes) + "];";
    Value addr = LLVM::PtrToIntOp::create(b, loc, b.getI64Type(), ptr);
    auto op = LLVM::InlineAsmOp::create(
        b, loc, resTy, ValueRange{addr}, asmText, cons + "l",
        /*has_side_effects=*/true, /*is_align_stack=*/false,
        LLVM::TailCallKind::None, LLVM::AsmDialectAttr(), ArrayAttr());
    Value r = op.getResult(0);
    if (num == 1)
      return {r};
    SmallVector<Value> out;
    for (unsigned i = 0; i < num; ++i)
      out.push_back(LLVM::ExtractValueOp::create(b, loc, r, i));
    return out;
  }
  void asyncCopy16(OpBuilder &b, Location loc, Value dst, Value src,
                   Value srcBytes) const override {
    NVVM::CpAsyncOp::create(b, loc, dst, src, 16,
                            NVVM::LoadCacheModifierKind::CG, srcBytes);
  }
  Value stepPointer(OpBuilder &b, Location loc, Value ptr,
                    Value bytes) const override {
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
  void asyncCommit(OpBuilder &b, Location loc) const override {
    NVVM::CpAsyncCommitGroupOp::create(b, loc);
  }
  void asyncWait(OpBuilder &b, Location loc, unsigned pending) const override {
    NVVM::CpAsyncWaitGroupOp::create(b, loc, pending);
  }
  unsigned getSharedAddressSpace() const override { return 3; }
  void markKernel(Operation *func, unsigned threads) const override {
    Builder b(func->getContext());
    func->setAttr(NVVM::NVVMDialect::getKernelFuncAttrName(), b.getUnitAttr());
    func->setAttr(NVVM::NVVMDialect::getReqntidAttrName(),
                  b.getDenseI32ArrayAttr({int32_t(threads), 1, 1}));
  }

private:
  std::string name;
  unsigned sm;
};
} // namespace

namespace fa {
std::unique_ptr<TargetInfo> createNVIDIATargetInfo(StringRef name) {
  if (name == "sm_80")
    return std::make_unique<NVTargetInfo>(name, 80);
  if (name == "sm_90a")
    return std::make_unique<NVTargetInfo>(name, 90);
  return nullptr;
}
} // namespace fa
