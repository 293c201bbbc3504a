//===- LoadMatrixToLLVM.cpp - local_load of mma.sync operands: ldmatrix ---===//
//
// A 16-bit MMA operand is read from shared memory with ldmatrix x4 (x2 for
// a single B tile), `.trans` when the buffer's fast dimension is not K. Each
// lane names the start of one 8-element row; the constant part of the
// swizzled address is the instruction's immediate.
//
//===----------------------------------------------------------------------===//

#include "NVIDIALowerings.h"

#include "fa/Dialect/TileNV/IR/TileNVDialect.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;
using namespace fa;
using namespace fa::tilegpu;

/// Loads `num` (1, 2 or 4) 8x8 matrices of 16-bit elements from shared
/// memory, each lane giving one row address (`addr`, a 32-bit shared-window
/// address, plus `offsetBytes`, a constant); returns `num` i32 values.
static SmallVector<Value> loadMatrix(OpBuilder &b, Location loc, Value addr,
                                     int64_t offsetBytes, unsigned num,
                                     bool trans) {
  // Inline PTX, so that the constant offset stays an immediate of the
  // instruction: with the intrinsic, LLVM hoists every ptr + constant out
  // of the loop into its own register. It has side effects so that LLVM
  // keeps it in place between the barriers that guard shared memory.
  MLIRContext *ctx = b.getContext();
  Type i32 = b.getI32Type();
  Type resTy = i32;
  if (num > 1)
    resTy = LLVM::LLVMStructType::getLiteral(ctx, SmallVector<Type>(num, i32));
  std::string outs, cons;
  for (unsigned i = 0; i < num; ++i) {
    outs += (i ? ", $" : "$") + std::to_string(i);
    cons += "=r,";
  }
  std::string asmText = "ldmatrix.sync.aligned.m8n8.x" + std::to_string(num) +
                        (trans ? ".trans" : "") + ".shared.b16 {" + outs +
                        "}, [$" + std::to_string(num) + "+" +
                        std::to_string(offsetBytes) + "];";
  auto op = LLVM::InlineAsmOp::create(
      b, loc, resTy, ValueRange{addr}, asmText, cons + "r",
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

/// Whether ldmatrix can read `op`'s result: 16-bit operands of mma.sync
/// from a buffer whose rows of 8 elements are contiguous.
static bool canLoadMatrix(LocalLoadOp op) {
  auto bufTy = op.getSrc().getType();
  auto enc = cast<SharedLayoutAttrInterface>(bufTy.getEncoding());
  auto dotEnc = dyn_cast<DotOperandEncodingAttr>(op.getType().getEncoding());
  auto mma = dotEnc ? dyn_cast<tilenv::MmaEncodingAttr>(dotEnc.getParent())
                    : tilenv::MmaEncodingAttr();
  unsigned f = enc.getOrder()[0];
  bool rowsContiguous = enc.getVec() == 8 || enc.getMaxPhase() == 1;
  // wgmma's A in registers has mma.sync's A fragment (TileNVDialect.cpp).
  bool fragment = mma && (mma.getVersion() == 2 ||
                          (mma.getVersion() == 3 && dotEnc.getOpIdx() == 0));
  return fragment && bufTy.getElementType().getIntOrFloatBitWidth() == 16 &&
         rowsContiguous && bufTy.getShape().size() == 2 &&
         bufTy.getShape()[f] % 8 == 0;
}

/// ldmatrix for the register tiles of `op`'s result at K step `kTile`
/// (all when none), into `out`.
static LogicalResult loadMatrixTiles(LocalLoadOp op,
                                     std::optional<int64_t> kTile,
                                     SmallVector<Value> &out,
                                     KernelLowering &kl) {
  OpBuilder &b = kl.b;
  Location &loc = kl.loc;
  auto &regs = kl.regs;
  Value lane = kl.lane;
  auto bufTy = op.getSrc().getType();
  auto enc = cast<SharedLayoutAttrInterface>(bufTy.getEncoding());
  const LinearLayout *ll = kl.layoutOf(op, op.getType());
  if (!ll)
    return failure();
  // Shared-window addresses fit in 32 bits: 32-bit arithmetic halves the
  // registers of the per-phase addresses that stay live across the loop.
  auto src = regs.find(op.getSrc());
  if (src == regs.end() || src->second.empty() || !src->second[0])
    return op.emitError("the shared buffer of this operand is not lowered "
                        "where the operand is read");
  Value base = LLVM::PtrToIntOp::create(b, loc, b.getI32Type(), src->second[0]);
  Type elem = bufTy.getElementType();
  int64_t elemBytes = elem.getIntOrFloatBitWidth() / 8;
  ArrayRef<int64_t> shape = bufTy.getShape();
  unsigned f = enc.getOrder()[0];
  auto dotEnc = cast<DotOperandEncodingAttr>(op.getType().getEncoding());
  {
    // ldmatrix: each lane names the start of one 8-element row.
    unsigned idx = dotEnc.getOpIdx();
    unsigned kDim = idx == 0 ? 1 : 0; // K is A's dim 1 and B's dim 0
    unsigned other = 1 - kDim;
    bool trans = f != kDim;
    SmallVector<Value> warpBase = kl.threadCoords(*ll, /*lanes=*/false);
    // Step between the two M/N tiles one x4 load covers.
    int64_t step = idx == 0 ? 8 : 0;
    if (idx == 1)
      for (const Offsets &rb : ll->reg)
        if (rb[1] && (!step || rb[1] < step))
          step = rb[1];
    unsigned num = (idx == 0 || step) ? 4 : 2;
    Value mat = arith::DivUIOp::create(b, loc, lane, kl.c32(8));
    if (num == 2)
      mat = arith::RemUIOp::create(b, loc, mat, kl.c32(2));
    Value row = arith::RemUIOp::create(b, loc, lane, kl.c32(8));
    // For A, matrices 0..3 are (m, k), (m+8, k), (m, k+8), (m+8, k+8); for
    // B they are (k, n), (k+8, n), (k, n+step), (k+8, n+step).
    Value matLo = arith::RemUIOp::create(b, loc, mat, kl.c32(2));
    Value matHi = arith::DivUIOp::create(b, loc, mat, kl.c32(2));
    Value mnSel = idx == 0 ? matLo : matHi; // selects the +8/+step along M/N
    Value kSel = idx == 0 ? matHi : matLo;  // selects the +8 along K
    int64_t mnStep = idx == 0 ? 8 : step;
    // The lane's row start, without the register tile origin.
    SmallVector<Value> laneCoords(2);
    {
      Value kc = kl.add(warpBase[kDim], kl.mul(kSel, kl.c32(8)));
      Value mc = kl.add(warpBase[other], kl.mul(mnSel, kl.c32(mnStep)));
      if (!trans)
        mc = kl.add(mc, row); // rows run along M/N, 8 K elements each
      else
        kc = kl.add(kc, row); // rows run along K, 8 M/N elements each
      laneCoords[kDim] = kc;
      laneCoords[other] = mc;
    }
    for (int64_t r = 0; r < ll->numRegs(); ++r) {
      Offsets o = ll->regOffset(r);
      if (o[kDim] % 16 || o[other] % (idx == 0 ? 16 : 8))
        continue;
      if (kTile && o[kDim] / 16 != *kTile)
        continue;
      if (idx == 1 && step && (o[other] / step) % 2)
        continue; // covered by the x4 load of the previous N tile
      // The constant part goes into the instruction's immediate offset, so
      // a thread keeps one address register per swizzle phase, not one per
      // load (LLVM would hoist each base + constant out of the loop).
      auto [off, constant] = kl.sharedOffsetParts(enc, shape, laneCoords, o);
      Value addr = kl.add(base, kl.mul(off, kl.c32(elemBytes)));
      SmallVector<Value> m =
          loadMatrix(b, loc, addr, constant * elemBytes, num, trans);
      for (unsigned j = 0; j < num; ++j) {
        auto [lo, hi] = nvidia::unpackPair(kl, m[j], elem);
        int64_t dmn = idx == 0 ? (j % 2) * 8 : (j / 2) * step;
        int64_t dk = idx == 0 ? (j / 2) * 8 : (j % 2) * 8;
        Offsets p(2);
        p[other] = o[other] + dmn;
        p[kDim] = o[kDim] + dk;
        auto r0 = ll->findReg(p);
        p[kDim] += 1;
        auto r1 = ll->findReg(p);
        if (!r0 || !r1)
          return op.emitError("operand layout does not match ldmatrix");
        out[*r0] = lo;
        out[*r1] = hi;
      }
    }
    if (!kTile)
      for (Value v : out)
        if (!v)
          return op.emitError("ldmatrix did not cover every operand register");
    return success();
  }
}

static LogicalResult lowerLocalLoadMatrix(LocalLoadOp op, KernelLowering &kl) {
  const LinearLayout *ll = kl.layoutOf(op, op.getType());
  if (!ll)
    return failure();
  Value result = op.getResult();
  kl.regs[result] = SmallVector<Value>(ll->numRegs());
  // An operand read only by the dot that follows is loaded one K step at a
  // time inside the dot (which materializes it per step), so its registers
  // are live one step only.
  if (op->hasOneUse() && isa<tile::DotOp>(*op->user_begin()) &&
      (*op->user_begin())->getBlock() == op->getBlock()) {
    kl.lazy[result] = {
        *op->user_begin(),
        [op, &kl](std::optional<int64_t> kStep, SmallVector<Value> &regs) {
          return loadMatrixTiles(op, kStep, regs, kl);
        }};
    return success();
  }
  return loadMatrixTiles(op, std::nullopt, kl.regs[result], kl);
}

void nvidia::populateLoadMatrixLowerings(LoweringRegistry &registry) {
  // Overrides the generic local_load where ldmatrix applies.
  registry.add(lowerLocalLoadMatrix, [](Operation *op, KernelLowering &) {
    return canLoadMatrix(cast<LocalLoadOp>(op));
  });
}
