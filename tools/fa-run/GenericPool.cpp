//===- GenericPool.cpp - fa-run generic mode: buffers and binding --------===//
//
// Host buffers in any element type, and binding a kernel sequence's
// arguments from the command line: sizes, scalars, input fills, poisoned
// outputs, and a reference's pool derived from the kernels' (Generic.h).
// MLIR-free.
//
//===----------------------------------------------------------------------===//

#include "Generic.h"
#include "GradientCheck.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include <unistd.h>

using namespace llvm;

namespace fa_run {

static Error err(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

unsigned dtypeBytes(StringRef d) {
  return StringSwitch<unsigned>(d)
      .Cases({"i1", "i8", "u8"}, 1)
      .Cases({"bf16", "f16", "i16", "u16"}, 2)
      .Cases({"f32", "i32", "u32"}, 4)
      .Cases({"f64", "i64", "u64"}, 8)
      .Default(0);
}

bool isFloatDType(StringRef d) {
  return d == "bf16" || d == "f16" || d == "f32" || d == "f64";
}

std::string shapeText(ArrayRef<int64_t> shape) {
  std::string s;
  for (int64_t d : shape)
    s += (s.empty() ? "" : "x") + std::to_string(d);
  return s.empty() ? "scalar" : s;
}

//===----------------------------------------------------------------------===//
// Buffers
//===----------------------------------------------------------------------===//

Program::~Program() {
  if (!tmpDir.empty())
    sys::fs::remove_directories(tmpDir);
}

Expected<std::vector<double>> Program::time(Pool &, unsigned) {
  return err("--time is for GPU targets");
}

size_t Buffer::size() const {
  size_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

unsigned Buffer::elemBytes() const { return dtypeBytes(dtype); }

void Buffer::allocate() { bytes.assign(size() * elemBytes(), 0); }

void Buffer::poison() {
  if (!isFloatDType(dtype)) {
    std::fill(bytes.begin(), bytes.end(), 0xA5);
    return;
  }
  for (size_t i = 0, e = size(); i < e; ++i)
    set(i, std::numeric_limits<double>::quiet_NaN());
}

double Buffer::get(size_t i) const {
  const uint8_t *p = bytes.data() + i * elemBytes();
  auto read = [&](auto v) {
    std::memcpy(&v, p, sizeof(v));
    return v;
  };
  if (dtype == "f64")
    return read(double());
  if (dtype == "f32")
    return read(float());
  if (dtype == "bf16")
    return bf16ToFloat(read(uint16_t()));
  if (dtype == "f16")
    return f16ToFloat(read(uint16_t()));
  if (dtype == "i1" || dtype == "u8")
    return read(uint8_t());
  if (dtype == "i8")
    return read(int8_t());
  if (dtype == "i16")
    return read(int16_t());
  if (dtype == "u16")
    return read(uint16_t());
  if (dtype == "i32")
    return read(int32_t());
  if (dtype == "u32")
    return read(uint32_t());
  if (dtype == "i64")
    return static_cast<double>(read(int64_t()));
  return static_cast<double>(read(uint64_t()));
}

void Buffer::set(size_t i, double v) {
  uint8_t *p = bytes.data() + i * elemBytes();
  auto write = [&](auto x) { std::memcpy(p, &x, sizeof(x)); };
  if (dtype == "f64")
    write(v);
  else if (dtype == "f32")
    write(static_cast<float>(v));
  else if (dtype == "bf16")
    write(floatToBF16(static_cast<float>(v)));
  else if (dtype == "f16")
    write(floatToF16(static_cast<float>(v)));
  else if (dtype == "i1")
    write(static_cast<uint8_t>(v != 0));
  else if (dtype == "i8" || dtype == "u8")
    write(static_cast<uint8_t>(static_cast<int64_t>(v)));
  else if (dtype == "i16" || dtype == "u16")
    write(static_cast<uint16_t>(static_cast<int64_t>(v)));
  else if (dtype == "i32" || dtype == "u32")
    write(static_cast<uint32_t>(static_cast<int64_t>(v)));
  else
    write(static_cast<int64_t>(v));
}

//===----------------------------------------------------------------------===//
// Binding
//===----------------------------------------------------------------------===//

/// Binds every argument of `kernels` (sizes, scalars; roles from access).
Error buildPool(const std::vector<GenericKernelDesc> &kernels,
                const GenericConfig &c, Pool &pool, Used &used) {
  std::vector<std::string> missingSizes, missingArgs;
  StringSet<> roleSet;
  for (const GenericKernelDesc &k : kernels) {
    for (const GenericArg &a : k.args) {
      if (!a.isTensor) {
        if (pool.scalars.count(a.name))
          continue;
        auto it = c.args.find(a.name);
        if (it == c.args.end()) {
          if (!llvm::is_contained(missingArgs, a.name))
            missingArgs.push_back(a.name);
          continue;
        }
        used.args.insert(a.name);
        Scalar s;
        s.dtype = a.dtype;
        StringRef text = it->second;
        if (isFloatDType(a.dtype)) {
          if (text.getAsDouble(s.value))
            return err("--arg " + a.name + "=" + text + ": '" + a.name +
                       "' is " + a.dtype + ", expected a number");
        } else if (a.dtype == "i1" && (text == "true" || text == "false")) {
          s.value = text == "true";
        } else {
          int64_t v;
          if (text.getAsInteger(10, v))
            return err("--arg " + a.name + "=" + text + ": '" + a.name +
                       "' is " + a.dtype + ", expected an integer");
          s.value = static_cast<double>(v);
        }
        pool.scalars[a.name] = s;
        continue;
      }
      if (!dtypeBytes(a.dtype))
        return err("kernel '" + k.name + "' argument '" + a.name + "' holds " +
                   a.dtype + ", which fa-run cannot fill");
      SmallVector<int64_t, 4> shape;
      bool complete = true;
      for (auto [d, dim] : llvm::enumerate(a.dims)) {
        if (!dim.symbol.empty()) {
          auto it = c.sizes.find(dim.symbol);
          if (it == c.sizes.end()) {
            if (!llvm::is_contained(missingSizes, dim.symbol))
              missingSizes.push_back(dim.symbol);
            complete = false;
            continue;
          }
          used.sizes.insert(dim.symbol);
          if (it->second < 0)
            return err("size " + dim.symbol + " is negative");
          shape.push_back(it->second);
        } else if (dim.size >= 0) {
          shape.push_back(dim.size);
        } else {
          return err(formatv("kernel '{0}' argument '{1}': dimension {2} has "
                             "no name (no tile.dims), so fa-run cannot size it",
                             k.name, a.name, d)
                         .str());
        }
      }
      if (!complete)
        continue;
      auto it = pool.tensors.find(a.name);
      if (it == pool.tensors.end()) {
        Buffer b;
        b.dtype = a.dtype;
        b.shape = shape;
        it = pool.tensors.try_emplace(a.name, std::move(b)).first;
        pool.order.push_back(a.name);
      } else if (it->second.dtype != a.dtype || it->second.shape != shape) {
        return err("tensor '" + a.name + "' is " + it->second.dtype + " " +
                   shapeText(it->second.shape) + " in one kernel but " +
                   a.dtype + " " + shapeText(shape) + " in kernel '" + k.name +
                   "'");
      }
      Buffer &b = it->second;
      if (k.accessKnown && (a.reads || a.writes) &&
          roleSet.insert(a.name).second)
        b.role =
            a.reads ? (a.writes ? Role::InOut : Role::Input) : Role::Output;
      b.written |= a.writes;
      b.touched |= !k.accessKnown || a.reads || a.writes;
    }
  }
  if (!missingSizes.empty() || !missingArgs.empty()) {
    std::string msg = "the kernels need ";
    for (const std::string &s : missingSizes)
      msg += "--size " + s + "=... ";
    for (const std::string &s : missingArgs)
      msg += "--arg " + s + "=... ";
    return err(StringRef(msg).rtrim());
  }
  // Sizes that no tensor can hold in this machine's memory are refused
  // before anything is allocated (references keep f64 copies).
  double total = 0;
  for (const auto &t : pool.tensors) {
    double n = 1;
    for (int64_t d : t.second.shape)
      n *= double(d);
    if (n >= double(int64_t(1) << 40))
      return err("tensor '" + t.getKey() + "' is too large (" +
                 shapeText(t.second.shape) + ")");
    total += n * (t.second.elemBytes() + 3 * 8);
  }
  double have =
      double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGE_SIZE));
  if (have > 0 && total > have / 2)
    return err(formatv("the tensors and their references need about {0:F1} "
                       "GiB, more than half of this machine's {1:F1} GiB",
                       total / (1 << 30), have / (1 << 30))
                   .str());
  for (const std::string &name : pool.order)
    pool.tensors[name].allocate();
  return Error::success();
}

/// Fills the inputs (in order of first appearance, from one seeded stream)
/// and poisons the outputs.
Error fillPool(Pool &pool, const GenericConfig &c, Used &used) {
  std::mt19937_64 rng(c.seed);
  for (const std::string &name : pool.order) {
    Buffer &b = pool.tensors[name];
    if (b.role == Role::Output) {
      b.poison();
      continue;
    }
    auto it = c.fills.find(name);
    std::string rule = it != c.fills.end()     ? it->second
                       : isFloatDType(b.dtype) ? "normal"
                       : b.dtype == "i1"       ? "uniform:0:1"
                                               : "uniform:0:63";
    if (it != c.fills.end())
      used.fills.insert(name);
    StringRef kind, rest;
    std::tie(kind, rest) = StringRef(rule).split(':');
    SmallVector<StringRef> parts;
    rest.split(parts, kind == "list" ? ',' : ':', -1, false);
    SmallVector<double> nums;
    for (StringRef p : parts) {
      double v;
      if (p.trim().getAsDouble(v))
        return err("--fill " + name + "=" + rule + ": '" + p +
                   "' is not a number");
      nums.push_back(v);
    }
    size_t n = b.size();
    auto bad = [&](const Twine &why) {
      return err("--fill " + name + "=" + rule + ": " + why);
    };
    if (kind == "normal" && nums.empty()) {
      std::normal_distribution<float> normal(0.0f, 1.0f);
      for (size_t i = 0; i < n; ++i)
        b.set(i, normal(rng));
    } else if (kind == "uniform" && nums.size() == 2 && nums[0] <= nums[1]) {
      if (isFloatDType(b.dtype)) {
        std::uniform_real_distribution<double> u(nums[0], nums[1]);
        for (size_t i = 0; i < n; ++i)
          b.set(i, u(rng));
      } else {
        std::uniform_int_distribution<int64_t> u{int64_t(nums[0]),
                                                 int64_t(nums[1])};
        for (size_t i = 0; i < n; ++i)
          b.set(i, double(u(rng)));
      }
    } else if (kind == "iota" && nums.size() <= 2) {
      double start = nums.size() > 0 ? nums[0] : 0,
             step = nums.size() > 1 ? nums[1] : 1;
      for (size_t i = 0; i < n; ++i)
        b.set(i, start + step * double(i));
    } else if (kind == "const" && nums.size() == 1) {
      for (size_t i = 0; i < n; ++i)
        b.set(i, nums[0]);
    } else if (kind == "list") {
      if (nums.size() != n)
        return bad(formatv("{0} values for {1} elements", nums.size(), n));
      for (size_t i = 0; i < n; ++i)
        b.set(i, nums[i]);
    } else if (kind == "perm" && nums.empty()) {
      std::vector<int64_t> p(n);
      for (size_t i = 0; i < n; ++i)
        p[i] = int64_t(i);
      for (size_t i = n; i > 1; --i) // Fisher-Yates, the same everywhere
        std::swap(p[i - 1], p[rng() % i]);
      for (size_t i = 0; i < n; ++i)
        b.set(i, double(p[i]));
    } else {
      return bad("expected normal, uniform:LO:HI, iota[:START[:STEP]], "
                 "const:V, list:V,V,... or perm");
    }
  }
  return Error::success();
}

/// Names given on the command line that no kernel used (typos).
Error checkUnused(const GenericConfig &c, const Used &used) {
  for (const auto &s : c.sizes)
    if (!used.sizes.contains(s.getKey()))
      return err("--size " + s.getKey() +
                 ": no tensor of the kernels has a dimension named '" +
                 s.getKey() + "'");
  for (const auto &a : c.args)
    if (!used.args.contains(a.getKey()))
      return err("--arg " + a.getKey() +
                 ": the kernels have no scalar argument named '" + a.getKey() +
                 "'");
  for (const auto &f : c.fills)
    if (!used.fills.contains(f.getKey()))
      return err("--fill " + f.getKey() + ": no input tensor named '" +
                 f.getKey() + "' (outputs start poisoned)");
  return Error::success();
}

/// A reference pool for `kernels`: the tensors it shares with `from` (by
/// name) start with `from`'s values converted to its own types.
Error derivePool(const std::vector<GenericKernelDesc> &kernels,
                 const GenericConfig &c, const Pool &from, Pool &pool,
                 Used &used) {
  if (Error e = buildPool(kernels, c, pool, used))
    return e;
  for (const std::string &name : pool.order) {
    Buffer &b = pool.tensors[name];
    auto it = from.tensors.find(name);
    if (it == from.tensors.end()) {
      // A tensor the reference declares but does not use (its compile-time
      // parameters turned the use off) stays zero.
      if (!b.touched)
        continue;
      if (b.role != Role::Output)
        return err("the reference reads tensor '" + name +
                   "', which the kernels do not have");
      b.poison();
      continue;
    }
    const Buffer &src = it->second;
    if (src.shape != b.shape)
      return err("tensor '" + name + "' is " + shapeText(b.shape) +
                 " in the reference but " + shapeText(src.shape) +
                 " in the kernels");
    if (b.role != Role::Output && src.role == Role::Output)
      return err("the reference reads tensor '" + name +
                 "' before writing it, but the kernels only write it");
    if (b.role == Role::Output) {
      b.poison();
      continue;
    }
    for (size_t i = 0, n = b.size(); i < n; ++i)
      b.set(i, src.get(i));
  }
  return Error::success();
}

} // namespace fa_run
