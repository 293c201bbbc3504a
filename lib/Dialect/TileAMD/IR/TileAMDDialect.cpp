//===- TileAMDDialect.cpp - AMD layouts of the GPU back end ---------------===//
//
// The MFMA accumulator and operand layouts on wavefronts of 64 lanes, as
// linear layouts: 6 lane bits, 4 (32x32x8) or 2 (16x16x16) accumulator
// register bits per instruction tile.
//
//===----------------------------------------------------------------------===//

#include "fa/Dialect/TileAMD/IR/TileAMDDialect.h"
#include "fa/Dialect/TileGPU/IR/LinearLayout.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace fa::tileamd;
using fa::tilegpu::LinearLayout;
using fa::tilegpu::Offsets;

#include "fa/Dialect/TileAMD/IR/TileAMDDialect.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "fa/Dialect/TileAMD/IR/TileAMDAttrs.cpp.inc"

void TileAMDDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "fa/Dialect/TileAMD/IR/TileAMDAttrs.cpp.inc"
      >();
}

/// Lanes of a wavefront.
static constexpr unsigned kWaveSize = 64;

LogicalResult
MfmaEncodingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                         ArrayRef<unsigned> wpc, ArrayRef<unsigned> instr) {
  if (wpc.size() != 2 || !llvm::isPowerOf2_32(wpc[0]) ||
      !llvm::isPowerOf2_32(wpc[1]))
    return emitError() << "mfma warpsPerCTA must be two powers of two";
  bool known = instr.size() == 3 &&
               ((instr[0] == 32 && instr[1] == 32 && instr[2] == 8) ||
                (instr[0] == 16 && instr[1] == 16 && instr[2] == 16));
  if (!known)
    return emitError() << "mfma instrShape must be [32, 32, 8] or "
                          "[16, 16, 16]";
  return success();
}

unsigned MfmaEncodingAttr::getNumWarps() const {
  return getWarpsPerCTA()[0] * getWarpsPerCTA()[1];
}

unsigned MfmaEncodingAttr::getLanesPerWarp() const { return kWaveSize; }

/// MFMA is one family; 1 tells it apart from NVIDIA's versions 2 and 3.
unsigned MfmaEncodingAttr::getMmaVersion() const { return 1; }

/// Lanes of an instruction tile: `fastCount` bits along `fast` from 1
/// (lane % size), then the rest along `slow` from `slowFirst`.
static SmallVector<Offsets> mfmaLanes(unsigned fast, unsigned slow,
                                      unsigned fastBits, int64_t slowFirst) {
  SmallVector<Offsets> lanes;
  LinearLayout::addBits(lanes, 2, fast, 1, fastBits);
  LinearLayout::addBits(lanes, 2, slow, slowFirst,
                        llvm::Log2_32(kWaveSize) - fastBits);
  return lanes;
}

std::optional<LinearLayout>
MfmaEncodingAttr::toLinearLayout(ArrayRef<int64_t> shape,
                                 std::string &error) const {
  auto ll = LinearLayout::forShape(shape, error);
  if (!ll)
    return std::nullopt;
  if (shape.size() != 2) {
    error = "mfma layouts are two-dimensional";
    return std::nullopt;
  }
  unsigned wm = getWarpsPerCTA()[0], wn = getWarpsPerCTA()[1];
  int64_t im = getInstrShape()[0], in = getInstrShape()[1];
  // The instruction computes C^T = B^T A^T (see the attribute's
  // description): registers are 4 consecutive columns, 32x32 adds blocks of
  // 8 columns; lanes are the row (lane % M), then groups of 4 columns.
  ll->reg = {LinearLayout::unit(2, 1, 1), LinearLayout::unit(2, 1, 2)};
  if (in == 32)
    LinearLayout::addBits(ll->reg, 2, 1, 8, 2);
  ll->lane = mfmaLanes(/*fast=*/0, /*slow=*/1, llvm::Log2_64(im), 4);
  LinearLayout::addBits(ll->warp, 2, 0, im, llvm::Log2_32(wm));
  LinearLayout::addBits(ll->warp, 2, 1, in, llvm::Log2_32(wn));
  ll->addRepeats(1, in * wn);
  ll->addRepeats(0, im * wm);
  ll->wrap();
  return ll;
}

std::optional<LinearLayout> MfmaEncodingAttr::getOperandLinearLayout(
    unsigned opIdx, ArrayRef<int64_t> shape, std::string &error) const {
  auto ll = LinearLayout::forShape(shape, error);
  if (!ll)
    return std::nullopt;
  if (shape.size() != 2) {
    error = "dot operand layouts are two-dimensional";
    return std::nullopt;
  }
  unsigned wm = getWarpsPerCTA()[0], wn = getWarpsPerCTA()[1];
  int64_t im = getInstrShape()[0], in = getInstrShape()[1],
          ik = getInstrShape()[2];
  // A (M x K): lane % M is the row, 4 (lane / M) the first of 4 K values
  // in consecutive registers. B (K x N) is A with the dimensions swapped.
  unsigned mn = opIdx == 0 ? 0 : 1, kd = opIdx == 0 ? 1 : 0;
  int64_t size = opIdx == 0 ? im : in;
  ll->reg = {LinearLayout::unit(2, kd, 1), LinearLayout::unit(2, kd, 2)};
  ll->lane = mfmaLanes(/*fast=*/mn, /*slow=*/kd, llvm::Log2_64(size), 4);
  // Warps along the other operand's dimension hold copies.
  for (unsigned w = 0; w < 2; ++w) {
    unsigned count = llvm::Log2_32(w == 0 ? wm : wn);
    if ((w == 0) == (opIdx == 0))
      LinearLayout::addBits(ll->warp, 2, mn, size, count);
    else
      for (unsigned i = 0; i < count; ++i)
        ll->warp.push_back(Offsets(2, 0));
  }
  ll->addRepeats(kd, ik);
  ll->addRepeats(mn, size * (opIdx == 0 ? wm : wn));
  ll->wrap();
  return ll;
}
