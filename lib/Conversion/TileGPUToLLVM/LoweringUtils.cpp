//===- LoweringUtils.cpp - helpers shared by the tilegpu lowerings --------===//

#include "fa/Conversion/TileGPUToLLVM/KernelLowering.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;
using namespace fa;
using namespace fa::tilegpu;

Value KernelLowering::c32(int64_t v) {
  return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
}
Value KernelLowering::c64(int64_t v) {
  return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v));
}
Value KernelLowering::add(Value x, Value y) {
  return arith::AddIOp::create(b, loc, x, y);
}
Value KernelLowering::mul(Value x, Value y) {
  return arith::MulIOp::create(b, loc, x, y);
}
Value KernelLowering::andi(Value x, Value y) {
  return arith::AndIOp::create(b, loc, x, y);
}
Value KernelLowering::bit(Value x, unsigned i) {
  return andi(arith::ShRUIOp::create(b, loc, x, c32(i)), c32(1));
}
Value KernelLowering::allTrue(ArrayRef<Value> preds) {
  Value p;
  for (Value v : preds)
    p = p ? andi(p, v) : v;
  return p ? p : arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
}
Type KernelLowering::ptrTy(unsigned as) {
  return LLVM::LLVMPointerType::get(ctx, as);
}

const LinearLayout *KernelLowering::layoutOf(Operation *op, Type type) {
  auto t = dyn_cast<RankedTensorType>(type);
  auto enc =
      t ? dyn_cast_or_null<DistributedLayoutAttrInterface>(t.getEncoding())
        : DistributedLayoutAttrInterface();
  if (!enc) {
    op->emitError() << "tile " << type
                    << " has no GPU layout; run tilegpu-assign-layouts first";
    return nullptr;
  }
  auto key = std::make_pair(t.getEncoding().getAsOpaquePointer(),
                            t.getAsOpaquePointer());
  auto it = layoutCache.find(key);
  if (it != layoutCache.end())
    return &it->second;
  if (enc.getLanesPerWarp() != target.getWarpSize()) {
    op->emitError() << "layout " << t.getEncoding() << " spreads over "
                    << enc.getLanesPerWarp() << " lanes, but a warp of "
                    << target.getName() << " has " << target.getWarpSize();
    return nullptr;
  }
  if (enc.getNumWarps() != numWarps) {
    op->emitError() << "layout " << t.getEncoding() << " spreads over "
                    << enc.getNumWarps() << " warps, but the kernel runs "
                    << numWarps << " (the module's #tilegpu.target)";
    return nullptr;
  }
  std::string error;
  auto ll = enc.toLinearLayout(t.getShape(), error);
  if (!ll) {
    op->emitError() << error;
    return nullptr;
  }
  return &layoutCache.emplace(key, *ll).first->second;
}

SmallVector<Value> KernelLowering::threadCoords(const LinearLayout &ll,
                                                bool lanes, bool warps) {
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

Value KernelLowering::ownerPredicate(const LinearLayout &ll) {
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

int64_t KernelLowering::contiguousRegs(const LinearLayout &ll, unsigned dim,
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

Value KernelLowering::sharedOffset(SharedLayoutAttrInterface enc,
                                   ArrayRef<int64_t> shape, ArrayRef<Value> t,
                                   ArrayRef<int64_t> c) {
  auto [runtime, constant] = sharedOffsetParts(enc, shape, t, c);
  return add(runtime, c32(constant));
}

std::pair<Value, int64_t>
KernelLowering::sharedOffsetParts(SharedLayoutAttrInterface enc,
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
  Value tCol = t[f];
  int64_t cCol = c[f];
  if (int64_t panel = enc.getPanel(); panel && len > panel) {
    // [rows][len] stored as [len / panel][rows][panel] within each matrix
    // of the two fastest dimensions: panel p of row r is row
    // (outer * len / panel + p) * rows + r of `panel` columns. Panel and
    // row bits stay disjoint, so the split above still holds.
    int64_t rows = shape[order[1]];
    Value tIn = t[order[1]],
          tOuter = arith::DivUIOp::create(b, loc, tRow, c32(rows));
    int64_t cIn = c[order[1]], cOuter = cRow / rows;
    Value tPanel = arith::DivUIOp::create(b, loc, tCol, c32(panel));
    tRow = add(mul(add(mul(tOuter, c32(len / panel)), tPanel), c32(rows)), tIn);
    cRow = (cOuter * (len / panel) + cCol / panel) * rows + cIn;
    tCol = arith::RemUIOp::create(b, loc, tCol, c32(panel));
    cCol %= panel;
    len = panel;
  }
  if (enc.getMaxPhase() <= 1) {
    int64_t pitch = len + enc.getPad();
    return {add(mul(tRow, c32(pitch)), tCol), cRow * pitch + cCol};
  }
  int64_t vec = enc.getVec(), per = enc.getPerPhase(),
          maxPhase = enc.getMaxPhase();
  Value tChunk = arith::DivUIOp::create(b, loc, tCol, c32(vec));
  Value tPhase = arith::RemUIOp::create(
      b, loc, arith::DivUIOp::create(b, loc, tRow, c32(per)), c32(maxPhase));
  Value tSw = arith::XOrIOp::create(b, loc, tChunk, tPhase);
  int64_t cSw = (cCol / vec) ^ ((cRow / per) % maxPhase);
  Value sw = arith::XOrIOp::create(b, loc, tSw, c32(cSw % maxPhase));
  Value tIn = arith::RemUIOp::create(b, loc, tCol, c32(vec));
  Value runtime = add(add(mul(tRow, c32(len)), mul(sw, c32(vec))), tIn);
  int64_t constant = cRow * len + (cSw - cSw % maxPhase) * vec + cCol % vec;
  return {runtime, constant};
}

KernelLowering::Global *KernelLowering::lookupGlobal(Operation *op,
                                                     Value base) {
  auto it = globals.find(base);
  if (it == globals.end()) {
    op->emitError("global tensor must be a kernel argument on the GPU");
    return nullptr;
  }
  return &it->second;
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
  a.basePtr =
      LLVM::GEPOp::create(b, loc, globalPtrTy(), elem, g.ptr, blockBase);
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
