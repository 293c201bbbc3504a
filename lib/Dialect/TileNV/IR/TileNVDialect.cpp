//===- TileNVDialect.cpp - NVIDIA layouts of the GPU back end -------------===//
//
// The mma.sync (version 2) and wgmma (version 3) accumulator and operand
// layouts. Their lane bases are the instructions': 32 lanes, 5 lane bits.
//
//===----------------------------------------------------------------------===//

#include "fa/Dialect/TileNV/IR/TileNVDialect.h"
#include "fa/Dialect/TileGPU/IR/LinearLayout.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace fa::tilenv;
using fa::tilegpu::LinearLayout;
using fa::tilegpu::Offsets;

#include "fa/Dialect/TileNV/IR/TileNVDialect.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "fa/Dialect/TileNV/IR/TileNVAttrs.cpp.inc"

#define GET_OP_CLASSES
#include "fa/Dialect/TileNV/IR/TileNVOps.cpp.inc"

void TileNVDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "fa/Dialect/TileNV/IR/TileNVAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "fa/Dialect/TileNV/IR/TileNVOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// mbarrier and TMA ops
//===----------------------------------------------------------------------===//

/// A ring of mbarriers: S slots of one i64 each.
static LogicalResult verifyBarriers(Operation *op, Value barriers) {
  auto ty = cast<fa::tilegpu::SharedBufferType>(barriers.getType());
  if (ty.getShape().size() != 2 || ty.getShape()[0] < 1 ||
      ty.getShape()[1] != 1 || !ty.getElementType().isInteger(64))
    return op->emitOpError("barriers must be a shared ring of Nx1xi64");
  return success();
}

LogicalResult MBarrierInitOp::verify() {
  if (getCount() < 1)
    return emitOpError("arrival count must be at least 1");
  return verifyBarriers(*this, getBarriers());
}
LogicalResult MBarrierExpectOp::verify() {
  if (getBytes() < 1)
    return emitOpError("expected bytes must be positive");
  return verifyBarriers(*this, getBarriers());
}
LogicalResult MBarrierWaitOp::verify() {
  return verifyBarriers(*this, getBarriers());
}
LogicalResult SetMaxNRegOp::verify() {
  int32_t n = getCount();
  if (n < 24 || n > 256 || n % 8)
    return emitOpError("register count must be a multiple of 8 in [24, 256]");
  return success();
}
/// Named barrier ids per consumer warpgroup: 2..15 (0 and 1 are the
/// kernel's CTA-wide and consumer barriers) or -1 (not this warpgroup), at
/// least one taken; a thread count that is a positive multiple of a warp.
static LogicalResult verifyNamedBarrier(Operation *op, ArrayRef<int32_t> ids,
                                        int32_t threads) {
  if (ids.empty() || llvm::all_of(ids, [](int32_t id) { return id == -1; }))
    return op->emitOpError("needs a barrier id for some warpgroup");
  for (int32_t id : ids)
    if (id != -1 && (id < 2 || id > 15))
      return op->emitOpError("barrier id ")
             << id << " is not in [2, 15] (nor -1)";
  if (threads <= 0 || threads % 32)
    return op->emitOpError("thread count must be a positive multiple of 32");
  return success();
}
LogicalResult NamedBarrierSyncOp::verify() {
  return verifyNamedBarrier(*this, getIds(), getThreads());
}
LogicalResult NamedBarrierArriveOp::verify() {
  return verifyNamedBarrier(*this, getIds(), getThreads());
}
LogicalResult MBarrierArriveOp::verify() {
  return verifyBarriers(*this, getBarriers());
}
LogicalResult MBarrierInvalOp::verify() {
  return verifyBarriers(*this, getBarriers());
}

LogicalResult TmaLoadOp::verify() {
  if (failed(verifyBarriers(*this, getBarriers())))
    return failure();
  auto mt = cast<MemRefType>(getBase().getType());
  if (getOffsets().size() != size_t(mt.getRank()))
    return emitOpError("needs one offset per dimension of the tensor");
  auto dst = getDst().getType();
  ArrayRef<int64_t> dims = getDims();
  if (dims.size() != dst.getShape().size())
    return emitOpError("needs one tile dimension per buffer dimension");
  for (auto [i, d] : llvm::enumerate(dims))
    if (d < 0 || d >= mt.getRank() || (i && d <= dims[i - 1]))
      return emitOpError("tile dimensions must be increasing dimensions of "
                         "the tensor");
  if (mt.getElementType() != dst.getElementType())
    return emitOpError("element types of the tensor and the buffer differ");
  return success();
}

LogicalResult
MmaEncodingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        unsigned version, ArrayRef<unsigned> wpc,
                        ArrayRef<unsigned> instrShape) {
  if (version != 2 && version != 3)
    return emitError() << "mma version must be 2 (mma.sync m16n8k16) or 3 "
                          "(wgmma m64nNk16)";
  if (wpc.size() != 2 || !llvm::isPowerOf2_32(wpc[0]) ||
      !llvm::isPowerOf2_32(wpc[1]))
    return emitError() << "mma warpsPerCTA must be two powers of two";
  if (version == 2) {
    if (!instrShape.empty())
      return emitError() << "mma version 2 takes no instrShape";
    return success();
  }
  // wgmma: whole warpgroups (4 warps along M), then along N.
  if (wpc[0] % 4)
    return emitError() << "wgmma warpsPerCTA must be [4k, n] (the warps of "
                          "a warpgroup along M)";
  if (instrShape.size() != 3 || instrShape[0] != 64 || instrShape[2] != 16 ||
      instrShape[1] % 8 || instrShape[1] < 8 || instrShape[1] > 256)
    return emitError() << "wgmma instrShape must be [64, N, 16] with N a "
                          "multiple of 8 up to 256";
  if (wpc[1] > 1 && !llvm::isPowerOf2_32(instrShape[1]))
    return emitError() << "wgmma with warpgroups along N needs a power-of-two "
                          "instruction N";
  return success();
}

unsigned MmaEncodingAttr::getNumWarps() const {
  return getWarpsPerCTA()[0] * getWarpsPerCTA()[1];
}

unsigned MmaEncodingAttr::getLanesPerWarp() const { return 32; }

unsigned MmaEncodingAttr::getMmaVersion() const { return getVersion(); }

// wgmma's 128-byte swizzle repeats every 8 rows of 128 bytes; descriptors
// address it from a 1024-byte boundary.
int64_t MmaEncodingAttr::getSharedAlignment() const {
  return getVersion() == 3 ? 1024 : 128;
}

unsigned MmaEncodingAttr::getOperandSharedPanel(unsigned opIdx,
                                                int64_t rowElements,
                                                unsigned elemBits) const {
  // wgmma reads B, and A in the SS form, through 128-byte-swizzle
  // descriptors, which address rows of 128 bytes: wider rows are stored as
  // 128-byte panels.
  if (getVersion() != 3 || opIdx > 1 || rowElements * elemBits <= 1024)
    return 0;
  return 1024 / elemBits;
}

/// The lanes of a quad hold neighbouring columns (`fast`), the 8 quads
/// neighbouring rows (`slow`): the fragment arrangement of m16n8k16.
static SmallVector<Offsets> fragmentLanes(unsigned fast, unsigned slow,
                                          int64_t fastFirst) {
  return {LinearLayout::unit(2, fast, fastFirst),
          LinearLayout::unit(2, fast, fastFirst * 2),
          LinearLayout::unit(2, slow, 1), LinearLayout::unit(2, slow, 2),
          LinearLayout::unit(2, slow, 4)};
}

std::optional<LinearLayout>
MmaEncodingAttr::toLinearLayout(ArrayRef<int64_t> shape,
                                std::string &error) const {
  auto ll = LinearLayout::forShape(shape, error);
  if (!ll)
    return std::nullopt;
  if (shape.size() != 2) {
    error = "mma layouts are two-dimensional";
    return std::nullopt;
  }
  unsigned wm = getWarpsPerCTA()[0], wn = getWarpsPerCTA()[1];
  // m16n8 accumulator: c0,c1 at (lane/4, 2*(lane%4) + {0,1}); c2,c3 at row+8.
  ll->reg = {LinearLayout::unit(2, 1, 1), LinearLayout::unit(2, 0, 8)};
  ll->lane = fragmentLanes(/*fast=*/1, /*slow=*/0, 2);
  // Version 3 with warps along M only places elements as version 2 does,
  // on any shape: slices and broadcasts of an accumulator use it too. With
  // warpgroups along N, each holds the instruction's N columns (its
  // registers repeat the fragment along them) and the warpgroups follow
  // one another. The lowering checks the dot's shape.
  int64_t warpN = 8;
  if (getVersion() == 3 && wn > 1) {
    warpN = getInstrShape()[1];
    LinearLayout::addBits(ll->reg, 2, 1, 8, llvm::Log2_64(warpN / 8));
  }
  LinearLayout::addBits(ll->warp, 2, 0, 16, llvm::Log2_32(wm));
  LinearLayout::addBits(ll->warp, 2, 1, warpN, llvm::Log2_32(wn));
  ll->addRepeats(1, warpN * wn);
  ll->addRepeats(0, 16 * wm);
  ll->wrap();
  return ll;
}

std::optional<LinearLayout>
MmaEncodingAttr::getOperandLinearLayout(unsigned opIdx, ArrayRef<int64_t> shape,
                                        std::string &error) const {
  auto ll = LinearLayout::forShape(shape, error);
  if (!ll)
    return std::nullopt;
  if (shape.size() != 2) {
    error = "dot operand layouts are two-dimensional";
    return std::nullopt;
  }
  unsigned wm = getWarpsPerCTA()[0], wn = getWarpsPerCTA()[1];
  // wgmma's A in registers (RS) has the m16n8k16 A fragment per warp with
  // warps along M, as below. Its B is read from shared memory by the
  // instruction; the register layout below is what a copy in registers
  // would hold (the wgmma lowering does not materialize it).
  if (opIdx == 0) {
    // A (m16 x k16): a0,a1 (g, 2t+{0,1}); a2,a3 row+8; a4..a7 col+8.
    ll->reg = {LinearLayout::unit(2, 1, 1), LinearLayout::unit(2, 0, 8),
               LinearLayout::unit(2, 1, 8)};
    ll->lane = fragmentLanes(/*fast=*/1, /*slow=*/0, 2);
    LinearLayout::addBits(ll->warp, 2, 0, 16, llvm::Log2_32(wm));
    for (unsigned i = 0; i < llvm::Log2_32(wn); ++i)
      ll->warp.push_back(Offsets(2, 0));
    ll->addRepeats(1, 16);
    ll->addRepeats(0, 16 * wm);
  } else {
    // B (k16 x n8): b0,b1 (2t+{0,1}, g); b2,b3 k+8. Warpgroups along N
    // (version 3) read their own N columns, as in the accumulator.
    ll->reg = {LinearLayout::unit(2, 0, 1), LinearLayout::unit(2, 0, 8)};
    ll->lane = fragmentLanes(/*fast=*/0, /*slow=*/1, 2);
    int64_t warpN = 8;
    if (getVersion() == 3 && wn > 1) {
      warpN = getInstrShape()[1];
      LinearLayout::addBits(ll->reg, 2, 1, 8, llvm::Log2_64(warpN / 8));
    }
    for (unsigned i = 0; i < llvm::Log2_32(wm); ++i)
      ll->warp.push_back(Offsets(2, 0));
    LinearLayout::addBits(ll->warp, 2, 1, warpN, llvm::Log2_32(wn));
    ll->addRepeats(0, 16);
    ll->addRepeats(1, warpN * wn);
  }
  ll->wrap();
  return ll;
}
