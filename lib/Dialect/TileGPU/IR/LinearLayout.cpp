//===- LinearLayout.cpp - layouts as bases of register/lane/warp bits -----===//

#include "fa/Dialect/TileGPU/IR/LinearLayout.h"
#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"

#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace mlir;
using namespace fa::tilegpu;

static Offsets unit(unsigned rank, unsigned dim, int64_t value) {
  Offsets o(rank, 0);
  o[dim] = value;
  return o;
}

static bool isZero(ArrayRef<int64_t> o) {
  return llvm::all_of(o, [](int64_t x) { return x == 0; });
}

/// Offsets past the shape wrap around: with power-of-two sizes and
/// single-power-of-two bases that makes them zero (replication).
static void wrap(LinearLayout &ll) {
  auto wrapOne = [&](Offsets &b) {
    for (unsigned d = 0; d < ll.rank(); ++d)
      if (b[d] >= ll.shape[d])
        b[d] = 0;
  };
  for (auto *v : {&ll.reg, &ll.lane, &ll.warp})
    for (Offsets &b : *v)
      wrapOne(b);
  llvm::erase_if(ll.reg, [](const Offsets &b) { return isZero(b); });
}

static void addRepeats(LinearLayout &ll, unsigned dim, int64_t from) {
  for (int64_t s = from; s < ll.shape[dim]; s *= 2)
    ll.reg.push_back(unit(ll.rank(), dim, s));
}

Offsets LinearLayout::regOffset(int64_t r) const {
  Offsets o(rank(), 0);
  for (unsigned i = 0; i < reg.size(); ++i)
    if (r & (int64_t(1) << i))
      for (unsigned d = 0; d < rank(); ++d)
        o[d] ^= reg[i][d];
  return o;
}

std::optional<int64_t> LinearLayout::findReg(ArrayRef<int64_t> off) const {
  // Bases are distinct powers of two per dimension, so each set bit of the
  // offset names one register bit.
  int64_t r = 0;
  Offsets rest(off.begin(), off.end());
  for (unsigned i = 0; i < reg.size(); ++i) {
    bool hit = true;
    for (unsigned d = 0; d < rank(); ++d)
      if (reg[i][d] && !(rest[d] & reg[i][d]))
        hit = false;
    if (!hit)
      continue;
    r |= int64_t(1) << i;
    for (unsigned d = 0; d < rank(); ++d)
      rest[d] ^= reg[i][d];
  }
  if (!isZero(rest))
    return std::nullopt;
  return r;
}

bool LinearLayout::sameThreadMapping(const LinearLayout &other) const {
  if (shape != other.shape || lane != other.lane || warp != other.warp ||
      reg.size() != other.reg.size())
    return false;
  return llvm::all_of(
      reg, [&](const Offsets &b) { return llvm::is_contained(other.reg, b); });
}

std::string LinearLayout::str() const {
  std::string s;
  llvm::raw_string_ostream os(s);
  auto list = [&](StringRef name, ArrayRef<Offsets> bases) {
    os << name << " = [";
    llvm::interleaveComma(bases, os, [&](const Offsets &b) {
      os << "[";
      llvm::interleaveComma(b, os);
      os << "]";
    });
    os << "]";
  };
  list("reg", reg);
  os << ", ";
  list("lane", lane);
  os << ", ";
  list("warp", warp);
  return s;
}

static void addBits(SmallVector<Offsets> &into, unsigned rank, unsigned dim,
                    int64_t first, unsigned count) {
  for (unsigned i = 0; i < count; ++i)
    into.push_back(unit(rank, dim, first << i));
}

std::optional<LinearLayout> fa::tilegpu::toLinearLayout(Attribute layout,
                                                        ArrayRef<int64_t> shape,
                                                        std::string &error) {
  LinearLayout ll;
  ll.shape.assign(shape.begin(), shape.end());
  unsigned rank = shape.size();
  for (int64_t d : shape)
    if (d <= 0 || !llvm::isPowerOf2_64(d)) {
      error = "tile dimensions must be powers of two on the GPU";
      return std::nullopt;
    }

  if (auto b = dyn_cast<BlockedEncodingAttr>(layout)) {
    if (b.getOrder().size() != rank) {
      error = "blocked layout rank does not match the tensor rank";
      return std::nullopt;
    }
    ArrayRef<unsigned> spt = b.getSizePerThread(), tpw = b.getThreadsPerWarp(),
                       wpc = b.getWarpsPerCTA();
    for (unsigned d : b.getOrder())
      addBits(ll.reg, rank, d, 1, llvm::Log2_32(spt[d]));
    for (unsigned d : b.getOrder())
      addBits(ll.lane, rank, d, spt[d], llvm::Log2_32(tpw[d]));
    for (unsigned d : b.getOrder())
      addBits(ll.warp, rank, d, int64_t(spt[d]) * tpw[d],
              llvm::Log2_32(wpc[d]));
    for (unsigned d : b.getOrder())
      addRepeats(ll, d, int64_t(spt[d]) * tpw[d] * wpc[d]);
    wrap(ll);
    return ll;
  }

  if (auto m = dyn_cast<MmaEncodingAttr>(layout)) {
    if (rank != 2) {
      error = "mma layouts are two-dimensional";
      return std::nullopt;
    }
    unsigned wm = m.getWarpsPerCTA()[0], wn = m.getWarpsPerCTA()[1];
    // m16n8 accumulator: c0,c1 at (lane/4, 2*(lane%4) + {0,1}); c2,c3 at row+8.
    ll.reg = {unit(2, 1, 1), unit(2, 0, 8)};
    ll.lane = {unit(2, 1, 2), unit(2, 1, 4), unit(2, 0, 1), unit(2, 0, 2),
               unit(2, 0, 4)};
    addBits(ll.warp, 2, 0, 16, llvm::Log2_32(wm));
    addBits(ll.warp, 2, 1, 8, llvm::Log2_32(wn));
    addRepeats(ll, 1, 8 * wn);
    addRepeats(ll, 0, 16 * wm);
    wrap(ll);
    return ll;
  }

  if (auto dot = dyn_cast<DotOperandEncodingAttr>(layout)) {
    auto m = cast<MmaEncodingAttr>(dot.getParent());
    if (rank != 2) {
      error = "dot operand layouts are two-dimensional";
      return std::nullopt;
    }
    unsigned wm = m.getWarpsPerCTA()[0], wn = m.getWarpsPerCTA()[1];
    if (dot.getOpIdx() == 0) {
      // A (m16 x k16): a0,a1 (g, 2t+{0,1}); a2,a3 row+8; a4..a7 col+8.
      ll.reg = {unit(2, 1, 1), unit(2, 0, 8), unit(2, 1, 8)};
      ll.lane = {unit(2, 1, 2), unit(2, 1, 4), unit(2, 0, 1), unit(2, 0, 2),
                 unit(2, 0, 4)};
      addBits(ll.warp, 2, 0, 16, llvm::Log2_32(wm));
      for (unsigned i = 0; i < llvm::Log2_32(wn); ++i)
        ll.warp.push_back(Offsets(2, 0));
      addRepeats(ll, 1, 16);
      addRepeats(ll, 0, 16 * wm);
    } else {
      // B (k16 x n8): b0,b1 (2t+{0,1}, g); b2,b3 k+8.
      ll.reg = {unit(2, 0, 1), unit(2, 0, 8)};
      ll.lane = {unit(2, 0, 2), unit(2, 0, 4), unit(2, 1, 1), unit(2, 1, 2),
                 unit(2, 1, 4)};
      for (unsigned i = 0; i < llvm::Log2_32(wm); ++i)
        ll.warp.push_back(Offsets(2, 0));
      addBits(ll.warp, 2, 1, 8, llvm::Log2_32(wn));
      addRepeats(ll, 0, 16);
      addRepeats(ll, 1, 8 * wn);
    }
    wrap(ll);
    return ll;
  }

  if (auto slice = dyn_cast<SliceEncodingAttr>(layout)) {
    unsigned dim = slice.getDim();
    if (dim > rank) {
      error = "slice dimension out of range";
      return std::nullopt;
    }
    SmallVector<int64_t> parentShape(shape.begin(), shape.end());
    parentShape.insert(parentShape.begin() + dim, 1);
    auto parent = toLinearLayout(slice.getParent(), parentShape, error);
    if (!parent)
      return std::nullopt;
    auto drop = [&](SmallVector<Offsets> &bases) {
      for (Offsets &b : bases)
        b.erase(b.begin() + dim);
    };
    ll.reg = parent->reg;
    ll.lane = parent->lane;
    ll.warp = parent->warp;
    drop(ll.reg);
    drop(ll.lane);
    drop(ll.warp);
    llvm::erase_if(ll.reg, [](const Offsets &b) { return isZero(b); });
    return ll;
  }

  error = "not a distributed tilegpu layout";
  return std::nullopt;
}
