//===- LinearLayout.cpp - layouts as bases of register/lane/warp bits -----===//

#include "fa/Dialect/TileGPU/IR/LinearLayout.h"
#include "fa/Dialect/TileGPU/IR/TileGPUDialect.h"

#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace mlir;
using namespace fa::tilegpu;

Offsets LinearLayout::unit(unsigned rank, unsigned dim, int64_t value) {
  Offsets o(rank, 0);
  o[dim] = value;
  return o;
}

static bool isZero(ArrayRef<int64_t> o) {
  return llvm::all_of(o, [](int64_t x) { return x == 0; });
}

void LinearLayout::wrap() {
  // With power-of-two sizes and single-power-of-two bases, offsets past the
  // shape wrap around to zero.
  auto wrapOne = [&](Offsets &b) {
    for (unsigned d = 0; d < rank(); ++d)
      if (b[d] >= shape[d])
        b[d] = 0;
  };
  for (auto *v : {&reg, &lane, &warp})
    for (Offsets &b : *v)
      wrapOne(b);
  llvm::erase_if(reg, [](const Offsets &b) { return isZero(b); });
}

void LinearLayout::addRepeats(unsigned dim, int64_t from) {
  for (int64_t s = from; s < shape[dim]; s *= 2)
    reg.push_back(unit(rank(), dim, s));
}

void LinearLayout::addBits(SmallVector<Offsets> &into, unsigned rank,
                           unsigned dim, int64_t first, unsigned count) {
  for (unsigned i = 0; i < count; ++i)
    into.push_back(unit(rank, dim, first << i));
}

std::optional<LinearLayout> LinearLayout::forShape(ArrayRef<int64_t> shape,
                                                   std::string &error) {
  for (int64_t d : shape)
    if (d <= 0 || !llvm::isPowerOf2_64(d)) {
      error = "tile dimensions must be powers of two on the GPU";
      return std::nullopt;
    }
  LinearLayout ll;
  ll.shape.assign(shape.begin(), shape.end());
  return ll;
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

std::optional<LinearLayout> fa::tilegpu::toLinearLayout(Attribute layout,
                                                        ArrayRef<int64_t> shape,
                                                        std::string &error) {
  if (auto d = dyn_cast_or_null<DistributedLayoutAttrInterface>(layout))
    return d.toLinearLayout(shape, error);
  error = "not a distributed tilegpu layout";
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// The generic layouts
//===----------------------------------------------------------------------===//

std::optional<LinearLayout>
BlockedEncodingAttr::toLinearLayout(ArrayRef<int64_t> shape,
                                    std::string &error) const {
  auto ll = LinearLayout::forShape(shape, error);
  if (!ll)
    return std::nullopt;
  unsigned rank = shape.size();
  if (getOrder().size() != rank) {
    error = "blocked layout rank does not match the tensor rank";
    return std::nullopt;
  }
  ArrayRef<unsigned> spt = getSizePerThread(), tpw = getThreadsPerWarp(),
                     wpc = getWarpsPerCTA();
  for (unsigned d : getOrder())
    LinearLayout::addBits(ll->reg, rank, d, 1, llvm::Log2_32(spt[d]));
  for (unsigned d : getOrder())
    LinearLayout::addBits(ll->lane, rank, d, spt[d], llvm::Log2_32(tpw[d]));
  for (unsigned d : getOrder())
    LinearLayout::addBits(ll->warp, rank, d, int64_t(spt[d]) * tpw[d],
                          llvm::Log2_32(wpc[d]));
  for (unsigned d : getOrder())
    ll->addRepeats(d, int64_t(spt[d]) * tpw[d] * wpc[d]);
  ll->wrap();
  return ll;
}

std::optional<LinearLayout>
DotOperandEncodingAttr::toLinearLayout(ArrayRef<int64_t> shape,
                                       std::string &error) const {
  return cast<MmaLayoutAttrInterface>(getParent())
      .getOperandLinearLayout(getOpIdx(), shape, error);
}

std::optional<LinearLayout>
SliceEncodingAttr::toLinearLayout(ArrayRef<int64_t> shape,
                                  std::string &error) const {
  auto ll = LinearLayout::forShape(shape, error);
  if (!ll)
    return std::nullopt;
  unsigned dim = getDim();
  if (dim > shape.size()) {
    error = "slice dimension out of range";
    return std::nullopt;
  }
  SmallVector<int64_t> parentShape(shape.begin(), shape.end());
  parentShape.insert(parentShape.begin() + dim, 1);
  auto parent = fa::tilegpu::toLinearLayout(getParent(), parentShape, error);
  if (!parent)
    return std::nullopt;
  auto drop = [&](SmallVector<Offsets> &bases) {
    for (Offsets &b : bases)
      b.erase(b.begin() + dim);
  };
  ll->reg = parent->reg;
  ll->lane = parent->lane;
  ll->warp = parent->warp;
  drop(ll->reg);
  drop(ll->lane);
  drop(ll->warp);
  llvm::erase_if(ll->reg, [](const Offsets &b) { return isZero(b); });
  return ll;
}
