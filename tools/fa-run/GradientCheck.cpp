//===- GradientCheck.cpp - fp64 attention gradients and their check -------===//
//
// Shared by the host (Backward.cpp) and the GPU (BackwardGpu.cpp) backward
// checks; see GradientCheck.h.
//
//===----------------------------------------------------------------------===//

#include "GradientCheck.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace llvm;

namespace fa_run {

float bitsToFloat(uint32_t x) {
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}
uint32_t floatToBits(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  return x;
}
uint16_t floatToBF16(float f) {
  uint32_t x = floatToBits(f);
  if ((x & 0x7fffffff) > 0x7f800000)
    return (x >> 16) | 0x40;
  x += 0x7fff + ((x >> 16) & 1);
  return x >> 16;
}
float bf16ToFloat(uint16_t h) { return bitsToFloat(uint32_t(h) << 16); }
uint16_t floatToF16(float f) {
  uint32_t x = floatToBits(f);
  uint32_t sign = (x >> 16) & 0x8000;
  uint32_t a = x & 0x7fffffff;
  if (a >= 0x7f800000)
    return sign | 0x7c00 | (a > 0x7f800000 ? 0x200 : 0);
  if (a >= 0x477ff000)
    return sign | 0x7c00;
  if (a < 0x38800000)
    return sign | uint32_t(std::nearbyint(bitsToFloat(a) * 16777216.0f));
  uint32_t h = ((a >> 23) - 112) << 10 | ((a & 0x7fffff) >> 13);
  uint32_t rest = a & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1)))
    ++h;
  return sign | h;
}
float f16ToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e == 0)
    return (sign ? -1.0f : 1.0f) * float(m) * (1.0f / 16777216.0f);
  if (e == 31)
    return bitsToFloat(sign | 0x7f800000 | (m << 13));
  return bitsToFloat(sign | ((e + 112) << 23) | (m << 13));
}
float roundTo(float v, DType t) {
  switch (t) {
  case DType::BF16:
    return bf16ToFloat(floatToBF16(v));
  case DType::F16:
    return f16ToFloat(floatToF16(v));
  case DType::F32:
    return v;
  }
  return v;
}
double unitRoundoff(DType t) {
  switch (t) {
  case DType::BF16:
    return std::ldexp(1.0, -8);
  case DType::F16:
    return std::ldexp(1.0, -11);
  case DType::F32:
    return std::ldexp(1.0, -24);
  }
  return 0;
}

namespace {

//===----------------------------------------------------------------------===//
// References
//===----------------------------------------------------------------------===//

/// Gradients of attention in fp64 from q, k, v and do (o, lse and delta
/// recomputed exactly). A row that sees no key contributes nothing.
void gradientsFP64(const Dims &p, const std::vector<double> &q,
                   const std::vector<double> &k, const std::vector<double> &v,
                   const std::vector<double> &dO, std::vector<double> &dq,
                   std::vector<double> &dk, std::vector<double> &dv) {
  int64_t D = p.D;
  dq.assign(q.size(), 0.0);
  dk.assign(k.size(), 0.0);
  dv.assign(v.size(), 0.0);
  std::vector<double> s(p.NK), dp(p.NK), o(D);
  for (int64_t b = 0; b < p.B; ++b)
    for (int64_t h = 0; h < p.H; ++h) {
      int64_t hk = h / (p.H / p.HKV);
      size_t kvBase = size_t((b * p.HKV + hk) * p.NK) * D;
      for (int64_t i = 0; i < p.N; ++i) {
        size_t row = size_t((b * p.H + h) * p.N + i) * D;
        int64_t nv = p.visible(i);
        if (nv == 0)
          continue;
        double m = -std::numeric_limits<double>::infinity();
        for (int64_t j = 0; j < nv; ++j) {
          double acc = 0;
          for (int64_t d = 0; d < D; ++d)
            acc += q[row + d] * k[kvBase + j * D + d];
          s[j] = acc * p.scale;
          m = std::max(m, s[j]);
        }
        double l = 0;
        for (int64_t j = 0; j < nv; ++j)
          l += std::exp(s[j] - m);
        double lse = m + std::log(l);
        std::fill(o.begin(), o.end(), 0.0);
        for (int64_t j = 0; j < nv; ++j) {
          s[j] = std::exp(s[j] - lse); // now p
          for (int64_t d = 0; d < D; ++d)
            o[d] += s[j] * v[kvBase + j * D + d];
        }
        double delta = 0;
        for (int64_t d = 0; d < D; ++d)
          delta += dO[row + d] * o[d];
        for (int64_t j = 0; j < nv; ++j) {
          double acc = 0;
          for (int64_t d = 0; d < D; ++d)
            acc += dO[row + d] * v[kvBase + j * D + d];
          double ds = s[j] * (acc - delta);
          for (int64_t d = 0; d < D; ++d) {
            dv[kvBase + j * D + d] += s[j] * dO[row + d];
            dk[kvBase + j * D + d] += p.scale * ds * q[row + d];
            dq[row + d] += p.scale * ds * k[kvBase + j * D + d];
          }
        }
      }
    }
}

/// The same gradients as a plain same-precision implementation computes
/// them: f32 sums; the scores, the probabilities, o, dp, ds and the
/// gradients rounded to the input type (o and lse from a plain forward).
/// Its error against fp64 calibrates the check.
void gradientsPlain(const Dims &p, DType t, const std::vector<double> &qd,
                    const std::vector<double> &kd,
                    const std::vector<double> &vd,
                    const std::vector<double> &dOd, std::vector<double> &dqOut,
                    std::vector<double> &dkOut, std::vector<double> &dvOut) {
  int64_t D = p.D;
  std::vector<float> q(qd.begin(), qd.end()), k(kd.begin(), kd.end()),
      v(vd.begin(), vd.end()), dO(dOd.begin(), dOd.end());
  std::vector<float> dq(q.size(), 0.0f), dk(k.size(), 0.0f), dv(v.size(), 0.0f);
  float scale = p.scale;
  std::vector<float> s(p.NK), o(D);
  for (int64_t b = 0; b < p.B; ++b)
    for (int64_t h = 0; h < p.H; ++h) {
      int64_t hk = h / (p.H / p.HKV);
      size_t kvBase = size_t((b * p.HKV + hk) * p.NK) * D;
      for (int64_t i = 0; i < p.N; ++i) {
        size_t row = size_t((b * p.H + h) * p.N + i) * D;
        int64_t nv = p.visible(i);
        if (nv == 0)
          continue;
        // Forward: lse and o as the plain forward of fa-run computes them.
        float m = -std::numeric_limits<float>::infinity();
        for (int64_t j = 0; j < nv; ++j) {
          float acc = 0;
          for (int64_t d = 0; d < D; ++d)
            acc += q[row + d] * k[kvBase + j * D + d];
          s[j] = roundTo(roundTo(acc, t) * scale, t);
          m = std::max(m, s[j]);
        }
        float l = 0;
        std::fill(o.begin(), o.end(), 0.0f);
        for (int64_t j = 0; j < nv; ++j) {
          float e = roundTo(std::exp(s[j] - m), t);
          l += e;
          for (int64_t d = 0; d < D; ++d)
            o[d] += e * v[kvBase + j * D + d];
        }
        float lse = m + std::log(l);
        float delta = 0;
        for (int64_t d = 0; d < D; ++d)
          delta += dO[row + d] * roundTo(o[d] / l, t);
        // Backward.
        for (int64_t j = 0; j < nv; ++j) {
          float pj = roundTo(std::exp(s[j] - lse), t);
          float acc = 0;
          for (int64_t d = 0; d < D; ++d)
            acc += dO[row + d] * v[kvBase + j * D + d];
          float ds = roundTo(pj * (roundTo(acc, t) - delta), t);
          for (int64_t d = 0; d < D; ++d) {
            dv[kvBase + j * D + d] += pj * dO[row + d];
            dk[kvBase + j * D + d] += ds * q[row + d];
            dq[row + d] += ds * k[kvBase + j * D + d];
          }
        }
      }
    }
  auto finish = [&](const std::vector<float> &g, float factor,
                    std::vector<double> &out) {
    out.resize(g.size());
    for (size_t i = 0; i < g.size(); ++i)
      out[i] = roundTo(g[i] * factor, t);
  };
  finish(dq, scale, dqOut);
  finish(dk, scale, dkOut);
  finish(dv, 1.0f, dvOut);
}

/// Largest |a - b|; NaN when any difference is NaN.
double maxAbsError(const std::vector<double> &a, const std::vector<double> &b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    double e = std::fabs(a[i] - b[i]);
    if (std::isnan(e))
      return std::numeric_limits<double>::quiet_NaN();
    worst = std::max(worst, e);
  }
  return worst;
}

} // namespace

bool parseDType(StringRef name, DType &out) {
  if (name == "bf16")
    out = DType::BF16;
  else if (name == "f16" || name == "fp16")
    out = DType::F16;
  else if (name == "f32")
    out = DType::F32;
  else
    return false;
  return true;
}

const char *dtypeTileName(DType t) {
  return t == DType::BF16 ? "bf16" : t == DType::F16 ? "f16" : "f32";
}

Tensor::Tensor(DType t, std::vector<int64_t> s) : type(t), shape(std::move(s)) {
  size_t n = 1;
  for (int64_t d : shape)
    n *= d;
  if (t == DType::F32)
    single.assign(n, std::numeric_limits<float>::quiet_NaN());
  else
    half.assign(n, t == DType::BF16 ? 0x7fc0 : 0x7e00);
}
size_t Tensor::size() const {
  return type == DType::F32 ? single.size() : half.size();
}
void *Tensor::data() {
  return type == DType::F32 ? static_cast<void *>(single.data())
                            : static_cast<void *>(half.data());
}
void Tensor::fillNaN() {
  std::fill(single.begin(), single.end(),
            std::numeric_limits<float>::quiet_NaN());
  std::fill(half.begin(), half.end(), type == DType::BF16 ? 0x7fc0 : 0x7e00);
}
void Tensor::set(size_t i, float v) {
  if (type == DType::F32)
    single[i] = v;
  else if (type == DType::BF16)
    half[i] = floatToBF16(v);
  else
    half[i] = floatToF16(v);
}
double Tensor::get(size_t i) const {
  if (type == DType::F32)
    return single[i];
  return type == DType::BF16 ? bf16ToFloat(half[i]) : f16ToFloat(half[i]);
}
std::vector<double> Tensor::values() const {
  std::vector<double> r(size());
  for (size_t i = 0; i < r.size(); ++i)
    r[i] = get(i);
  return r;
}
bool Tensor::sameBits(const Tensor &o) const {
  return half == o.half &&
         (single.size() == o.single.size() &&
          (single.empty() ||
           !std::memcmp(single.data(), o.single.data(), single.size() * 4)));
}

void fillNormal(uint64_t seed, ArrayRef<Tensor *> tensors) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (Tensor *t : tensors)
    for (size_t i = 0; i < t->size(); ++i)
      t->set(i, normal(rng));
}

bool checkGradients(const Dims &p, DType t, StringRef dtypeName,
                    const Tensor &q, const Tensor &k, const Tensor &v,
                    const Tensor &dO, const Tensor &dq, const Tensor &dk,
                    const Tensor &dv) {
  std::vector<double> qv = q.values(), kv = k.values(), vv = v.values(),
                      dOv = dO.values();
  std::vector<double> refDq, refDk, refDv, plainDq, plainDk, plainDv;
  gradientsFP64(p, qv, kv, vv, dOv, refDq, refDk, refDv);
  gradientsPlain(p, t, qv, kv, vv, dOv, plainDq, plainDk, plainDv);
  double eps = unitRoundoff(t);
  struct Row {
    const char *name;
    const Tensor &got;
    const std::vector<double> &ref, &plain;
  } rows[] = {{"dq", dq, refDq, plainDq},
              {"dk", dk, refDk, plainDk},
              {"dv", dv, refDv, plainDv}};
  bool ok = true;
  for (const Row &r : rows) {
    double err = maxAbsError(r.got.values(), r.ref);
    double plainErr = maxAbsError(r.plain, r.ref);
    double tol = 2 * plainErr + eps;
    bool good = err <= tol; // false for NaN
    ok &= good;
    outs() << format("max abs error of %s: kernel %.3e  plain %s %.3e  "
                     "tolerance %.3e  %s\n",
                     r.name, err, dtypeName.str().c_str(), plainErr, tol,
                     good ? "ok" : "TOO LARGE");
  }
  outs() << "tolerance rule: kernel error <= 2 x plain error + unit "
            "roundoff of "
         << dtypeName << format(" (%.3e)\n", eps);
  return ok;
}

int finishBackward(const Dims &p, DType t, StringRef dtypeName, bool check,
                   unsigned repeat, bool identical, const Tensor &q,
                   const Tensor &k, const Tensor &v, const Tensor &dO,
                   const Tensor &dq, const Tensor &dk, const Tensor &dv) {
  bool ok = true;
  if (repeat > 1) {
    outs() << "dq, dk, dv over " << repeat
           << " runs: " << (identical ? "bit-identical" : "DIFFER") << "\n";
    ok &= identical;
  }
  if (!check) {
    outs() << "no check (pass --check to compare with fp64 gradients)\n";
    if (!ok)
      outs() << "FAIL\n";
    return ok ? 0 : 1;
  }
  auto t0 = std::chrono::steady_clock::now();
  ok &= checkGradients(p, t, dtypeName, q, k, v, dO, dq, dk, dv);
  outs() << format(
      "time: references and check %.3f s\n",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count());
  outs() << (ok ? "PASS" : "FAIL") << "\n";
  return ok ? 0 : 1;
}

} // namespace fa_run
