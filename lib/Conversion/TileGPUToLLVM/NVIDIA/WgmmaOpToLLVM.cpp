//===- WgmmaOpToLLVM.cpp - tile.dot as wgmma m64nNk16 (sm_90a) ------------===//
//
// A dot whose accumulator is #tilenv.mma version 3 runs as one warpgroup
// MMA per 64 rows and K step of 16: A from registers (the mma.sync A
// fragment, so P of attention stays in registers; Q comes from ldmatrix),
// B read by the instruction from its shared buffer through a matrix
// descriptor (128-byte swizzle, rows of 64 16-bit elements or panels of
// them, #tilegpu.shared `panel`). The B operand's
// local_load emits nothing. Inline PTX throughout: the register-A form has
// no NVVM op, and the wait must tie the accumulator registers so that LLVM
// reads them only after it.
//
//===----------------------------------------------------------------------===//

#include "NVIDIALowerings.h"

#include "fa/Dialect/TileNV/IR/TileNVDialect.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

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

/// The 64-bit matrix descriptor: start address, leading and stride byte
/// offsets (all >> 4) and the 128-byte swizzle mode.
static Value descriptor(KernelLowering &kl, Value base, int64_t byteOffset,
                        int64_t lbo, int64_t sbo) {
  OpBuilder &b = kl.b;
  Location loc = kl.loc;
  Type i64 = b.getI64Type();
  Value addr = LLVM::PtrToIntOp::create(b, loc, i64, base);
  addr = kl.add(addr, kl.c64(byteOffset));
  Value start = arith::ShRUIOp::create(
      b, loc, arith::AndIOp::create(b, loc, addr, kl.c64(0x3ffff)), kl.c64(4));
  uint64_t fields = (uint64_t((lbo >> 4) & 0x3fff) << 16) |
                    (uint64_t((sbo >> 4) & 0x3fff) << 32) | (uint64_t(1) << 62);
  return arith::OrIOp::create(b, loc, start, kl.c64(int64_t(fields)));
}

/// The B buffer of a wgmma dot: its local_load's source, when its layout
/// is the 128-byte swizzle of 64-element rows descriptors address (wider
/// rows as panels of 64 elements).
static FailureOr<Value> wgmmaBBuffer(tile::DotOp op, bool &kMajor) {
  auto load = op.getB().getDefiningOp<LocalLoadOp>();
  if (!load)
    return op.emitError("wgmma reads B from shared memory: its operand must "
                        "be a local_load");
  auto bufTy = load.getSrc().getType();
  auto enc = cast<SharedLayoutAttrInterface>(bufTy.getEncoding());
  ArrayRef<int64_t> shape = bufTy.getShape();
  unsigned f = enc.getOrder()[0];
  if (shape.size() != 2 ||
      bufTy.getElementType().getIntOrFloatBitWidth() != 16 ||
      enc.getVec() != 8 || enc.getPerPhase() != 1 || enc.getMaxPhase() != 8 ||
      (shape[f] != 64 && (enc.getPanel() != 64 || shape[f] % 64)) ||
      shape[1 - f] % 8)
    return op.emitError("wgmma B buffer must hold rows of 64 16-bit elements "
                        "(or panels of 64) with the 128-byte swizzle (vec 8, "
                        "perPhase 1, maxPhase 8)");
  kMajor = f == 0; // B is K x N: K fastest
  return load.getSrc();
}

static LogicalResult lowerWgmma(tile::DotOp op, KernelLowering &kl) {
  OpBuilder &b = kl.b;
  Location loc = kl.loc;
  const LinearLayout *la = kl.layoutOf(op, op.getA().getType());
  const LinearLayout *lc = kl.layoutOf(op, op.getType());
  if (!la || !lc)
    return failure();
  if (failed(kl.target.checkDot(op, op.getA().getType(), op.getB().getType(),
                                op.getType())))
    return failure();
  if (!wgmmaParent(op.getA().getType().getEncoding()))
    return op.emitError("wgmma A operand must have the wgmma A layout");
  bool kMajor = false;
  FailureOr<Value> buffer = wgmmaBBuffer(op, kMajor);
  if (failed(buffer))
    return failure();
  Value base = kl.regs[*buffer][0];
  Type elem = op.getA().getType().getElementType();
  int64_t k = op.getA().getType().getShape()[1];
  int64_t n = op.getType().getShape()[1];
  // The swizzle pattern starts on 1024-byte boundaries: the allocator
  // aligns buffers (MmaLayoutAttrInterface::getSharedAlignment), this the
  // dynamic shared memory itself.
  auto module = op->getParentOfType<ModuleOp>();
  if (auto g = module.lookupSymbol<LLVM::GlobalOp>(kSharedSymbol))
    if (g.getAlignment().value_or(0) < 1024)
      g.setAlignment(1024);

  // One instruction per 64 accumulator rows of the warpgroup: its N/2
  // registers in the D fragment's order (per 8 columns: row g, cols 2t and
  // 2t+1, then row g+8).
  SmallVector<Value> C = kl.regs[op.getAcc()];
  SmallVector<std::pair<int64_t, SmallVector<int64_t>>> tiles;
  for (int64_t r = 0; r < lc->numRegs(); ++r) {
    Offsets o = lc->regOffset(r);
    if (o[0] % 64 || o[1] != 0)
      continue;
    SmallVector<int64_t> idx;
    for (int64_t j = 0; j < n; j += 8)
      for (auto [di, dj] :
           {std::pair<int64_t, int64_t>{0, 0}, {0, 1}, {8, 0}, {8, 1}}) {
        auto i = lc->findReg(Offsets{o[0] + di, j + dj});
        if (!i)
          return op.emitError("accumulator layout is not a wgmma layout");
        idx.push_back(*i);
      }
    tiles.push_back({o[0], idx});
  }
  if (tiles.empty() || int64_t(tiles.size()) * (n / 2) != lc->numRegs())
    return op.emitError("accumulator layout is not a wgmma layout");

  // Every A register and descriptor is ready before the fence: wgmma
  // requires one between a register write and the instruction reading it.
  if (failed(kl.materialize(op, op.getA(), std::nullopt)))
    return failure();
  SmallVector<Value> &A = kl.regs[op.getA()];
  struct Step {
    SmallVector<Value> a;
    Value desc;
    unsigned tile;
  };
  SmallVector<Step> steps;
  for (int64_t k0 = 0; k0 < k; k0 += 16) {
    // K-major B: a K step is 32 bytes along the 128-byte rows, 8-row
    // groups of N are 1024 bytes apart, and every 64 of K start the next
    // panel of N rows. N-major B: a K step is 16 rows of 128 bytes, 8-row
    // groups of K 1024 bytes apart, and the panels of 64 columns of N are
    // K rows apart (the leading byte offset).
    Value desc = kMajor
                     ? descriptor(kl, base, (k0 / 64) * n * 128 + (k0 % 64) * 2,
                                  16, 1024)
                     : descriptor(kl, base, k0 * 128, k * 128, 1024);
    for (auto [t, tile] : llvm::enumerate(tiles)) {
      Step s{{}, desc, unsigned(t)};
      for (auto [di, dk] :
           {std::pair<int64_t, int64_t>{0, 0}, {8, 0}, {0, 8}, {8, 8}}) {
        auto lo = la->findReg(Offsets{tile.first + di, k0 + dk});
        auto hi = la->findReg(Offsets{tile.first + di, k0 + dk + 1});
        if (!lo || !hi)
          return op.emitError("A operand layout does not match wgmma");
        s.a.push_back(nvidia::packPair(kl, A[*lo], A[*hi]));
      }
      steps.push_back(std::move(s));
    }
  }

  // Each accumulator and A register gets its own definition here, before
  // the fence: LLVM would otherwise copy a shared initial value (zeros)
  // into the tied registers between two wgmmas, and ptxas then serializes
  // them (C7517/C7519).
  SmallVector<Value> pinned;
  for (Step &s : steps)
    llvm::append_range(pinned, s.a);
  llvm::append_range(pinned, C);
  pinned = overRegisters(b, loc, pinned, {}, "", "");
  unsigned next = 0;
  for (Step &s : steps)
    for (Value &v : s.a)
      v = pinned[next++];
  for (Value &v : C)
    v = pinned[next++];

  // Shared writes of the generic proxy (stores, cp.async) become visible to
  // the async proxy wgmma reads with: every thread fences its own writes,
  // then a barrier orders them before any thread's wgmma (conservative: a
  // fence-insertion pass could place the fences after the writes instead).
  // Then the registers are fenced.
  inlinePtx(b, loc, Type(), {}, "fence.proxy.async.shared::cta;", "");
  kl.target.barrier(b, loc);
  inlinePtx(b, loc, Type(), {}, "wgmma.fence.sync.aligned;", "");
  std::string type = elem.isF16() ? "f16" : "bf16";
  int64_t nRegs = n / 2, x = 2 * nRegs;
  std::string d;
  for (int64_t i = 0; i < nRegs; ++i)
    d += (i ? ", $" : "$") + std::to_string(i);
  auto arg = [&](int64_t i) { return "$" + std::to_string(x + i); };
  // scale-d = 1 (accumulate) as a predicate; trans-b = 1 for N-major B.
  std::string text = "{\n.reg .pred p;\nsetp.ne.b32 p, " + arg(5) +
                     ", 0;\nwgmma.mma_async.sync.aligned.m64n" +
                     std::to_string(n) + "k16.f32." + type + "." + type + " {" +
                     d + "}, {" + arg(0) + ", " + arg(1) + ", " + arg(2) +
                     ", " + arg(3) + "}, " + arg(4) + ", p, 1, 1, " +
                     (kMajor ? "0" : "1") + ";\n}";
  for (Step &s : steps) {
    const SmallVector<int64_t> &idx = tiles[s.tile].second;
    SmallVector<Value> acc, extra(s.a);
    for (int64_t i : idx)
      acc.push_back(C[i]);
    extra.push_back(s.desc);
    extra.push_back(kl.c32(1));
    SmallVector<Value> out =
        overRegisters(b, loc, acc, extra, text, "r,r,r,r,l,r");
    for (auto [i, v] : llvm::zip(idx, out))
      C[i] = v;
  }
  inlinePtx(b, loc, Type(), {}, "wgmma.commit_group.sync.aligned;", "");
  // Wait for this dot's group (depth 0); the results are the tied outputs.
  C = overRegisters(b, loc, C, {}, "wgmma.wait_group.sync.aligned 0;", "");
  kl.regs[op.getResult()] = C;
  return success();
}

/// The B operand of a wgmma dot is read by the instruction from the
/// buffer: nothing is loaded.
static LogicalResult lowerWgmmaOperandLoad(LocalLoadOp op, KernelLowering &kl) {
  const LinearLayout *ll = kl.layoutOf(op, op.getType());
  if (!ll)
    return failure();
  auto dot = op->hasOneUse() ? dyn_cast<tile::DotOp>(*op->user_begin())
                             : tile::DotOp();
  if (!dot || dot.getB() != op.getResult())
    return op.emitError("the wgmma B operand in shared memory must be read "
                        "by its dot alone");
  kl.regs[op.getResult()] = SmallVector<Value>(ll->numRegs());
  Operation *load = op;
  kl.lazy[op.getResult()] =
      LazyTile{dot, [load](std::optional<int64_t>, SmallVector<Value> &) {
                 return LogicalResult(
                     load->emitError("the wgmma B operand has no registers"));
               }};
  return success();
}

void nvidia::populateWgmmaLowerings(LoweringRegistry &registry) {
  registry.add(lowerWgmma, [](Operation *op, KernelLowering &) {
    return bool(wgmmaParent(cast<tile::DotOp>(op).getType().getEncoding()));
  });
  registry.add(lowerWgmmaOperandLoad, [](Operation *op, KernelLowering &) {
    auto enc = cast<LocalLoadOp>(op).getType().getEncoding();
    auto dot = dyn_cast_or_null<DotOperandEncodingAttr>(enc);
    return dot && dot.getOpIdx() == 1 && wgmmaParent(dot);
  });
}
