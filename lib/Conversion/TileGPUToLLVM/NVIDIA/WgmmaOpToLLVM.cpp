//===- WgmmaOpToLLVM.cpp - tile.dot as wgmma m64nNk16 (sm_90a) ------------===//
//
// A dot whose accumulator is #tilenv.mma version 3 runs as one warpgroup
// MMA per 64 rows and K step of 16. B is read by the instruction from its
// shared buffer through a matrix descriptor (128-byte swizzle, rows of 64
// 16-bit elements or panels of them, #tilegpu.shared `panel`). A is read
// the same way when it is a K-major buffer of that swizzle read by this dot
// alone (Q of attention: the SS form), and from registers otherwise (the
// mma.sync A fragment: P of attention stays in registers, the RS form).
// Operand local_loads read by descriptor emit nothing. `tile.dot` issues,
// commits and waits; `tilegpu.dot_async` issues and commits, and
// `tilegpu.dot_wait` waits with its depth. Inline PTX throughout: the
// register-A form has no NVVM op, and the wait must tie the accumulator
// registers so that LLVM reads them only after it.
//
//===----------------------------------------------------------------------===//

#include "NVIDIALowerings.h"

#include "fa/Dialect/TileNV/IR/TileNVDialect.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace fa;
using namespace fa::tilegpu;

static tilenv::MmaEncodingAttr wgmmaParent(Attribute enc) {
  if (auto dot = dyn_cast_or_null<DotOperandEncodingAttr>(enc))
    enc = dot.getParent();
  auto mma = dyn_cast_or_null<tilenv::MmaEncodingAttr>(enc);
  return mma && mma.getVersion() == 3 ? mma : tilenv::MmaEncodingAttr();
}

/// Side-effecting inline PTX with results `resTy` (null: none).
static Value inlinePtx(OpBuilder &b, Location loc, Type resTy,
                       ValueRange operands, StringRef text,
                       StringRef constraints) {
  auto op = LLVM::InlineAsmOp::create(
      b, loc, resTy ? TypeRange{resTy} : TypeRange{}, operands, text,
      constraints, /*has_side_effects=*/true, /*is_align_stack=*/false,
      LLVM::TailCallKind::None, LLVM::AsmDialectAttr(), ArrayAttr());
  return resTy ? op.getResult(0) : Value();
}

/// Runs `text` over the registers `regs` (f32 or i32), tying each output
/// to its input: the asm defines new values the later uses must wait for.
/// `extra` operands follow the tied ones ($n onwards, n = regs.size() * 2).
static SmallVector<Value> overRegisters(OpBuilder &b, Location loc,
                                        ArrayRef<Value> regs,
                                        ArrayRef<Value> extra, StringRef text,
                                        StringRef extraConstraints) {
  MLIRContext *ctx = b.getContext();
  size_t n = regs.size();
  SmallVector<Type> types;
  std::string cons;
  for (Value v : regs) {
    types.push_back(v.getType());
    cons += v.getType().isF32() ? "=f," : "=r,";
  }
  auto resTy = LLVM::LLVMStructType::getLiteral(ctx, types);
  for (size_t i = 0; i < n; ++i)
    cons += std::to_string(i) + ",";
  cons += extraConstraints.str();
  if (!cons.empty() && cons.back() == ',')
    cons.pop_back();
  SmallVector<Value> operands(regs);
  llvm::append_range(operands, extra);
  Value r = inlinePtx(b, loc, resTy, operands, text, cons);
  SmallVector<Value> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back(LLVM::ExtractValueOp::create(b, loc, r, i));
  return out;
}

/// The 64-bit matrix descriptor at `byteOffset` from the buffer whose
/// start field is `start` (descriptorStart): leading and stride byte
/// offsets (all >> 4) and the 128-byte swizzle mode. The low word is
/// `start` plus a constant (the offset and the leading byte offset), the
/// high word a constant (the stride byte offset and the swizzle), joined
/// as a pair: one 32-bit add per descriptor.
static Value descriptor(KernelLowering &kl, Value start, int64_t byteOffset,
                        int64_t lbo, int64_t sbo) {
  assert(byteOffset >= 0 && byteOffset % 16 == 0 && byteOffset < (1 << 18) &&
         "descriptor offsets are 16-byte aligned shared offsets");
  OpBuilder &b = kl.b;
  Location loc = kl.loc;
  Type i32 = b.getI32Type();
  int64_t loField = (byteOffset >> 4) | (((lbo >> 4) & 0x3fff) << 16);
  int64_t hiField = ((sbo >> 4) & 0x3fff) | (int64_t(1) << 30);
  Value lo = loField ? kl.add(start, kl.c32(loField)) : start;
  auto pairTy = VectorType::get({2}, i32);
  Value pair = LLVM::UndefOp::create(b, loc, pairTy);
  pair = LLVM::InsertElementOp::create(b, loc, pair, lo, kl.c32(0));
  pair =
      LLVM::InsertElementOp::create(b, loc, pair, kl.c32(hiField), kl.c32(1));
  return LLVM::BitcastOp::create(b, loc, b.getI64Type(), pair);
}

/// `v` (i32, the same in every lane of the warp) as lane 0's by
/// shfl.sync.idx (what CUTLASS does), which ptxas knows to be uniform:
/// what is computed from it (descriptors) then lives in uniform registers,
/// without a move from vector registers for each wgmma. Every lane runs
/// it: the wgmma instructions are warp-aligned too.
static Value uniform(KernelLowering &kl, Value v) {
  OpBuilder &b = kl.b;
  Location loc = kl.loc;
  Type i32 = b.getI32Type();
  auto c = [&](int32_t x) {
    return LLVM::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(x));
  };
  return NVVM::ShflOp::create(b, loc, i32, c(-1), v, c(0), c(0x1f),
                              NVVM::ShflKind::idx, UnitAttr());
}

/// The warp index made uniform (uniform()), once per kernel, after the
/// index itself at its entry.
static Value uniformWarp(KernelLowering &kl) {
  for (Operation *user : kl.warp.getUsers())
    if (auto shfl = dyn_cast<NVVM::ShflOp>(user))
      if (shfl.getKind() == NVVM::ShflKind::idx && shfl.getVal() == kl.warp &&
          matchPattern(shfl.getOffset(), m_Zero()))
        return shfl.getResult();
  OpBuilder::InsertionGuard guard(kl.b);
  kl.b.setInsertionPointAfterValue(kl.warp);
  return uniform(kl, kl.warp);
}

/// The start-address field (bits 0-13) of the matrix descriptors of the
/// shared buffer at `base`: (address & 0x3ffff) >> 4 as a 32-bit value,
/// made uniform (uniform()), once per buffer base, where the base is
/// defined (so that its computation stays out of the instructions the
/// issue is ordered with, such as the windows of pingpong). The descriptors
/// of its K steps add constants to it (descriptor()): shared addresses lie
/// below 2^18 and buffers and offsets are 16-byte aligned, so the field
/// takes no carry out of its 14 bits.
static Value descriptorStart(KernelLowering &kl, Value base) {
  OpBuilder &b = kl.b;
  Type i32 = b.getI32Type();
  // The one computed for an earlier issue.
  for (Operation *user : base.getUsers()) {
    auto addr = dyn_cast<LLVM::PtrToIntOp>(user);
    if (!addr || addr.getType() != i32)
      continue;
    for (Operation *mask : addr->getUsers())
      if (isa<arith::AndIOp>(mask))
        for (Operation *shift : mask->getUsers())
          if (isa<arith::ShRUIOp>(shift))
            for (Operation *shfl : shift->getUsers())
              if (isa<NVVM::ShflOp>(shfl))
                return shfl->getResult(0);
  }
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointAfterValue(base);
  Value addr = LLVM::PtrToIntOp::create(b, kl.loc, i32, base);
  Value start = arith::ShRUIOp::create(
      b, kl.loc, kl.andi(addr, kl.c32(0x3ffff)), kl.c32(4));
  return uniform(kl, start);
}

/// Whether `buf` has the 128-byte swizzle descriptors address, with rows
/// of 64 16-bit elements along its fastest dimension (wider rows as panels
/// of 64) and whole 8-row groups.
static bool descriptorReadable(TypedValue<SharedBufferType> buf) {
  auto bufTy = buf.getType();
  auto enc = cast<SharedLayoutAttrInterface>(bufTy.getEncoding());
  ArrayRef<int64_t> shape = bufTy.getShape();
  if (shape.size() != 2 ||
      bufTy.getElementType().getIntOrFloatBitWidth() != 16 ||
      enc.getVec() != 8 || enc.getPerPhase() != 1 || enc.getMaxPhase() != 8)
    return false;
  unsigned f = enc.getOrder()[0];
  return (shape[f] == 64 || (enc.getPanel() == 64 && shape[f] % 64 == 0)) &&
         shape[1 - f] % 8 == 0;
}

/// Operand `idx` (0: A, 1: B) of a wgmma dot (tile.dot or
/// tilegpu.dot_async).
static Value dotOperand(Operation *dot, unsigned idx) {
  return dot->getOperand(idx);
}

static bool isWgmmaDot(Operation *op) {
  return isa<tile::DotOp, DotAsyncOp>(op) &&
         wgmmaParent(
             cast<RankedTensorType>(op->getResult(0).getType()).getEncoding());
}

/// The A operand's buffer when the dot reads A through a descriptor (SS):
/// a K-major (M x K, K fastest) or M-major buffer (the transposed view of a
/// stored tile: Pᵀ, dSᵀ of attention's backward) read by this dot alone.
static LocalLoadOp sharedA(Operation *dot) {
  auto load = dotOperand(dot, 0).getDefiningOp<LocalLoadOp>();
  if (!load || !load->hasOneUse() || !wgmmaParent(load.getType().getEncoding()))
    return {};
  if (!descriptorReadable(load.getSrc()) ||
      load.getSrc().getType().getShape()[0] % 64)
    return {};
  return load;
}

/// The B buffer of a wgmma dot: its local_load's source, when descriptors
/// can read it.
static FailureOr<Value> wgmmaBBuffer(Operation *op, bool &kMajor) {
  auto load = dotOperand(op, 1).getDefiningOp<LocalLoadOp>();
  if (!load)
    return op->emitError("wgmma reads B from shared memory: its operand must "
                         "be a local_load");
  if (!descriptorReadable(load.getSrc()))
    return op->emitError("wgmma B buffer must hold rows of 64 16-bit "
                         "elements (or panels of 64) with the 128-byte "
                         "swizzle (vec 8, perPhase 1, maxPhase 8)");
  auto enc =
      cast<SharedLayoutAttrInterface>(load.getSrc().getType().getEncoding());
  kMajor = enc.getOrder()[0] == 0; // B is K x N: K fastest
  return Value(load.getSrc());
}

/// Issues the wgmma instructions of `op` (tile.dot or tilegpu.dot_async)
/// and commits them as one group; `C` receives the accumulator registers,
/// still being written until a wait.
static LogicalResult issueWgmma(Operation *op, KernelLowering &kl,
                                SmallVector<Value> &C) {
  OpBuilder &b = kl.b;
  Location loc = kl.loc;
  Value aVal = dotOperand(op, 0), bVal = dotOperand(op, 1),
        accVal = op->getOperand(2);
  auto aTy = cast<RankedTensorType>(aVal.getType());
  auto bTy = cast<RankedTensorType>(bVal.getType());
  auto resTy = cast<RankedTensorType>(op->getResult(0).getType());
  const LinearLayout *la = kl.layoutOf(op, aTy);
  const LinearLayout *lc = kl.layoutOf(op, resTy);
  if (!la || !lc)
    return failure();
  if (failed(kl.target.checkDot(op, aTy, bTy, resTy)))
    return failure();
  if (!wgmmaParent(aTy.getEncoding()))
    return op->emitError("wgmma A operand must have the wgmma A layout");
  bool kMajor = false;
  FailureOr<Value> buffer = wgmmaBBuffer(op, kMajor);
  if (failed(buffer))
    return failure();
  Value base = kl.regs[*buffer][0];
  LocalLoadOp aLoad = sharedA(op);
  Type elem = aTy.getElementType();
  int64_t k = aTy.getShape()[1];
  int64_t n = resTy.getShape()[1];
  // One instruction's N: all of N, or with warpgroups along N the
  // encoding's share of a warpgroup.
  tilenv::MmaEncodingAttr enc = wgmmaParent(resTy.getEncoding());
  int64_t in = enc.getWarpsPerCTA()[1] > 1 ? enc.getInstrShape()[1] : n;
  // The swizzle pattern starts on 1024-byte boundaries: the allocator
  // aligns buffers (MmaLayoutAttrInterface::getSharedAlignment), this the
  // dynamic shared memory itself.
  auto module = op->getParentOfType<ModuleOp>();
  if (auto g = module.lookupSymbol<LLVM::GlobalOp>(kSharedSymbol))
    if (g.getAlignment().value_or(0) < 1024)
      g.setAlignment(1024);

  // One instruction per 64 accumulator rows and `in` columns of the
  // warpgroup: its in/2 registers in the D fragment's order (per 8 columns:
  // row g, cols 2t and 2t+1, then row g+8).
  C = kl.regs[accVal];
  struct Tile {
    int64_t row, col;
    SmallVector<int64_t> idx;
  };
  SmallVector<Tile> tiles;
  for (int64_t r = 0; r < lc->numRegs(); ++r) {
    Offsets o = lc->regOffset(r);
    if (o[0] % 64 || o[1] % in)
      continue;
    SmallVector<int64_t> idx;
    for (int64_t j = 0; j < in; j += 8)
      for (auto [di, dj] :
           {std::pair<int64_t, int64_t>{0, 0}, {0, 1}, {8, 0}, {8, 1}}) {
        auto i = lc->findReg(Offsets{o[0] + di, o[1] + j + dj});
        if (!i)
          return op->emitError("accumulator layout is not a wgmma layout");
        idx.push_back(*i);
      }
    tiles.push_back({o[0], o[1], idx});
  }
  if (tiles.empty() || int64_t(tiles.size()) * (in / 2) != lc->numRegs())
    return op->emitError("accumulator layout is not a wgmma layout");
  // Warps 0-3 of a warpgroup hold rows 16 apart; higher warp bits move
  // whole 64-row blocks or whole `in`-column blocks.
  bool alongN = false;
  for (auto [i, w] : llvm::enumerate(lc->warp)) {
    if (i < 2 ? (w[0] >= 64 || w[1] != 0)
              : (w[0] % 64 != 0 || w[1] % in != 0 || (w[0] && w[1])))
      return op->emitError("accumulator layout is not a wgmma layout");
    alongN |= w[1] != 0;
  }
  // B's first column for the warpgroup, from the uniform warp index, as
  // its byte offset >> 4 into the buffer (N rows of 128 bytes in a K-major
  // B; panels of 64 columns, K rows of 128 bytes each, in an N-major one):
  // added to B's start field.
  Value wgColStart;
  if (alongN) {
    if (!kMajor && in % 64)
      return op->emitError("wgmma with warpgroups along N reads an N-major B "
                           "in whole 64-column panels, got ")
             << in << " columns per warpgroup";
    for (auto [i, w] : llvm::enumerate(lc->warp)) {
      if (!w[1])
        continue;
      int64_t bytes = kMajor ? w[1] * 128 : (w[1] / 64) * k * 128;
      Value col = kl.mul(kl.bit(uniformWarp(kl), i), kl.c32(bytes / 16));
      wgColStart = wgColStart ? kl.add(wgColStart, col) : col;
    }
  }

  // SS: the warpgroup's first row.
  Value aStart;
  bool aKMajor = true;
  if (aLoad) {
    aKMajor =
        cast<SharedLayoutAttrInterface>(aLoad.getSrc().getType().getEncoding())
            .getOrder()[0] == 1;
    // The warpgroup's first row, from the uniform warp index, and its byte
    // offset >> 4: in a 128-byte-row panel (K-major), or of its 64-row
    // panel of K rows (M-major); both multiples of 16 bytes.
    aStart = descriptorStart(kl, kl.regs[aLoad.getSrc()][0]);
    Value wgRow;
    for (auto [i, w] : llvm::enumerate(lc->warp)) {
      if (w[0] < 64)
        continue;
      Value row = kl.mul(kl.bit(uniformWarp(kl), i), kl.c32(w[0]));
      wgRow = wgRow ? arith::OrIOp::create(b, loc, wgRow, row) : row;
    }
    if (wgRow)
      aStart =
          kl.add(aStart, kl.mul(wgRow, kl.c32((aKMajor ? 128 : 2 * k) / 16)));
    // A buffer written before the loop issuing this product (Q): LLVM
    // computes its descriptors once, before the loop, and keeps them (two
    // registers per K step) live through the whole body. Where the schedule
    // asks (kRecomputeDescriptorsAttr), its start field goes through an
    // opaque move, so that they are computed at each issue (one 32-bit add
    // each) from it alone.
    auto loop = op->getParentOfType<scf::ForOp>();
    if (op->hasAttr(kRecomputeDescriptorsAttr) && loop &&
        loop.isDefinedOutsideOfLoop(aLoad.getSrc()))
      aStart =
          inlinePtx(b, loc, b.getI32Type(), aStart, "mov.b32 $0, $1;", "=r,r");
  }
  // B's start field: its ring slot's, at the warpgroup's first column.
  Value bStart = descriptorStart(kl, base);
  if (wgColStart)
    bStart = kl.add(bStart, wgColStart);

  // Every A register and descriptor is ready before the fence: wgmma
  // requires one between a register write and the instruction reading it.
  if (!aLoad && failed(kl.materialize(op, aVal, std::nullopt)))
    return failure();
  SmallVector<Value> *A = aLoad ? nullptr : &kl.regs[aVal];
  int64_t aRows = aTy.getShape()[0];
  struct Step {
    SmallVector<Value> a; // four registers (RS) or one descriptor (SS)
    Value desc;
    unsigned tile;
  };
  SmallVector<Step> steps;
  for (int64_t k0 = 0; k0 < k; k0 += 16) {
    // K-major B: a K step is 32 bytes along the 128-byte rows, 8-row
    // groups of N are 1024 bytes apart, and every 64 of K start the next
    // panel of N rows. N-major B: a K step is 16 rows of 128 bytes, 8-row
    // groups of K 1024 bytes apart, and the panels of 64 columns of N are
    // K rows apart (the leading byte offset). One descriptor per column
    // block of the instructions.
    llvm::SmallDenseMap<int64_t, Value> descs;
    auto bDesc = [&](int64_t col) {
      Value &desc = descs[col];
      if (!desc)
        desc = kMajor
                   ? descriptor(kl, bStart,
                                (k0 / 64) * n * 128 + col * 128 + (k0 % 64) * 2,
                                16, 1024)
                   : descriptor(kl, bStart, (col / 64) * k * 128 + k0 * 128,
                                k * 128, 1024);
      return desc;
    };
    for (auto [t, tile] : llvm::enumerate(tiles)) {
      Step s{{}, bDesc(tile.col), unsigned(t)};
      if (aLoad) {
        // K-major A, like K-major B with the warpgroup's 64 rows; M-major
        // A like N-major B: a K step is 16 rows of 128 bytes, the 64 rows
        // of M one panel (K rows of 128 bytes).
        s.a.push_back(aKMajor ? descriptor(kl, aStart,
                                           (k0 / 64) * aRows * 128 +
                                               tile.row * 128 + (k0 % 64) * 2,
                                           16, 1024)
                              : descriptor(kl, aStart,
                                           (tile.row / 64) * k * 128 + k0 * 128,
                                           k * 128, 1024));
        steps.push_back(std::move(s));
        continue;
      }
      for (auto [di, dk] :
           {std::pair<int64_t, int64_t>{0, 0}, {8, 0}, {0, 8}, {8, 8}}) {
        auto lo = la->findReg(Offsets{tile.row + di, k0 + dk});
        auto hi = la->findReg(Offsets{tile.row + di, k0 + dk + 1});
        if (!lo || !hi)
          return op->emitError("A operand layout does not match wgmma");
        s.a.push_back(nvidia::packPair(kl, (*A)[*lo], (*A)[*hi]));
      }
      steps.push_back(std::move(s));
    }
  }

  // Each accumulator and A register gets its own definition here, before
  // the fence: LLVM would otherwise copy a shared initial value (zeros)
  // into the tied registers between two wgmmas, and ptxas then serializes
  // them (C7517/C7519).
  SmallVector<Value> pinned;
  if (!aLoad)
    for (Step &s : steps)
      llvm::append_range(pinned, s.a);
  llvm::append_range(pinned, C);
  pinned = overRegisters(b, loc, pinned, {}, "", "");
  unsigned next = 0;
  if (!aLoad)
    for (Step &s : steps)
      for (Value &v : s.a)
        v = pinned[next++];
  for (Value &v : C)
    v = pinned[next++];

  // The registers are fenced. Shared writes of the generic proxy (stores,
  // cp.async) that wgmma reads are ordered by the fences and barriers
  // tilegpu-insert-async-fences placed after them; copies that complete on
  // an mbarrier are ordered by its wait.
  inlinePtx(b, loc, Type(), {}, "wgmma.fence.sync.aligned;", "");
  std::string type = elem.isF16() ? "f16" : "bf16";
  int64_t nRegs = in / 2, x = 2 * nRegs;
  std::string d;
  for (int64_t i = 0; i < nRegs; ++i)
    d += (i ? ", $" : "$") + std::to_string(i);
  auto arg = [&](int64_t i) { return "$" + std::to_string(x + i); };
  // scale-d = 1 (accumulate) as a predicate; trans-b = 1 for N-major B.
  // RS: {a0..a3}, b-desc, p, scale-a, scale-b, trans-b. SS: a-desc, b-desc,
  // p, scale-a, scale-b, trans-a (0: K-major A), trans-b.
  std::string head = "{\n.reg .pred p;\nsetp.ne.b32 p, ";
  std::string mma = "wgmma.mma_async.sync.aligned.m64n" + std::to_string(in) +
                    "k16.f32." + type + "." + type + " {" + d + "}, ";
  std::string transB = kMajor ? "0" : "1";
  std::string transA = aKMajor ? "0" : "1";
  std::string text =
      aLoad ? head + arg(2) + ", 0;\n" + mma + arg(0) + ", " + arg(1) +
                  ", p, 1, 1, " + transA + ", " + transB + ";\n}"
            : head + arg(5) + ", 0;\n" + mma + "{" + arg(0) + ", " + arg(1) +
                  ", " + arg(2) + ", " + arg(3) + "}, " + arg(4) +
                  ", p, 1, 1, " + transB + ";\n}";
  for (Step &s : steps) {
    const SmallVector<int64_t> &idx = tiles[s.tile].idx;
    SmallVector<Value> acc, extra(s.a);
    for (int64_t i : idx)
      acc.push_back(C[i]);
    extra.push_back(s.desc);
    extra.push_back(kl.c32(1));
    SmallVector<Value> out = overRegisters(b, loc, acc, extra, text,
                                           aLoad ? "l,l,r" : "r,r,r,r,l,r");
    for (auto [i, v] : llvm::zip(idx, out))
      C[i] = v;
  }
  inlinePtx(b, loc, Type(), {}, "wgmma.commit_group.sync.aligned;", "");
  return success();
}

/// Waits until at most `pendings` groups are in flight; the registers are
/// tied through the wait so that nothing reads them earlier. An `ordered`
/// wait stays after what precedes it: ptxas schedules a wait as early as the
/// registers it guards allow (the products' registers only), but (CUDA 13.0,
/// checked in the SASS) does not move it above a memory fence, while a named
/// barrier does not hold it; so a CTA-scope fence goes first (no memory
/// access of the warp is pending there in the loops that ask for it).
static SmallVector<Value> waitWgmma(KernelLowering &kl, ArrayRef<Value> regs,
                                    int64_t pendings, bool ordered = false) {
  std::string text =
      "wgmma.wait_group.sync.aligned " + std::to_string(pendings) + ";";
  if (ordered)
    text = "fence.acq_rel.cta;\n" + text;
  return overRegisters(kl.b, kl.loc, regs, {}, text, "");
}

static LogicalResult lowerWgmma(tile::DotOp op, KernelLowering &kl) {
  SmallVector<Value> C;
  if (failed(issueWgmma(op, kl, C)))
    return failure();
  kl.regs[op.getResult()] = waitWgmma(kl, C, 0);
  return success();
}

static LogicalResult lowerDotAsync(DotAsyncOp op, KernelLowering &kl) {
  if (!wgmmaParent(op.getType().getEncoding()))
    return op.emitError("tilegpu.dot_async needs the wgmma accumulator "
                        "layout (#tilenv.mma version 3)");
  SmallVector<Value> C;
  if (failed(issueWgmma(op, kl, C)))
    return failure();
  kl.regs[op.getResult()] = C;
  return success();
}

static LogicalResult lowerDotWait(DotWaitOp op, KernelLowering &kl) {
  SmallVector<Value> all;
  for (Value v : op.getInputs())
    llvm::append_range(all, kl.regs[v]);
  SmallVector<Value> out =
      waitWgmma(kl, all, op.getPendings(), op->hasAttr(kOrderedWaitAttr));
  size_t next = 0;
  for (auto [in, res] : llvm::zip(op.getInputs(), op.getOutputs())) {
    size_t n = kl.regs[in].size();
    kl.regs[res] =
        SmallVector<Value>(out.begin() + next, out.begin() + next + n);
    next += n;
  }
  return success();
}

/// An operand of a wgmma dot that the instruction reads from its buffer
/// (B always, A in the SS form): nothing is loaded.
static LogicalResult lowerWgmmaOperandLoad(LocalLoadOp op, KernelLowering &kl) {
  const LinearLayout *ll = kl.layoutOf(op, op.getType());
  if (!ll)
    return failure();
  Operation *dot = op->hasOneUse() ? *op->user_begin() : nullptr;
  if (!dot || !isWgmmaDot(dot) ||
      (dotOperand(dot, 1) != op.getResult() &&
       (dotOperand(dot, 0) != op.getResult() || sharedA(dot) != op)))
    return op.emitError("the wgmma B operand in shared memory must be read "
                        "by its dot alone");
  kl.regs[op.getResult()] = SmallVector<Value>(ll->numRegs());
  Operation *load = op;
  kl.lazy[op.getResult()] =
      LazyTile{dot, [load](std::optional<int64_t>, SmallVector<Value> &) {
                 return LogicalResult(load->emitError(
                     "a wgmma operand read by descriptor has no registers"));
               }};
  return success();
}

void nvidia::populateWgmmaLowerings(LoweringRegistry &registry) {
  registry.add(lowerWgmma, [](Operation *op, KernelLowering &) {
    return bool(wgmmaParent(cast<tile::DotOp>(op).getType().getEncoding()));
  });
  registry.add(lowerDotAsync);
  registry.add(lowerDotWait);
  registry.add(lowerWgmmaOperandLoad, [](Operation *op, KernelLowering &) {
    auto load = cast<LocalLoadOp>(op);
    auto dot =
        dyn_cast_or_null<DotOperandEncodingAttr>(load.getType().getEncoding());
    if (!dot || !wgmmaParent(dot))
      return false;
    if (dot.getOpIdx() == 1)
      return true;
    // A: only where the dot reads it by descriptor (SS).
    return load->hasOneUse() && isWgmmaDot(*load->user_begin()) &&
           sharedA(*load->user_begin()) == load;
  });
}
