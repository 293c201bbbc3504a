//===- Tma.cpp - TMA as a copy engine: rule and protocol ------------------===//

#include "fa/Target/NVIDIA/Tma.h"

#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"
#include "fa/Dialect/TileNV/IR/TileNVDialect.h"

using namespace mlir;
using fa::tilegpu::SharedBufferType;
using fa::tilegpu::SharedEncodingAttr;

/// The 128-byte swizzle of 16-bit rows, row-major (innermost dimension
/// fastest): the layout a TMA box of 64 elements per row writes.
static bool isSwizzle128(SharedEncodingAttr enc) {
  return enc && enc.getVec() == 8 && enc.getPerPhase() == 1 &&
         enc.getMaxPhase() == 8 && enc.getOrder().size() == 2 &&
         enc.getOrder()[0] == 1;
}

/// Elements per box row: the 128-byte swizzle span.
static int64_t boxWidth(Type elem) {
  return fa::nvidia::kTmaSwizzleBytes * 8 / elem.getIntOrFloatBitWidth();
}

bool fa::nvidia::canTma(const AsyncCopyRequest &copy, std::string &why) {
  auto buffer = dyn_cast_or_null<SharedBufferType>(copy.buffer);
  if (!copy.tile || !buffer || buffer.getShape().size() != 2) {
    why = "TMA copies 2-D blocks into a shared buffer";
    return false;
  }
  Type elem = buffer.getElementType();
  if (!elem.isBF16() && !elem.isF16()) {
    why = "TMA copies (128-byte swizzle) take 16-bit elements here";
    return false;
  }
  if (!copy.zeroPadding) {
    why = "TMA fills out-of-bounds elements with zero only";
    return false;
  }
  auto enc = dyn_cast<SharedEncodingAttr>(buffer.getEncoding());
  int64_t rows = buffer.getShape()[0], cols = buffer.getShape()[1];
  int64_t box = boxWidth(elem);
  if (!isSwizzle128(enc) ||
      !(cols == box || (enc.getPanel() == box && cols % box == 0))) {
    why = "TMA writes 128-byte-swizzled rows of 64 elements (or panels of "
          "them)";
    return false;
  }
  if (rows > kTmaMaxBox) {
    why = "a TMA box has at most 256 rows";
    return false;
  }
  if (!copy.rowAligned || !copy.rowElements || *copy.rowElements % 8) {
    why = "TMA needs rows of the block that start rows of the tensor, whose "
          "compile-time width is a multiple of 16 bytes";
    return false;
  }
  return true;
}

namespace {
class TmaProtocol : public fa::BarrierCopyProtocol {
public:
  int64_t getBufferAlignment() const override {
    return fa::nvidia::kTmaBufferAlign;
  }

  Type getSlotType(Type wanted) const override {
    auto ty = dyn_cast<SharedBufferType>(wanted);
    auto enc = ty ? dyn_cast<SharedEncodingAttr>(ty.getEncoding())
                  : SharedEncodingAttr();
    if (!enc || ty.getShape().size() != 2 || enc.getPanel() ||
        !ty.getElementType().isIntOrFloat())
      return wanted;
    // Rows wider than a box are stored as one box-wide panel per box.
    int64_t box = boxWidth(ty.getElementType());
    int64_t cols = ty.getShape()[1];
    if (cols <= box || cols % box)
      return wanted;
    auto penc = SharedEncodingAttr::get(ty.getContext(), enc.getVec(),
                                        enc.getPerPhase(), enc.getMaxPhase(),
                                        enc.getOrder(), unsigned(box));
    return SharedBufferType::get(ty.getContext(), ty.getShape(),
                                 ty.getElementType(), penc);
  }

  DictionaryAttr describeTensor(Type tensor, ArrayRef<int64_t> dims,
                                Type slot) const override {
    auto mt = cast<MemRefType>(tensor);
    auto st = cast<SharedBufferType>(slot);
    MLIRContext *ctx = tensor.getContext();
    Builder b(ctx);
    SmallVector<int64_t> box(mt.getRank(), 1);
    for (auto [i, d] : llvm::enumerate(dims))
      box[d] = st.getShape()[i];
    box.back() = std::min(box.back(), boxWidth(mt.getElementType()));
    return b.getDictionaryAttr({
        b.getNamedAttr("kind", b.getStringAttr("tensormap")),
        b.getNamedAttr("box", b.getDenseI64ArrayAttr(box)),
        b.getNamedAttr("swizzle",
                       b.getI64IntegerAttr(fa::nvidia::kTmaSwizzleBytes)),
        b.getNamedAttr("fill", b.getStringAttr("zero")),
        b.getNamedAttr("bytes",
                       b.getI64IntegerAttr(fa::nvidia::kTensorMapBytes)),
        b.getNamedAttr("align",
                       b.getI64IntegerAttr(fa::nvidia::kTensorMapAlign)),
    });
  }

  void init(OpBuilder &b, Location loc, Value barriers) const override {
    fa::tilenv::MBarrierInitOp::create(b, loc, barriers, 1);
  }
  void expect(OpBuilder &b, Location loc, Value barriers, Value slot,
              int64_t bytes) const override {
    fa::tilenv::MBarrierExpectOp::create(b, loc, barriers, slot,
                                         int32_t(bytes));
  }
  void copy(OpBuilder &b, Location loc, Value base, ValueRange offsets,
            ArrayRef<int64_t> dims, Value dst, Value barriers,
            Value slot) const override {
    fa::tilenv::TmaLoadOp::create(b, loc, base, offsets,
                                  b.getDenseI64ArrayAttr(dims), dst, barriers,
                                  slot);
  }
  void wait(OpBuilder &b, Location loc, Value barriers, Value slot,
            Value phase) const override {
    fa::tilenv::MBarrierWaitOp::create(b, loc, barriers, slot, phase);
  }
  void release(OpBuilder &b, Location loc, Value barriers) const override {
    fa::tilenv::MBarrierInvalOp::create(b, loc, barriers);
  }

  bool hasConsumerRelease() const override { return true; }
  void initEmpty(OpBuilder &b, Location loc, Value barriers,
                 int64_t threads) const override {
    fa::tilenv::MBarrierInitOp::create(b, loc, barriers, int32_t(threads));
  }
  void arriveEmpty(OpBuilder &b, Location loc, Value barriers,
                   Value slot) const override {
    fa::tilenv::MBarrierArriveOp::create(b, loc, barriers, slot);
  }
  void waitEmpty(OpBuilder &b, Location loc, Value barriers, Value slot,
                 Value phase) const override {
    auto wait =
        fa::tilenv::MBarrierWaitOp::create(b, loc, barriers, slot, phase);
    wait.setElected(true);
  }
};
} // namespace

const fa::BarrierCopyProtocol &fa::nvidia::getTmaProtocol() {
  static const TmaProtocol protocol;
  return protocol;
}
