//===- TileGPUToLLVM.cpp - `tilegpu` kernels to LLVM + vendor ops ---------===//
//
// Lowers each `tile.kernel` (tiles already carrying layouts) by walking its
// body once, in order, and keeping for every tile the list of per-thread
// register values its linear layout gives. Scalar code is cloned; loops are
// rebuilt with the registers of loop-carried tiles as iteration arguments.
// The only vendor-specific code sits behind fa::TargetInfo.
//
//===----------------------------------------------------------------------===//

#include "fa/Conversion/TileGPUToLLVM.h"
#include "fa/Conversion/Passes.h"

#include "fa/Dialect/Tile/IR/TileDialect.h"
#include "fa/Dialect/TileGPU/IR/LinearLayout.h"
#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"
#include "fa/Target/TargetInfo.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"

#include "llvm/ADT/DenseSet.h"

#include <map>

namespace fa {
#define GEN_PASS_DEF_CONVERTTILEGPUTOLLVM
#include "fa/Conversion/Passes.h.inc"
} // namespace fa

using namespace mlir;
using namespace fa;
using namespace fa::tilegpu;

SmallVector<KernelABIParam> fa::getKernelABI(tile::KernelOp kernel) {
  SmallVector<KernelABIParam> abi;
  MLIRContext *ctx = kernel.getContext();
  ctx->getOrLoadDialect<LLVM::LLVMDialect>(); // for the pointer type
  Type i64 = IntegerType::get(ctx, 64);
  for (auto [i, t] : llvm::enumerate(kernel.getArgumentTypes())) {
    if (auto m = dyn_cast<MemRefType>(t)) {
      abi.push_back({unsigned(i), KernelABIParam::Pointer, 0,
                     LLVM::LLVMPointerType::get(ctx, 1)});
      for (unsigned d = 0; d < m.getRank(); ++d)
        abi.push_back({unsigned(i), KernelABIParam::Size, d, i64});
      for (unsigned d = 0; d + 1 < m.getRank(); ++d)
        abi.push_back({unsigned(i), KernelABIParam::Stride, d, i64});
    } else {
      abi.push_back({unsigned(i), KernelABIParam::Scalar, 0, t});
    }
  }
  return abi;
}

namespace {

constexpr const char *kSharedSymbol = "fa_smem";

class KernelLowering {
public:
  KernelLowering(tile::KernelOp kernel, const TargetInfo &target)
      : kernel(kernel), target(target), b(kernel.getContext()),
        loc(kernel.getLoc()), ctx(kernel.getContext()) {}

  LogicalResult run();

private:
  struct Global {
    Value ptr;
    SmallVector<Value> sizes, strides; // i64; strides.back() is 1
    Type elem;
  };

  tile::KernelOp kernel;
  const TargetInfo &target;
  OpBuilder b;
  Location loc;
  MLIRContext *ctx;
  IRMapping map;
  DenseMap<Value, SmallVector<Value>> regs;
  DenseMap<Value, Global> globals;
  std::map<std::pair<const void *, const void *>, LinearLayout> layoutCache;
  Value lane, warp, smem;

  //===--- small helpers -------------------------------------------------===//
  Value c32(int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
  }
  Value c64(int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v));
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value andi(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value bit(Value x, unsigned i) {
    return andi(arith::ShRUIOp::create(b, loc, x, c32(i)), c32(1));
  }
  Value allTrue(ArrayRef<Value> preds) {
    Value p;
    for (Value v : preds)
      p = p ? andi(p, v) : v;
    return p ? p : arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
  }
  Type ptrTy(unsigned as) { return LLVM::LLVMPointerType::get(ctx, as); }

  /// Addressing shared by global loads, stores, atomics and async copies of
  /// a block of `g` at `offsets`: the block's base pointer, whether the
  /// offsets of squeezed (non-tile) dimensions are in bounds, and per tile
  /// dimension the in-bounds extent and the stride (both i32).
  struct BlockAddress {
    Value basePtr, squeezeOk;
    SmallVector<Value> lim, stride32;
  };
  BlockAddress addressBlock(const Global &g, Type elem, ValueRange offsets,
                            ArrayRef<int64_t> tileDims);

  const LinearLayout *layoutOf(Operation *op, Type type) {
    auto t = dyn_cast<RankedTensorType>(type);
    if (!t || !isDistributedLayout(t.getEncoding())) {
      op->emitError() << "tile " << type
                      << " has no GPU layout; run tilegpu-assign-layouts first";
      return nullptr;
    }
    auto key = std::make_pair(t.getEncoding().getAsOpaquePointer(),
                              t.getAsOpaquePointer());
    auto it = layoutCache.find(key);
    if (it != layoutCache.end())
      return &it->second;
    std::string error;
    auto ll = toLinearLayout(t.getEncoding(), t.getShape(), error);
    if (!ll) {
      op->emitError() << error;
      return nullptr;
    }
    return &layoutCache.emplace(key, *ll).first->second;
  }

  /// The calling thread's coordinate in `ll` (one i32 per dimension).
  SmallVector<Value> threadCoords(const LinearLayout &ll, bool lanes = true,
                                  bool warps = true) {
    SmallVector<Value> coords;
    for (unsigned d = 0; d < ll.rank(); ++d) {
      Value c = c32(0);
      if (lanes)
        for (unsigned i = 0; i < ll.lane.size(); ++i)
          if (ll.lane[i][d])
            c = arith::OrIOp::create(b, loc, c,
                                     mul(bit(lane, i), c32(ll.lane[i][d])));
      if (warps)
        for (unsigned i = 0; i < ll.warp.size(); ++i)
          if (ll.warp[i][d])
            c = arith::OrIOp::create(b, loc, c,
                                     mul(bit(warp, i), c32(ll.warp[i][d])));
      coords.push_back(c);
    }
    return coords;
  }

  /// True in exactly one of the threads holding each element (stores and
  /// atomics from replicated layouts must happen once).
  Value ownerPredicate(const LinearLayout &ll) {
    int64_t laneMask = 0, warpMask = 0;
    auto zero = [](const Offsets &o) {
      return llvm::all_of(o, [](int64_t x) { return x == 0; });
    };
    for (unsigned i = 0; i < ll.lane.size(); ++i)
      if (zero(ll.lane[i]))
        laneMask |= int64_t(1) << i;
    for (unsigned i = 0; i < ll.warp.size(); ++i)
      if (zero(ll.warp[i]))
        warpMask |= int64_t(1) << i;
    SmallVector<Value> preds;
    if (laneMask)
      preds.push_back(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                            andi(lane, c32(laneMask)), c32(0)));
    if (warpMask)
      preds.push_back(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                            andi(warp, c32(warpMask)), c32(0)));
    return allTrue(preds);
  }

  /// Number of leading register bits that step by 1, 2, 4, ... along `dim`.
  static int64_t contiguousRegs(const LinearLayout &ll, unsigned dim,
                                int64_t limit) {
    int64_t v = 1;
    for (unsigned i = 0; i < ll.reg.size() && v * 2 <= limit; ++i) {
      Offsets want(ll.rank(), 0);
      want[dim] = v;
      if (ll.reg[i] != want)
        break;
      v *= 2;
    }
    return v;
  }

  /// Element offset in a shared buffer of the coordinate t + c (thread
  /// part t, constant part c).
  Value sharedOffset(SharedEncodingAttr enc, ArrayRef<int64_t> shape,
                     ArrayRef<Value> t, ArrayRef<int64_t> c);
  /// The same offset as a runtime part and a constant part.
  std::pair<Value, int64_t> sharedOffsetParts(SharedEncodingAttr enc,
                                              ArrayRef<int64_t> shape,
                                              ArrayRef<Value> t,
                                              ArrayRef<int64_t> c);
  Value packPair(Value lo, Value hi);
  std::pair<Value, Value> unpackPair(Value packed, Type elem);

  //===--- lowering ------------------------------------------------------===//
  LogicalResult lowerBlock(Block &block);
  LogicalResult lowerOp(Operation *op);
  LogicalResult lowerFor(scf::ForOp op);
  LogicalResult lowerIf(scf::IfOp op);
  LogicalResult lowerElementwise(Operation *op);
  LogicalResult lowerConstant(arith::ConstantOp op);
  LogicalResult lowerReduce(tile::ReduceOp op);
  LogicalResult lowerDot(tile::DotOp op);
  LogicalResult lowerGlobalAccess(Operation *op, Value base,
                                  OperandRange offsets,
                                  ArrayRef<int64_t> tileDims,
                                  RankedTensorType tileTy, Value stored,
                                  bool atomic, TypedAttr pad);
  LogicalResult lowerLocalAlloc(LocalAllocOp op);
  LogicalResult lowerAsyncCopy(AsyncCopyOp op);
  LogicalResult lowerLocalLoad(LocalLoadOp op);
  bool canLoadMatrix(LocalLoadOp op);
  /// ldmatrix for the register tiles of `op`'s result at K step `kTile`
  /// (all when none), into `out`.
  LogicalResult loadMatrixTiles(LocalLoadOp op, std::optional<int64_t> kTile,
                                SmallVector<Value> &out);
  /// Operands whose ldmatrix is emitted by the consuming dot, per K step.
  llvm::DenseSet<Value> deferred;
  /// Result registers picked from `src` registers by offset mapping.
  LogicalResult remap(Operation *op, Value src, Value result,
                      function_ref<Offsets(const Offsets &)> toSrc);
};

Value KernelLowering::sharedOffset(SharedEncodingAttr enc,
                                   ArrayRef<int64_t> shape, ArrayRef<Value> t,
                                   ArrayRef<int64_t> c) {
  auto [runtime, constant] = sharedOffsetParts(enc, shape, t, c);
  return add(runtime, c32(constant));
}

std::pair<Value, int64_t>
KernelLowering::sharedOffsetParts(SharedEncodingAttr enc,
                                  ArrayRef<int64_t> shape, ArrayRef<Value> t,
                                  ArrayRef<int64_t> c) {
  // Thread part t and constant part c of each coordinate have disjoint bits
  // (layout bases are distinct powers of two), so row, column, chunk and
  // phase split into a runtime and a constant part too. The swizzle XOR of
  // the constant chunk bits below maxPhase stays at runtime; everything else
  // of c becomes an immediate offset, so a thread needs at most maxPhase
  // distinct address registers per buffer.
  ArrayRef<unsigned> order = enc.getOrder();
  unsigned f = order[0];
  Value tRow = c32(0);
  int64_t cRow = 0, stride = 1;
  for (unsigned k = 1; k < order.size(); ++k) {
    tRow = add(tRow, mul(t[order[k]], c32(stride)));
    cRow += c[order[k]] * stride;
    stride *= shape[order[k]];
  }
  int64_t len = shape[f];
  if (enc.getMaxPhase() <= 1)
    return {add(mul(tRow, c32(len)), t[f]), cRow * len + c[f]};
  int64_t vec = enc.getVec(), per = enc.getPerPhase(),
          maxPhase = enc.getMaxPhase();
  Value tChunk = arith::DivUIOp::create(b, loc, t[f], c32(vec));
  Value tPhase = arith::RemUIOp::create(
      b, loc, arith::DivUIOp::create(b, loc, tRow, c32(per)), c32(maxPhase));
  Value tSw = arith::XOrIOp::create(b, loc, tChunk, tPhase);
  int64_t cSw = (c[f] / vec) ^ ((cRow / per) % maxPhase);
  Value sw = arith::XOrIOp::create(b, loc, tSw, c32(cSw % maxPhase));
  Value tIn = arith::RemUIOp::create(b, loc, t[f], c32(vec));
  Value runtime = add(add(mul(tRow, c32(len)), mul(sw, c32(vec))), tIn);
  int64_t constant = cRow * len + (cSw - cSw % maxPhase) * vec + c[f] % vec;
  return {runtime, constant};
}

Value KernelLowering::packPair(Value lo, Value hi) {
  auto vt = VectorType::get({2}, lo.getType());
  Value v = LLVM::PoisonOp::create(b, loc, vt);
  v = LLVM::InsertElementOp::create(b, loc, v, lo, c32(0));
  v = LLVM::InsertElementOp::create(b, loc, v, hi, c32(1));
  return LLVM::BitcastOp::create(b, loc, b.getI32Type(), v);
}

std::pair<Value, Value> KernelLowering::unpackPair(Value packed, Type elem) {
  auto vt = VectorType::get({2}, elem);
  Value v = LLVM::BitcastOp::create(b, loc, vt, packed);
  return {LLVM::ExtractElementOp::create(b, loc, v, c32(0)),
          LLVM::ExtractElementOp::create(b, loc, v, c32(1))};
}

LogicalResult KernelLowering::run() {
  // Function with the ABI's parameters.
  SmallVector<KernelABIParam> abi = getKernelABI(kernel);
  SmallVector<Type> argTypes;
  for (const KernelABIParam &p : abi)
    argTypes.push_back(p.type);
  b.setInsertionPoint(kernel);
  auto fnTy =
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), argTypes);
  auto func = LLVM::LLVMFuncOp::create(b, loc, kernel.getSymName(), fnTy);
  unsigned numWarps = 4;
  if (auto nw = kernel->getAttrOfType<IntegerAttr>("tilegpu.num_warps"))
    numWarps = nw.getInt();
  target.markKernel(func, numWarps * target.getWarpSize());
  Block *entry = func.addEntryBlock(b);
  b.setInsertionPointToStart(entry);

  Block &body = kernel.getBody().front();
  for (auto [i, p] : llvm::enumerate(abi)) {
    Value arg = entry->getArgument(i);
    Value orig = body.getArgument(p.arg);
    switch (p.kind) {
    case KernelABIParam::Pointer:
      globals[orig].ptr = arg;
      globals[orig].elem = cast<MemRefType>(orig.getType()).getElementType();
      break;
    case KernelABIParam::Size:
      globals[orig].sizes.push_back(arg);
      break;
    case KernelABIParam::Stride:
      globals[orig].strides.push_back(arg);
      break;
    case KernelABIParam::Scalar:
      map.map(orig, arg);
      break;
    }
  }
  for (auto &[orig, g] : globals) {
    g.strides.push_back(c64(1));
    // Sizes fixed at compile time (tile.dims integers, static memref
    // sizes) are constants: bounds checks against them fold away. The
    // launcher checks them against the actual tensors.
    auto arg = cast<BlockArgument>(orig);
    auto mt = cast<MemRefType>(orig.getType());
    auto dims =
        getKernelArgAttr<ArrayAttr>(kernel, arg.getArgNumber(), "tile.dims");
    for (unsigned d = 0; d < g.sizes.size(); ++d) {
      if (!mt.isDynamicDim(d))
        g.sizes[d] = c64(mt.getDimSize(d));
      else if (dims && d < dims.size())
        if (auto n = dyn_cast<IntegerAttr>(dims[d]))
          g.sizes[d] = c64(n.getInt());
    }
  }

  Value tid = target.threadId(b, loc);
  lane = arith::RemUIOp::create(b, loc, tid, c32(target.getWarpSize()));
  warp = arith::DivUIOp::create(b, loc, tid, c32(target.getWarpSize()));
  smem = LLVM::AddressOfOp::create(
      b, loc, ptrTy(target.getSharedAddressSpace()), kSharedSymbol);

  if (failed(lowerBlock(body)))
    return failure();
  LLVM::ReturnOp::create(b, loc, ValueRange{});
  return success();
}

LogicalResult KernelLowering::lowerBlock(Block &block) {
  for (Operation &op : block) {
    if (op.hasTrait<OpTrait::IsTerminator>())
      continue;
    loc = op.getLoc();
    if (failed(lowerOp(&op)))
      return failure();
  }
  return success();
}

LogicalResult
KernelLowering::remap(Operation *op, Value src, Value result,
                      function_ref<Offsets(const Offsets &)> toSrc) {
  const LinearLayout *s = layoutOf(op, src.getType());
  const LinearLayout *r = layoutOf(op, result.getType());
  if (!s || !r)
    return failure();
  SmallVector<Value> out;
  const SmallVector<Value> &in = regs[src];
  for (int64_t i = 0; i < r->numRegs(); ++i) {
    auto j = s->findReg(toSrc(r->regOffset(i)));
    if (!j)
      return op->emitError() << "layouts of operand and result do not match "
                                "register for register ("
                             << s->str() << " vs " << r->str() << ")";
    out.push_back(in[*j]);
  }
  regs[result] = std::move(out);
  return success();
}

LogicalResult KernelLowering::lowerOp(Operation *op) {
  auto isTensor = [](Type t) { return isa<RankedTensorType>(t); };
  bool touchesTiles = llvm::any_of(op->getOperandTypes(), isTensor) ||
                      llvm::any_of(op->getResultTypes(), isTensor);

  if (auto forOp = dyn_cast<scf::ForOp>(op))
    return lowerFor(forOp);
  if (auto ifOp = dyn_cast<scf::IfOp>(op); ifOp && ifOp->getNumResults() == 0)
    return lowerIf(ifOp);
  if (auto pid = dyn_cast<tile::ProgramIdOp>(op)) {
    map.map(pid.getResult(), target.programId(b, loc, pid.getAxis()));
    return success();
  }
  if (auto np = dyn_cast<tile::NumProgramsOp>(op)) {
    map.map(np.getResult(), target.numPrograms(b, loc, np.getAxis()));
    return success();
  }
  if (auto dim = dyn_cast<memref::DimOp>(op)) {
    auto it = globals.find(dim.getSource());
    std::optional<int64_t> d = dim.getConstantIndex();
    if (it == globals.end() || !d)
      return op->emitError("memref.dim needs a kernel argument and a constant "
                           "dimension on the GPU");
    map.map(dim.getResult(),
            arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                       it->second.sizes[*d]));
    return success();
  }
  if (auto load = dyn_cast<tile::LoadOp>(op))
    return lowerGlobalAccess(op, load.getBase(), load.getOffsets(),
                             load.getTileDims(), load.getType(), Value(), false,
                             load.getPaddingOrZero());
  if (auto store = dyn_cast<tile::StoreOp>(op))
    return lowerGlobalAccess(op, store.getBase(), store.getOffsets(),
                             store.getTileDims(), store.getValue().getType(),
                             store.getValue(), false, TypedAttr());
  if (auto atomic = dyn_cast<tile::AtomicAddOp>(op))
    return lowerGlobalAccess(op, atomic.getBase(), atomic.getOffsets(),
                             atomic.getTileDims(), atomic.getValue().getType(),
                             atomic.getValue(), true, TypedAttr());
  if (auto dot = dyn_cast<tile::DotOp>(op))
    return lowerDot(dot);
  if (auto red = dyn_cast<tile::ReduceOp>(op))
    return lowerReduce(red);
  if (auto alloc = dyn_cast<LocalAllocOp>(op))
    return lowerLocalAlloc(alloc);
  if (auto ring = dyn_cast<AllocRingOp>(op)) {
    auto offset = ring.getOffset();
    if (!offset)
      return op->emitError("buffer has no offset; run "
                           "tilegpu-allocate-shared-memory first");
    regs[ring.getResult()] = {
        LLVM::GEPOp::create(b, loc, ptrTy(3), b.getI8Type(), smem,
                            ArrayRef<LLVM::GEPArg>{int32_t(*offset)})};
    return success();
  }
  if (auto slot = dyn_cast<RingSlotOp>(op)) {
    auto ty = slot.getType();
    int64_t bytes =
        ty.getNumElements() * ty.getElementType().getIntOrFloatBitWidth() / 8;
    Value idx = arith::IndexCastOp::create(b, loc, b.getI32Type(),
                                           map.lookup(slot.getIndex()));
    regs[slot.getResult()] = {LLVM::GEPOp::create(
        b, loc, ptrTy(3), b.getI8Type(), regs[slot.getRing()][0],
        ValueRange{mul(idx, c32(bytes))})};
    return success();
  }
  if (auto view = dyn_cast<TransViewOp>(op)) {
    regs[view.getResult()] = regs[view.getSrc()];
    return success();
  }
  if (auto copy = dyn_cast<AsyncCopyOp>(op))
    return lowerAsyncCopy(copy);
  if (isa<AsyncCommitOp>(op)) {
    target.asyncCommit(b, loc);
    return success();
  }
  if (auto wait = dyn_cast<AsyncWaitOp>(op)) {
    target.asyncWait(b, loc, wait.getPending());
    // Copies by other threads become visible after the barrier.
    target.barrier(b, loc);
    return success();
  }
  if (auto ld = dyn_cast<LocalLoadOp>(op))
    return lowerLocalLoad(ld);
  if (auto cst = dyn_cast<arith::ConstantOp>(op); cst && touchesTiles)
    return lowerConstant(cst);
  if (auto splat = dyn_cast<tile::SplatOp>(op)) {
    const LinearLayout *ll = layoutOf(op, splat.getType());
    if (!ll)
      return failure();
    regs[splat.getResult()] =
        SmallVector<Value>(ll->numRegs(), map.lookup(splat.getValue()));
    return success();
  }
  if (auto iota = dyn_cast<tile::IotaOp>(op)) {
    const LinearLayout *ll = layoutOf(op, iota.getType());
    if (!ll)
      return failure();
    Value base = threadCoords(*ll)[0];
    SmallVector<Value> out;
    for (int64_t r = 0; r < ll->numRegs(); ++r)
      out.push_back(add(base, c32(ll->regOffset(r)[0])));
    regs[iota.getResult()] = out;
    return success();
  }
  if (auto bc = dyn_cast<tile::BroadcastOp>(op)) {
    ArrayRef<int64_t> srcShape = bc.getSrc().getType().getShape();
    return remap(op, bc.getSrc(), bc.getResult(), [&](const Offsets &o) {
      Offsets s = o;
      for (unsigned d = 0; d < s.size(); ++d)
        if (srcShape[d] == 1)
          s[d] = 0;
      return s;
    });
  }
  if (auto ed = dyn_cast<tile::ExpandDimsOp>(op)) {
    unsigned axis = ed.getAxis();
    return remap(op, ed.getSrc(), ed.getResult(), [&](const Offsets &o) {
      Offsets s = o;
      s.erase(s.begin() + axis);
      return s;
    });
  }
  if (auto tr = dyn_cast<tile::TransOp>(op)) {
    SmallVector<int32_t> perm = tr.getPermutation();
    const LinearLayout *s = layoutOf(op, tr.getSrc().getType());
    const LinearLayout *r = layoutOf(op, tr.getType());
    if (!s || !r)
      return failure();
    // The thread mapping must be the permuted one.
    auto permuted = [&](ArrayRef<Offsets> bases) {
      SmallVector<Offsets> out;
      for (const Offsets &o : bases) {
        Offsets p(o.size());
        for (unsigned i = 0; i < perm.size(); ++i)
          p[i] = o[perm[i]];
        out.push_back(p);
      }
      return out;
    };
    if (permuted(s->lane) != r->lane || permuted(s->warp) != r->warp)
      return op->emitError("transpose between layouts that move data");
    return remap(op, tr.getSrc(), tr.getResult(), [&](const Offsets &o) {
      Offsets s(o.size());
      for (unsigned i = 0; i < perm.size(); ++i)
        s[perm[i]] = o[i];
      return s;
    });
  }
  if (auto cvt = dyn_cast<ConvertLayoutOp>(op)) {
    const LinearLayout *s = layoutOf(op, cvt.getSrc().getType());
    const LinearLayout *r = layoutOf(op, cvt.getType());
    if (!s || !r)
      return failure();
    if (!s->sameThreadMapping(*r))
      return op->emitError("layout conversion moves data between threads; run "
                           "tilegpu-decompose-conversions first");
    return remap(op, cvt.getSrc(), cvt.getResult(),
                 [](const Offsets &o) { return o; });
  }
  if (isa<arith::ArithDialect, math::MathDialect>(op->getDialect()) &&
      touchesTiles)
    return lowerElementwise(op);
  if (!touchesTiles && op->getNumRegions() == 0 &&
      isa<arith::ArithDialect, math::MathDialect>(op->getDialect())) {
    if (isa<math::MathDialect>(op->getDialect()))
      return lowerElementwise(op);
    b.clone(*op, map);
    return success();
  }
  return op->emitError() << "'" << op->getName() << "' cannot be lowered for "
                         << target.getName();
}

LogicalResult KernelLowering::lowerConstant(arith::ConstantOp op) {
  auto dense = dyn_cast<DenseElementsAttr>(op.getValue());
  if (!dense || !dense.isSplat())
    return op.emitError("only splat tile constants are supported on the GPU");
  const LinearLayout *ll = layoutOf(op, op.getType());
  if (!ll)
    return failure();
  Attribute v = dense.getSplatValue<Attribute>();
  if (auto bv = dyn_cast<BoolAttr>(v))
    v = b.getIntegerAttr(b.getI1Type(), bv.getValue());
  Value c = arith::ConstantOp::create(b, loc, cast<TypedAttr>(v));
  regs[op.getResult()] = SmallVector<Value>(ll->numRegs(), c);
  return success();
}

LogicalResult KernelLowering::lowerElementwise(Operation *op) {
  if (failed(target.checkElementwise(op)))
    return failure();
  bool tiles = isa<RankedTensorType>(op->getResult(0).getType());
  int64_t n = 1;
  if (tiles) {
    const LinearLayout *ll = layoutOf(op, op->getResult(0).getType());
    if (!ll)
      return failure();
    n = ll->numRegs();
  }
  auto operand = [&](Value v, int64_t r) -> Value {
    if (isa<RankedTensorType>(v.getType()))
      return regs[v][r];
    return map.lookup(v);
  };
  SmallVector<SmallVector<Value>> results(op->getNumResults());
  for (int64_t r = 0; r < n; ++r) {
    SmallVector<Value> ops;
    for (Value v : op->getOperands())
      ops.push_back(operand(v, r));
    Value res;
    if (isa<math::Exp2Op>(op)) {
      res = target.exp2(b, loc, ops[0]);
    } else if (isa<math::ExpOp>(op)) {
      Value l2e = arith::ConstantOp::create(
          b, loc, b.getF32FloatAttr(1.4426950408889634f));
      res = target.exp2(b, loc, arith::MulFOp::create(b, loc, ops[0], l2e));
    } else if (isa<math::Log2Op>(op)) {
      res = target.log2(b, loc, ops[0]);
    } else if (isa<math::LogOp>(op)) {
      Value ln2 = arith::ConstantOp::create(
          b, loc, b.getF32FloatAttr(0.6931471805599453f));
      res = arith::MulFOp::create(b, loc, target.log2(b, loc, ops[0]), ln2);
    } else {
      SmallVector<Type> types;
      for (Type t : op->getResultTypes())
        types.push_back(getElementTypeOrSelf(t));
      OperationState st(loc, op->getName());
      st.addOperands(ops);
      st.addTypes(types);
      st.addAttributes(op->getAttrs());
      Operation *clone = b.create(st);
      for (unsigned i = 0; i < op->getNumResults(); ++i)
        results[i].push_back(clone->getResult(i));
      continue;
    }
    results[0].push_back(res);
  }
  for (unsigned i = 0; i < op->getNumResults(); ++i) {
    if (tiles)
      regs[op->getResult(i)] = results[i];
    else
      map.map(op->getResult(i), results[i][0]);
  }
  return success();
}

LogicalResult KernelLowering::lowerFor(scf::ForOp op) {
  SmallVector<Value> inits;
  SmallVector<unsigned> arity;
  for (Value v : op.getInitArgs()) {
    if (isa<RankedTensorType>(v.getType())) {
      auto it = regs.find(v);
      if (it == regs.end())
        return op.emitError("loop argument has no lowered value");
      inits.append(it->second.begin(), it->second.end());
      arity.push_back(it->second.size());
    } else {
      inits.push_back(map.lookup(v));
      arity.push_back(0);
    }
  }
  auto newFor = scf::ForOp::create(b, loc, map.lookup(op.getLowerBound()),
                                   map.lookup(op.getUpperBound()),
                                   map.lookup(op.getStep()), inits);
  Block *nb = newFor.getBody();
  if (!nb->empty())
    nb->getTerminator()->erase();
  map.map(op.getInductionVar(), newFor.getInductionVar());
  auto distribute = [&](ValueRange flat, ValueRange origs) {
    unsigned k = 0;
    for (auto [i, v] : llvm::enumerate(origs)) {
      if (arity[i]) {
        regs[v] = SmallVector<Value>(flat.slice(k, arity[i]));
        k += arity[i];
      } else {
        map.map(v, flat[k++]);
      }
    }
  };
  distribute(newFor.getRegionIterArgs(), op.getRegionIterArgs());
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(nb);
    if (failed(lowerBlock(*op.getBody())))
      return failure();
    auto yield = cast<scf::YieldOp>(op.getBody()->getTerminator());
    SmallVector<Value> flat;
    for (auto [i, v] : llvm::enumerate(yield.getOperands())) {
      if (arity[i]) {
        auto &rv = regs[v];
        if (rv.size() != arity[i])
          return yield.emitError("loop-carried tile changes layout");
        flat.append(rv.begin(), rv.end());
      } else {
        flat.push_back(map.lookup(v));
      }
    }
    scf::YieldOp::create(b, loc, flat);
  }
  distribute(newFor.getResults(), op.getResults());
  return success();
}

/// A uniform branch without results (copies guarded by a loop bound).
LogicalResult KernelLowering::lowerIf(scf::IfOp op) {
  bool withElse = !op.getElseRegion().empty();
  auto newIf =
      scf::IfOp::create(b, loc, map.lookup(op.getCondition()), withElse);
  auto lowerRegion = [&](Region &from, Block *to) -> LogicalResult {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(to->getTerminator());
    return lowerBlock(from.front());
  };
  if (failed(lowerRegion(op.getThenRegion(), newIf.thenBlock())))
    return failure();
  if (withElse && failed(lowerRegion(op.getElseRegion(), newIf.elseBlock())))
    return failure();
  return success();
}

LogicalResult KernelLowering::lowerReduce(tile::ReduceOp op) {
  const LinearLayout *s = layoutOf(op, op.getSrc().getType());
  const LinearLayout *r = layoutOf(op, op.getType());
  if (!s || !r)
    return failure();
  unsigned axis = op.getAxis();
  Type elem = op.getType().getElementType();
  bool isFloat = isa<FloatType>(elem);
  auto combine = [&](Value x, Value y) -> Value {
    switch (op.getKind()) {
    case tile::ReduceKind::Max:
      return isFloat ? (Value)arith::MaximumFOp::create(b, loc, x, y)
                     : (Value)arith::MaxSIOp::create(b, loc, x, y);
    case tile::ReduceKind::Min:
      return isFloat ? (Value)arith::MinimumFOp::create(b, loc, x, y)
                     : (Value)arith::MinSIOp::create(b, loc, x, y);
    case tile::ReduceKind::Sum:
      return isFloat ? (Value)arith::AddFOp::create(b, loc, x, y)
                     : (Value)arith::AddIOp::create(b, loc, x, y);
    }
    return {};
  };
  SmallVector<unsigned> axisWarpBits;
  for (auto [i, w] : llvm::enumerate(s->warp))
    if (w[axis])
      axisWarpBits.push_back(i);
  bool crossLane =
      llvm::any_of(s->lane, [&](const Offsets &l) { return l[axis] != 0; });
  if (crossLane && elem.getIntOrFloatBitWidth() != 32)
    return op.emitError("cross-lane reductions need 32-bit elements");
  // In-thread partial results, one per result register, combined as a
  // balanced tree: log2(n) dependent steps instead of n - 1.
  SmallVector<SmallVector<Value>> terms(r->numRegs());
  const SmallVector<Value> &in = regs[op.getSrc()];
  for (int64_t i = 0; i < s->numRegs(); ++i) {
    Offsets o = s->regOffset(i);
    o.erase(o.begin() + axis);
    auto j = r->findReg(o);
    if (!j)
      return op.emitError("reduction result layout is not the slice of its "
                          "operand's layout");
    terms[*j].push_back(in[i]);
  }
  SmallVector<Value> partial(r->numRegs());
  for (auto [p, t] : llvm::zip(partial, terms)) {
    if (t.empty())
      return op.emitError("reduction result register without source");
    while (t.size() > 1) {
      SmallVector<Value> next;
      for (size_t k = 0; k + 1 < t.size(); k += 2)
        next.push_back(combine(t[k], t[k + 1]));
      if (t.size() % 2)
        next.push_back(t.back());
      t = std::move(next);
    }
    p = t.front();
  }
  for (Value &p : partial) {
    for (unsigned i = 0; i < s->lane.size(); ++i)
      if (s->lane[i][axis])
        p = combine(p, target.shuffleXor(b, loc, p, 1u << i));
  }
  if (!axisWarpBits.empty()) {
    // Across warps: every warp writes its partials to a scratch slot, then
    // every thread combines the slots of the elements it holds.
    auto offset = op->getAttrOfType<IntegerAttr>("tilegpu.scratch_offset");
    if (!offset)
      return op.emitError("reduction across warps needs scratch memory; run "
                          "tilegpu-allocate-shared-memory first");
    Value w = c32(0);
    for (auto [j, i] : llvm::enumerate(axisWarpBits))
      w = arith::OrIOp::create(
          b, loc, w, arith::ShLIOp::create(b, loc, bit(warp, i), c32(j)));
    int64_t slots = int64_t(1) << axisWarpBits.size();
    ArrayRef<int64_t> shape = op.getType().getShape();
    int64_t elems = 1;
    for (int64_t d : shape)
      elems *= d;
    Type slotTy = elem.getIntOrFloatBitWidth() < 32
                      ? Type(IntegerType::get(ctx, 32))
                      : elem;
    bool widen = slotTy != elem;
    Value base =
        LLVM::GEPOp::create(b, loc, ptrTy(3), b.getI8Type(), smem,
                            ArrayRef<LLVM::GEPArg>{int32_t(offset.getInt())});
    SmallVector<Value> rc = threadCoords(*r);
    auto linear = [&](int64_t q) {
      Offsets o = r->regOffset(q);
      Value lin = c32(0);
      int64_t stride = 1;
      for (int d = shape.size() - 1; d >= 0; --d) {
        lin = add(lin, mul(add(rc[d], c32(o[d])), c32(stride)));
        stride *= shape[d];
      }
      return lin;
    };
    auto toSlot = [&](Value v) -> Value {
      if (!widen)
        return v;
      Value bits = LLVM::BitcastOp::create(
          b, loc, IntegerType::get(ctx, elem.getIntOrFloatBitWidth()), v);
      return LLVM::ZExtOp::create(b, loc, slotTy, bits);
    };
    auto fromSlot = [&](Value v) -> Value {
      if (!widen)
        return v;
      Value bits = LLVM::TruncOp::create(
          b, loc, IntegerType::get(ctx, elem.getIntOrFloatBitWidth()), v);
      return LLVM::BitcastOp::create(b, loc, elem, bits);
    };
    target.barrier(b, loc); // earlier readers of this memory are done
    for (int64_t q = 0; q < r->numRegs(); ++q) {
      Value idx = add(mul(w, c32(elems)), linear(q));
      Value ptr = LLVM::GEPOp::create(b, loc, ptrTy(3), slotTy, base, idx);
      LLVM::StoreOp::create(b, loc, toSlot(partial[q]), ptr);
    }
    target.barrier(b, loc);
    for (int64_t q = 0; q < r->numRegs(); ++q) {
      Value lin = linear(q);
      Value acc;
      for (int64_t k = 0; k < slots; ++k) {
        Value ptr = LLVM::GEPOp::create(b, loc, ptrTy(3), slotTy, base,
                                        ValueRange{add(c32(k * elems), lin)});
        Value v = fromSlot(LLVM::LoadOp::create(b, loc, slotTy, ptr));
        acc = acc ? combine(acc, v) : v;
      }
      partial[q] = acc;
    }
  }
  regs[op.getResult()] = partial;
  return success();
}

LogicalResult KernelLowering::lowerDot(tile::DotOp op) {
  const LinearLayout *la = layoutOf(op, op.getA().getType());
  const LinearLayout *lb = layoutOf(op, op.getB().getType());
  const LinearLayout *lc = layoutOf(op, op.getType());
  if (!la || !lb || !lc)
    return failure();
  if (!isa<DotOperandEncodingAttr>(op.getA().getType().getEncoding()) ||
      !isa<DotOperandEncodingAttr>(op.getB().getType().getEncoding()) ||
      !isa<MmaEncodingAttr>(op.getType().getEncoding()))
    return op.emitError("dot needs MMA operand and accumulator layouts");
  Type elem = op.getA().getType().getElementType();
  if (failed(target.checkDot(op, elem, op.getB().getType().getElementType(),
                             op.getType().getElementType())))
    return failure();
  int64_t k = op.getA().getType().getShape()[1];
  SmallVector<Value> &A = regs[op.getA()], &B = regs[op.getB()];
  SmallVector<Value> C = regs[op.getAcc()];
  auto regAt = [&](const LinearLayout *ll, const SmallVector<Value> &v,
                   int64_t i, int64_t j) -> Value {
    auto r = ll->findReg(Offsets{i, j});
    return r ? v[*r] : Value();
  };
  // Accumulator tiles and their four registers.
  SmallVector<std::pair<Offsets, std::array<int64_t, 4>>> tiles;
  for (int64_t r = 0; r < lc->numRegs(); ++r) {
    Offsets o = lc->regOffset(r);
    if (o[0] % 16 || o[1] % 8)
      continue;
    std::array<int64_t, 4> ci;
    for (int q = 0; q < 4; ++q) {
      auto idx = lc->findReg(Offsets{o[0] + (q / 2) * 8, o[1] + q % 2});
      if (!idx)
        return op.emitError("accumulator layout is not an m16n8 MMA layout");
      ci[q] = *idx;
    }
    tiles.push_back({o, ci});
  }
  // K outermost: operands loaded from shared memory per K step stay live
  // for that step only.
  for (int64_t k0 = 0; k0 < k; k0 += 16) {
    for (Value operand : {op.getA(), op.getB()})
      if (deferred.contains(operand) &&
          failed(loadMatrixTiles(operand.getDefiningOp<LocalLoadOp>(), k0 / 16,
                                 regs[operand])))
        return failure();
    for (auto &[o, ci] : tiles) {
      int64_t m0 = o[0], n0 = o[1];
      SmallVector<Value> a, bb;
      for (auto [di, dk] :
           {std::pair<int64_t, int64_t>{0, 0}, {8, 0}, {0, 8}, {8, 8}}) {
        Value lo = regAt(la, A, m0 + di, k0 + dk);
        Value hi = regAt(la, A, m0 + di, k0 + dk + 1);
        if (!lo || !hi)
          return op.emitError("A operand layout does not match the MMA");
        a.push_back(packPair(lo, hi));
      }
      for (int64_t dk : {0, 8}) {
        Value lo = regAt(lb, B, k0 + dk, n0);
        Value hi = regAt(lb, B, k0 + dk + 1, n0);
        if (!lo || !hi)
          return op.emitError("B operand layout does not match the MMA");
        bb.push_back(packPair(lo, hi));
      }
      SmallVector<Value> c = {C[ci[0]], C[ci[1]], C[ci[2]], C[ci[3]]};
      SmallVector<Value> d = target.mma16816(b, loc, elem, a, bb, c);
      for (int q = 0; q < 4; ++q)
        C[ci[q]] = d[q];
    }
  }
  regs[op.getResult()] = C;
  return success();
}

KernelLowering::BlockAddress
KernelLowering::addressBlock(const Global &g, Type elem, ValueRange offsets,
                             ArrayRef<int64_t> tileDims) {
  unsigned rank = g.sizes.size();
  Type i64 = b.getI64Type(), i32 = b.getI32Type();
  SmallVector<Value> offs;
  for (Value o : offsets)
    offs.push_back(arith::IndexCastOp::create(b, loc, i64, map.lookup(o)));
  Value blockBase = c64(0);
  for (unsigned d = 0; d < rank; ++d)
    blockBase = add(blockBase, mul(offs[d], g.strides[d]));
  BlockAddress a;
  a.basePtr = LLVM::GEPOp::create(b, loc, ptrTy(1), elem, g.ptr, blockBase);
  SmallVector<bool> inTile(rank, false);
  for (int64_t d : tileDims)
    inTile[d] = true;
  SmallVector<Value> preds;
  for (unsigned d = 0; d < rank; ++d)
    if (!inTile[d])
      preds.push_back(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                            offs[d], g.sizes[d]));
  a.squeezeOk = allTrue(preds);
  for (int64_t d : tileDims) {
    Value rem = arith::SubIOp::create(b, loc, g.sizes[d], offs[d]);
    rem = arith::MaxSIOp::create(b, loc, rem, c64(0));
    rem = arith::MinSIOp::create(b, loc, rem, c64(INT32_MAX));
    a.lim.push_back(arith::TruncIOp::create(b, loc, i32, rem));
    a.stride32.push_back(arith::TruncIOp::create(b, loc, i32, g.strides[d]));
  }
  return a;
}

LogicalResult KernelLowering::lowerGlobalAccess(
    Operation *op, Value base, OperandRange offsets, ArrayRef<int64_t> tileDims,
    RankedTensorType tileTy, Value stored, bool atomic, TypedAttr pad) {
  auto git = globals.find(base);
  if (git == globals.end())
    return op->emitError("global tensor must be a kernel argument on the GPU");
  Global &g = git->second;
  const LinearLayout *ll = layoutOf(op, tileTy);
  if (!ll)
    return failure();
  Type elem = tileTy.getElementType();
  unsigned bits = elem.getIntOrFloatBitWidth();
  if (bits % 8 || (isa<FloatType>(elem) && !elem.isF16() && !elem.isBF16() &&
                   !elem.isF32() && !elem.isF64()))
    return op->emitError("tiles of ")
           << elem << " cannot be accessed in global memory on "
           << target.getName();
  if (atomic && !(elem.isF32() || elem.isF16() || elem.isInteger(32)))
    return op->emitError("atomic_add supports f32, f16 and i32 on ")
           << target.getName();
  unsigned rank = g.sizes.size();
  Type i64 = b.getI64Type();

  Type gptr = ptrTy(1);
  auto [basePtr, squeezeOk, lim, stride32] =
      addressBlock(g, elem, offsets, tileDims);

  // Vectorize along the innermost global dimension when every vector is
  // known to be in or out of bounds as a whole.
  int64_t vec = 1;
  int64_t innerTileDim = -1;
  for (auto [t, d] : llvm::enumerate(tileDims))
    if (d == int64_t(rank) - 1)
      innerTileDim = t;
  if (innerTileDim >= 0 && !atomic &&
      matchPattern(offsets[rank - 1], m_Zero())) {
    std::optional<int64_t> staticInner;
    auto mt = cast<MemRefType>(base.getType());
    if (!mt.isDynamicDim(rank - 1))
      staticInner = mt.getDimSize(rank - 1);
    if (auto arg = dyn_cast<BlockArgument>(base))
      if (auto dims = getKernelArgAttr<ArrayAttr>(kernel, arg.getArgNumber(),
                                                  "tile.dims"))
        if (auto n = dyn_cast<IntegerAttr>(dims[rank - 1]))
          staticInner = n.getInt();
    if (staticInner) {
      int64_t v = contiguousRegs(*ll, innerTileDim, 128 / bits);
      while (v > 1 && *staticInner % v)
        v /= 2;
      vec = v;
    }
  }

  SmallVector<Value> coords = threadCoords(*ll);
  Value owner = stored ? ownerPredicate(*ll) : Value();
  Type vecTy = vec > 1 ? Type(VectorType::get({vec}, elem)) : elem;
  unsigned align = vec * bits / 8;
  SmallVector<Value> out(ll->numRegs());
  Value padValue =
      pad ? (Value)arith::ConstantOp::create(b, loc, pad) : Value();
  for (int64_t r = 0; r < ll->numRegs(); r += vec) {
    Offsets o = ll->regOffset(r);
    SmallVector<Value> inb = {squeezeOk};
    Value elemOff = c32(0);
    for (unsigned t = 0; t < tileDims.size(); ++t) {
      Value c = add(coords[t], c32(o[t]));
      inb.push_back(
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, c, lim[t]));
      elemOff = add(elemOff, mul(c, stride32[t]));
    }
    Value pred = allTrue(inb);
    Value off64 = arith::ExtSIOp::create(b, loc, i64, elemOff);
    Value ptr = LLVM::GEPOp::create(b, loc, gptr, elem, basePtr, off64);
    if (!stored) {
      Value safe = LLVM::SelectOp::create(b, loc, pred, ptr, g.ptr);
      Value v = LLVM::LoadOp::create(b, loc, vecTy, safe, align);
      for (int64_t i = 0; i < vec; ++i) {
        Value e = vec > 1
                      ? (Value)LLVM::ExtractElementOp::create(b, loc, v, c32(i))
                      : v;
        out[r + i] = arith::SelectOp::create(b, loc, pred, e, padValue);
      }
      continue;
    }
    const SmallVector<Value> &src = regs[stored];
    Value v;
    if (vec > 1) {
      v = LLVM::PoisonOp::create(b, loc, vecTy);
      for (int64_t i = 0; i < vec; ++i)
        v = LLVM::InsertElementOp::create(b, loc, v, src[r + i], c32(i));
    } else {
      v = src[r];
    }
    auto ifOp = scf::IfOp::create(b, loc, andi(pred, owner), false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
    if (atomic) {
      auto kind = isa<FloatType>(elem) ? LLVM::AtomicBinOp::fadd
                                       : LLVM::AtomicBinOp::add;
      LLVM::AtomicRMWOp::create(b, loc, kind, ptr, v,
                                LLVM::AtomicOrdering::monotonic);
    } else {
      LLVM::StoreOp::create(b, loc, v, ptr, align);
    }
  }
  if (!stored)
    regs[op->getResult(0)] = out;
  return success();
}

LogicalResult KernelLowering::lowerAsyncCopy(AsyncCopyOp op) {
  auto git = globals.find(op.getBase());
  if (git == globals.end())
    return op.emitError("global tensor must be a kernel argument on the GPU");
  Global &g = git->second;
  auto bufTy = op.getDst().getType();
  auto enc = cast<SharedEncodingAttr>(bufTy.getEncoding());
  Type elem = bufTy.getElementType();
  unsigned bits = elem.getIntOrFloatBitWidth();
  std::string error;
  auto ll = toLinearLayout(op.getLayout(), bufTy.getShape(), error);
  if (!ll)
    return op.emitError() << error;
  int64_t vec = 128 / bits;
  if (bits % 8 || contiguousRegs(*ll, ll->rank() - 1, vec) != vec ||
      enc.getOrder()[0] != ll->rank() - 1)
    return op.emitError("async copies need 16-byte vectors along the "
                        "innermost dimension");
  unsigned rank = g.sizes.size();
  Type i64 = b.getI64Type();
  SmallVector<int64_t> tileDims;
  if (auto d = op.getDims())
    tileDims.assign(d->begin(), d->end());
  else
    for (unsigned i = 0; i < rank; ++i)
      tileDims.push_back(i);
  Type gptr = ptrTy(1);
  auto [basePtr, squeezeOk, lim, stride32] =
      addressBlock(g, elem, op.getOffsets(), tileDims);
  SmallVector<Value> coords = threadCoords(*ll);
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
  Value threadOff = c32(0);
  SmallVector<Value> room;
  for (unsigned t = 0; t < tileDims.size(); ++t) {
    threadOff = add(threadOff, mul(coords[t], stride32[t]));
    room.push_back(arith::SubIOp::create(b, loc, lim[t], coords[t]));
  }
  Value ptr = LLVM::GEPOp::create(
      b, loc, gptr, elem, basePtr,
      ValueRange{arith::ExtSIOp::create(b, loc, i64, threadOff)});
  Offsets prev(tileDims.size(), 0);
  for (int64_t r = 0; r < ll->numRegs(); r += vec) {
    Offsets o = ll->regOffset(r);
    SmallVector<Value> inb = {squeezeOk};
    Value delta = c32(0);
    bool moved = false;
    for (unsigned t = 0; t < tileDims.size(); ++t) {
      if (checked[t])
        inb.push_back(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt,
                                            room[t], c32(o[t])));
      if (o[t] != prev[t]) {
        delta = add(delta, mul(c32(o[t] - prev[t]), stride32[t]));
        moved = true;
      }
    }
    if (moved) {
      Value bytes = arith::MulIOp::create(
          b, loc, arith::ExtSIOp::create(b, loc, i64, delta),
          arith::ConstantIntOp::create(b, loc, i64, bits / 8));
      ptr = target.stepPointer(b, loc, ptr, bytes);
    }
    prev = o;
    Value pred = allTrue(inb);
    // With 0 source bytes nothing is read: the address may lie outside.
    Value srcBytes = arith::SelectOp::create(b, loc, pred, c32(16), c32(0));
    Value dst = LLVM::GEPOp::create(
        b, loc, ptrTy(3), elem, dstBase,
        ValueRange{sharedOffset(enc, bufTy.getShape(), coords, o)});
    target.asyncCopy16(b, loc, dst, ptr, srcBytes);
  }
  return success();
}

LogicalResult KernelLowering::lowerLocalAlloc(LocalAllocOp op) {
  auto offset = op.getOffset();
  if (!offset)
    return op.emitError("buffer has no offset; run "
                        "tilegpu-allocate-shared-memory first");
  auto bufTy = op.getType();
  auto enc = cast<SharedEncodingAttr>(bufTy.getEncoding());
  const LinearLayout *ll = layoutOf(op, op.getSrc().getType());
  if (!ll)
    return failure();
  Type elem = bufTy.getElementType();
  unsigned bits = elem.getIntOrFloatBitWidth();
  Type i8 = b.getI8Type();
  Value base = LLVM::GEPOp::create(b, loc, ptrTy(3), i8, smem,
                                   ArrayRef<LLVM::GEPArg>{int32_t(*offset)});
  unsigned f = enc.getOrder()[0];
  int64_t limit = enc.getMaxPhase() > 1 ? enc.getVec() : 128 / bits;
  int64_t vec = contiguousRegs(*ll, f, std::min<int64_t>(limit, 128 / bits));
  Type vecTy = vec > 1 ? Type(VectorType::get({vec}, elem)) : elem;
  SmallVector<Value> coords = threadCoords(*ll);
  const SmallVector<Value> &src = regs[op.getSrc()];
  // Earlier readers of this memory must be done before it is overwritten.
  target.barrier(b, loc);
  for (int64_t r = 0; r < ll->numRegs(); r += vec) {
    Offsets o = ll->regOffset(r);
    Value off = sharedOffset(enc, bufTy.getShape(), coords, o);
    Value ptr = LLVM::GEPOp::create(b, loc, ptrTy(3), elem, base, off);
    Value v = src[r];
    if (vec > 1) {
      v = LLVM::PoisonOp::create(b, loc, vecTy);
      for (int64_t i = 0; i < vec; ++i)
        v = LLVM::InsertElementOp::create(b, loc, v, src[r + i], c32(i));
    }
    LLVM::StoreOp::create(b, loc, v, ptr, vec * bits / 8);
  }
  target.barrier(b, loc);
  regs[op.getResult()] = {base};
  return success();
}

bool KernelLowering::canLoadMatrix(LocalLoadOp op) {
  auto bufTy = op.getSrc().getType();
  auto enc = cast<SharedEncodingAttr>(bufTy.getEncoding());
  auto dotEnc = dyn_cast<DotOperandEncodingAttr>(op.getType().getEncoding());
  unsigned f = enc.getOrder()[0];
  bool rowsContiguous = enc.getVec() == 8 || enc.getMaxPhase() == 1;
  return dotEnc && bufTy.getElementType().getIntOrFloatBitWidth() == 16 &&
         rowsContiguous && bufTy.getShape().size() == 2 &&
         bufTy.getShape()[f] % 8 == 0;
}

LogicalResult KernelLowering::loadMatrixTiles(LocalLoadOp op,
                                              std::optional<int64_t> kTile,
                                              SmallVector<Value> &out) {
  auto bufTy = op.getSrc().getType();
  auto enc = cast<SharedEncodingAttr>(bufTy.getEncoding());
  const LinearLayout *ll = layoutOf(op, op.getType());
  if (!ll)
    return failure();
  Value base = regs[op.getSrc()][0];
  Type elem = bufTy.getElementType();
  ArrayRef<int64_t> shape = bufTy.getShape();
  unsigned f = enc.getOrder()[0];
  auto dotEnc = cast<DotOperandEncodingAttr>(op.getType().getEncoding());
  {
    // ldmatrix: each lane names the start of one 8-element row.
    unsigned idx = dotEnc.getOpIdx();
    unsigned kDim = idx == 0 ? 1 : 0; // K is A's dim 1 and B's dim 0
    unsigned other = 1 - kDim;
    bool trans = f != kDim;
    SmallVector<Value> warpBase = threadCoords(*ll, /*lanes=*/false);
    // Step between the two M/N tiles one x4 load covers.
    int64_t step = idx == 0 ? 8 : 0;
    if (idx == 1)
      for (const Offsets &rb : ll->reg)
        if (rb[1] && (!step || rb[1] < step))
          step = rb[1];
    unsigned num = (idx == 0 || step) ? 4 : 2;
    Value mat = arith::DivUIOp::create(b, loc, lane, c32(8));
    if (num == 2)
      mat = arith::RemUIOp::create(b, loc, mat, c32(2));
    Value row = arith::RemUIOp::create(b, loc, lane, c32(8));
    // For A, matrices 0..3 are (m, k), (m+8, k), (m, k+8), (m+8, k+8); for
    // B they are (k, n), (k+8, n), (k, n+step), (k+8, n+step).
    Value matLo = arith::RemUIOp::create(b, loc, mat, c32(2));
    Value matHi = arith::DivUIOp::create(b, loc, mat, c32(2));
    Value mnSel = idx == 0 ? matLo : matHi; // selects the +8/+step along M/N
    Value kSel = idx == 0 ? matHi : matLo;  // selects the +8 along K
    int64_t mnStep = idx == 0 ? 8 : step;
    // The lane's row start, without the register tile origin.
    SmallVector<Value> laneCoords(2);
    {
      Value kc = add(warpBase[kDim], mul(kSel, c32(8)));
      Value mc = add(warpBase[other], mul(mnSel, c32(mnStep)));
      if (!trans)
        mc = add(mc, row); // rows run along M/N, 8 K elements each
      else
        kc = add(kc, row); // rows run along K, 8 M/N elements each
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
      auto [off, constant] = sharedOffsetParts(enc, shape, laneCoords, o);
      Value ptr = LLVM::GEPOp::create(b, loc, ptrTy(3), elem, base, off);
      SmallVector<Value> m = target.loadMatrix(
          b, loc, ptr, constant * elem.getIntOrFloatBitWidth() / 8, num, trans);
      for (unsigned j = 0; j < num; ++j) {
        auto [lo, hi] = unpackPair(m[j], elem);
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

LogicalResult KernelLowering::lowerLocalLoad(LocalLoadOp op) {
  auto bufTy = op.getSrc().getType();
  auto enc = cast<SharedEncodingAttr>(bufTy.getEncoding());
  const LinearLayout *ll = layoutOf(op, op.getType());
  if (!ll)
    return failure();
  Value base = regs[op.getSrc()][0];
  Type elem = bufTy.getElementType();
  unsigned bits = elem.getIntOrFloatBitWidth();
  ArrayRef<int64_t> shape = bufTy.getShape();
  unsigned f = enc.getOrder()[0];
  SmallVector<Value> out(ll->numRegs());
  if (canLoadMatrix(op)) {
    // An operand read only by the dot that follows is loaded one K step at
    // a time inside the dot, so its registers are live one step only.
    if (op->hasOneUse() && isa<tile::DotOp>(*op->user_begin()) &&
        (*op->user_begin())->getBlock() == op->getBlock()) {
      deferred.insert(op.getResult());
      regs[op.getResult()] = out;
      return success();
    }
    if (failed(loadMatrixTiles(op, std::nullopt, out)))
      return failure();
    regs[op.getResult()] = out;
    return success();
  }

  // Generic path: element (or short vector) loads.
  int64_t limit = enc.getMaxPhase() > 1 ? enc.getVec() : 128 / bits;
  int64_t vec = contiguousRegs(*ll, f, std::min<int64_t>(limit, 128 / bits));
  Type vecTy = vec > 1 ? Type(VectorType::get({vec}, elem)) : elem;
  SmallVector<Value> coords = threadCoords(*ll);
  for (int64_t r = 0; r < ll->numRegs(); r += vec) {
    Offsets o = ll->regOffset(r);
    Value off = sharedOffset(enc, shape, coords, o);
    Value ptr = LLVM::GEPOp::create(b, loc, ptrTy(3), elem, base, off);
    Value v = LLVM::LoadOp::create(b, loc, vecTy, ptr, vec * bits / 8);
    for (int64_t i = 0; i < vec; ++i)
      out[r + i] =
          vec > 1 ? (Value)LLVM::ExtractElementOp::create(b, loc, v, c32(i))
                  : v;
  }
  regs[op.getResult()] = out;
  return success();
}

struct ConvertTileGPUToLLVMPass
    : fa::impl::ConvertTileGPUToLLVMBase<ConvertTileGPUToLLVMPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::string error;
    auto targetInfo = createTargetInfo(target, error);
    if (!targetInfo) {
      module.emitError(error);
      return signalPassFailure();
    }
    SmallVector<tile::KernelOp> kernels(module.getOps<tile::KernelOp>());
    if (!kernels.empty() && !module.lookupSymbol(kSharedSymbol)) {
      OpBuilder b(module.getBodyRegion());
      auto arr = LLVM::LLVMArrayType::get(b.getI8Type(), 0);
      LLVM::GlobalOp::create(b, module.getLoc(), arr, /*isConstant=*/false,
                             LLVM::Linkage::External, kSharedSymbol,
                             Attribute(), /*alignment=*/16,
                             targetInfo->getSharedAddressSpace());
    }
    for (tile::KernelOp kernel : kernels) {
      KernelLowering lowering(kernel, *targetInfo);
      if (failed(lowering.run()))
        return signalPassFailure();
      kernel.erase();
    }
  }
};
} // namespace
