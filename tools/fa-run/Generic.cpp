//===- Generic.cpp - fa-run on any kernel: options, references, check -----===//
//
// See Generic.h: the command line of generic mode, the reference runs, the
// comparison and its tolerance, saved reference values, and the run itself.
// MLIR-free: fa-run-gpu builds this file too (it runs sidecars and compares
// with saved reference values); compiling and JIT-running kernels is
// GenericHost.cpp's.
//
//===----------------------------------------------------------------------===//

#include "Generic.h"
#include "GradientCheck.h"

#include "fa/Runtime/GpuKernel.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>

using namespace llvm;

namespace fa_run {
namespace {

cl::list<std::string>
    defineOpts("D", cl::Prefix,
               cl::desc("Generic mode: set a compile-time parameter, -D "
                        "NAME=VALUE"),
               cl::value_desc("NAME=VALUE"));
cl::list<std::string>
    sizeOpts("size", cl::CommaSeparated,
             cl::desc("Generic mode: a symbolic size of the kernel's tensors, "
                      "NAME=V (also NAME=V,NAME2=V2)"),
             cl::value_desc("NAME=V"));
cl::list<std::string>
    argOpts("arg", cl::CommaSeparated,
            cl::desc("Generic mode: a scalar argument, NAME=V"),
            cl::value_desc("NAME=V"));
cl::list<std::string> fillOpts(
    "fill",
    cl::desc("Generic mode: how to fill an input tensor, NAME=normal | "
             "uniform:LO:HI | iota[:START[:STEP]] | const:V | list:V,V,... | "
             "perm (default: normal for floats, uniform:0:63 for integers)"),
    cl::value_desc("NAME=RULE"));
cl::opt<std::string>
    compareOpt("compare",
               cl::desc("Generic mode: reference = the same kernels run on "
                        "the host with float type parameters set to f64 "
                        "(--compare host)"),
               cl::value_desc("host"));
cl::opt<std::string> referenceOpt(
    "reference",
    cl::desc("Generic mode: reference = kernels of this .tile/.mlir file run "
             "on the host with float type parameters set to f64"),
    cl::value_desc("file"));
cl::opt<std::string> referenceKernelOpt(
    "reference-kernel",
    cl::desc("The --reference file's kernels to run, K[,K2...] (default: "
             "all, in file order)"),
    cl::value_desc("names"));
cl::opt<std::string> referenceDataOpt(
    "reference-data",
    cl::desc("Generic mode: compare with reference values saved by "
             "--save-reference (the sizes, arguments, fills and seed default "
             "to the saved ones)"),
    cl::value_desc("file"));
cl::opt<std::string> saveReferenceOpt(
    "save-reference",
    cl::desc("Generic mode: save the reference values (and what they were "
             "computed for) to this file, for --reference-data"),
    cl::value_desc("file"));
cl::opt<double> rtolOpt("rtol",
                        cl::desc("Generic mode: extra tolerance relative to "
                                 "the largest reference value (default 0)"),
                        cl::init(0));
cl::opt<double> atolOpt("atol",
                        cl::desc("Generic mode: extra absolute tolerance "
                                 "(default 0)"),
                        cl::init(0));

int fail(const Twine &msg) {
  errs() << "fa-run: error: " << msg << "\n";
  return 1;
}

Error err(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

/// Unit roundoff of a float type; 0 for integers (compared exactly).
double roundoff(StringRef d) {
  return StringSwitch<double>(d)
      .Case("bf16", std::ldexp(1.0, -8))
      .Case("f16", std::ldexp(1.0, -11))
      .Case("f32", std::ldexp(1.0, -24))
      .Case("f64", std::ldexp(1.0, -53))
      .Default(0);
}

/// Splits NAME=VALUE; false when malformed.
bool splitAssignment(StringRef text, StringRef &name, StringRef &value) {
  std::tie(name, value) = text.split('=');
  name = name.trim();
  value = value.trim();
  return !name.empty() && text.contains('=') && !value.empty();
}

uint64_t fnv1a(uint64_t h, const void *data, size_t n) {
  auto *p = static_cast<const uint8_t *>(data);
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

/// Checksum of the tensors a run starts from (not the poisoned outputs).
uint64_t inputChecksum(const Pool &pool) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (const std::string &name : pool.order) {
    const Buffer &b = pool.tensors.find(name)->second;
    if (b.role == Role::Output)
      continue;
    h = fnv1a(h, name.data(), name.size());
    h = fnv1a(h, b.bytes.data(), b.bytes.size());
  }
  return h;
}

template <typename T>
std::vector<std::string> sortedKeys(const StringMap<T> &map) {
  std::vector<std::string> keys;
  for (const auto &kv : map)
    keys.push_back(kv.getKey().str());
  llvm::sort(keys);
  return keys;
}

const char *roleName(Role r) {
  return r == Role::Input ? "input" : r == Role::InOut ? "inout" : "output";
}

} // namespace

//===----------------------------------------------------------------------===//
// Options
//===----------------------------------------------------------------------===//

bool genericOptionsGiven() {
  return defineOpts.getNumOccurrences() || sizeOpts.getNumOccurrences() ||
         argOpts.getNumOccurrences() || fillOpts.getNumOccurrences() ||
         compareOpt.getNumOccurrences() || referenceOpt.getNumOccurrences() ||
         referenceKernelOpt.getNumOccurrences() ||
         referenceDataOpt.getNumOccurrences() ||
         saveReferenceOpt.getNumOccurrences() || rtolOpt.getNumOccurrences() ||
         atolOpt.getNumOccurrences();
}

bool readGenericOptions(GenericConfig &config) {
  auto assign = [](cl::list<std::string> &opt, StringRef flag,
                   StringMap<std::string> &out) {
    for (const std::string &text : opt) {
      StringRef name, value;
      if (!splitAssignment(text, name, value)) {
        fail(flag + " " + text + ": expected NAME=VALUE");
        return false;
      }
      auto [it, inserted] = out.try_emplace(name, value.str());
      if (!inserted && it->second != value) {
        fail(flag + " " + name + " is given twice, as " + it->second + " and " +
             value);
        return false;
      }
    }
    return true;
  };
  StringMap<std::string> sizes;
  if (!assign(defineOpts, "-D", config.defines) ||
      !assign(sizeOpts, "--size", sizes) ||
      !assign(argOpts, "--arg", config.args) ||
      !assign(fillOpts, "--fill", config.fills))
    return false;
  for (const auto &s : sizes) {
    int64_t v;
    if (StringRef(s.getValue()).getAsInteger(10, v) || v < 0) {
      fail("--size " + s.getKey() + "=" + s.getValue() +
           ": expected an integer >= 0");
      return false;
    }
    config.sizes[s.getKey()] = v;
  }
  if (compareOpt.getNumOccurrences() && compareOpt != "host") {
    fail("--compare " + compareOpt + ": expected host");
    return false;
  }
  config.compare = compareOpt;
  config.referenceFile = referenceOpt;
  SmallVector<StringRef> refs;
  StringRef(referenceKernelOpt).split(refs, ',', -1, false);
  for (StringRef r : refs)
    config.referenceKernels.push_back(r.trim().str());
  if (!referenceKernelOpt.empty() && referenceOpt.empty()) {
    fail("--reference-kernel needs --reference");
    return false;
  }
  config.referenceData = referenceDataOpt;
  config.saveReference = saveReferenceOpt;
  if (int(!config.compare.empty()) + int(!config.referenceFile.empty()) +
          int(!config.referenceData.empty()) >
      1) {
    fail("give one reference: --compare host, --reference or "
         "--reference-data");
    return false;
  }
  if (!config.saveReference.empty() && config.compare.empty() &&
      config.referenceFile.empty()) {
    fail("--save-reference needs --compare host or --reference");
    return false;
  }
  if (!(rtolOpt >= 0) || !(atolOpt >= 0)) {
    fail("--rtol and --atol must be >= 0");
    return false;
  }
  config.rtol = rtolOpt;
  config.atol = atolOpt;
  return true;
}

namespace {

//===----------------------------------------------------------------------===//
// Comparison
//===----------------------------------------------------------------------===//

/// One compared tensor's verdict.
struct Verdict {
  double err = 0, plainErr = 0, tol = 0, maxRef = 0;
  size_t worst = 0;
  size_t unwritten = 0;
  bool ok = false;
};

/// Largest |got - ref|; NaN when a NaN or an infinity differs. `worst` is
/// where (the first NaN, else the largest difference).
double maxError(const Buffer &got, const std::vector<double> &ref,
                size_t &worst) {
  double e = 0;
  worst = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    double a = got.get(i), r = ref[i];
    if (std::isnan(a) && std::isnan(r))
      continue;
    if (std::isinf(a) && std::isinf(r) && (a > 0) == (r > 0))
      continue;
    double d = std::fabs(a - r);
    if (std::isnan(d)) {
      worst = i;
      return std::numeric_limits<double>::quiet_NaN();
    }
    if (d > e) {
      e = d;
      worst = i;
    }
  }
  return e;
}

std::string indexText(const Buffer &b, size_t flat) {
  SmallVector<int64_t, 4> idx(b.shape.size());
  for (int i = static_cast<int>(b.shape.size()) - 1; i >= 0; --i) {
    idx[i] = b.shape[i] ? int64_t(flat % b.shape[i]) : 0;
    flat = b.shape[i] ? flat / b.shape[i] : 0;
  }
  std::string s = "[";
  for (size_t i = 0; i < idx.size(); ++i)
    s += (i ? ", " : "") + std::to_string(idx[i]);
  return s + "]";
}

/// Reference values saved by --save-reference: a JSON header line, then the
/// compared tensors' reference values as little-endian f64.
struct SavedReference {
  json::Object header;
  StringMap<std::vector<double>> values;
  StringMap<double> plainErrors;
};

constexpr StringLiteral kRefFormat = "flashtile-reference-1";

Expected<SavedReference> readReference(StringRef path) {
  auto buf = MemoryBuffer::getFile(path, /*IsText=*/false,
                                   /*RequiresNullTerminator=*/false);
  if (!buf)
    return err("cannot read '" + path + "': " + buf.getError().message());
  StringRef all = (*buf)->getBuffer();
  auto [head, data] = all.split('\n');
  auto bad = [&](const Twine &why) {
    return err("'" + path + "' is not a usable reference file: " + why);
  };
  if (head.size() > (1u << 20))
    return bad("header too long");
  // json::parse recurses once per level: a header nested without end would
  // overflow the stack, so nesting is measured first (strings skipped).
  unsigned depth = 0;
  bool inString = false;
  for (size_t i = 0; i < head.size(); ++i) {
    char c = head[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if ((c == '[' || c == '{') && ++depth > 16) {
      return bad("header nested more than 16 deep");
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  Expected<json::Value> v = json::parse(head);
  if (!v)
    return bad(toString(v.takeError()));
  SavedReference r;
  if (!v->getAsObject() || v->getAsObject()->getString("format") != kRefFormat)
    return bad(Twine("expected format ") + kRefFormat);
  r.header = *v->getAsObject();
  const json::Array *ts = r.header.getArray("tensors");
  if (!ts)
    return bad("no 'tensors'");
  for (const json::Value &t : *ts) {
    const json::Object *o = t.getAsObject();
    if (!o || !o->getString("name"))
      return bad("a tensor without a name");
    if (!o->getBoolean("compare").value_or(false))
      continue;
    auto off = o->getInteger("offset");
    auto count = o->getInteger("count");
    std::optional<StringRef> refType = o->getString("ref_dtype");
    unsigned width = refType == "f32" ? 4 : refType == "f64" ? 8 : 0;
    if (!width)
      return bad("tensor '" + *o->getString("name") +
                 "' has no 'ref_dtype' f32 or f64");
    if (!off || !count || *off < 0 || *count < 0 ||
        uint64_t(*count) > data.size() ||
        uint64_t(*off) + uint64_t(*count) * width > data.size())
      return bad("tensor '" + *o->getString("name") +
                 "' lies outside the file");
    std::vector<double> vals(*count);
    for (int64_t i = 0; i < *count; ++i) {
      const char *p = data.data() + *off + i * width;
      if (width == 4) {
        float f;
        std::memcpy(&f, p, 4);
        vals[i] = f;
      } else {
        std::memcpy(&vals[i], p, 8);
      }
    }
    r.values[*o->getString("name")] = std::move(vals);
    r.plainErrors[*o->getString("name")] =
        o->getNumber("plain_error").value_or(0);
  }
  return r;
}

} // namespace

//===----------------------------------------------------------------------===//
// The run
//===----------------------------------------------------------------------===//

int runGeneric(const GenericConfig &cfg) {
  GenericConfig config = cfg;
  bool fromSidecar = sys::path::extension(config.file) == ".json";
  bool haveRef = !config.compare.empty() || !config.referenceFile.empty() ||
                 !config.referenceData.empty();
  if (config.check && !haveRef)
    return fail("--check in generic mode needs a reference: --compare host, "
                "--reference FILE or --reference-data FILE");
#ifdef FA_RUN_GPU_ONLY
  if (!config.compare.empty() || !config.referenceFile.empty())
    return fail("this fa-run was built without MLIR (fa-run-gpu): it cannot "
                "run a reference on the host; compare with --reference-data "
                "(saved by fa-run --save-reference)");
#endif
  if (fromSidecar && !config.compare.empty())
    return fail("--compare host needs the kernels' source (.tile or .mlir), "
                "not a sidecar");

  // Saved reference values bring their sizes, arguments, fills and seed.
  std::optional<SavedReference> saved;
  if (!config.referenceData.empty()) {
    auto r = readReference(config.referenceData);
    if (!r)
      return fail(toString(r.takeError()));
    saved = std::move(*r);
    const json::Object &h = saved->header;
    if (const json::Array *ks = h.getArray("kernels")) {
      std::vector<std::string> names;
      for (const json::Value &k : *ks)
        if (auto s = k.getAsString())
          names.push_back(s->str());
      if (config.kernels.empty())
        config.kernels = names;
      else if (config.kernels != names)
        return fail("'" + config.referenceData +
                    "' was saved for other kernels (--kernel " +
                    join(names, ",") + ")");
    }
    auto merge = [&](StringRef key, auto &map, StringRef flag) -> bool {
      const json::Object *o = h.getObject(key);
      if (!o)
        return true;
      for (const auto &kv : *o) {
        std::string value;
        if (auto s = kv.second.getAsString())
          value = s->str();
        else if (auto i = kv.second.getAsInteger())
          value = std::to_string(*i);
        using T = typename std::decay_t<decltype(map)>::mapped_type;
        auto it = map.find(kv.first.str());
        if (it == map.end()) {
          if constexpr (std::is_same_v<T, int64_t>) {
            std::optional<int64_t> n = kv.second.getAsInteger();
            if (!n || *n < 0) {
              fail("'" + config.referenceData + "' has a malformed " + flag +
                   " " + kv.first.str());
              return false;
            }
            map[kv.first.str()] = *n;
          } else {
            map[kv.first.str()] = value;
          }
          continue;
        }
        std::string have;
        if constexpr (std::is_same_v<T, int64_t>)
          have = std::to_string(it->second);
        else
          have = it->second;
        if (have != value) {
          fail("'" + config.referenceData + "' was saved with " + flag + " " +
               kv.first.str() + "=" + value + ", but the command gives " +
               have);
          return false;
        }
      }
      for (const auto &kv : map)
        if (!o->get(kv.getKey())) {
          fail("'" + config.referenceData + "' was saved without " + flag +
               " " + kv.getKey().str());
          return false;
        }
      return true;
    };
    if (!merge("sizes", config.sizes, "--size") ||
        !merge("args", config.args, "--arg") ||
        !merge("fills", config.fills, "--fill") ||
        !merge("defines", config.defines, "-D"))
      return 1;
    uint64_t seed = uint64_t(h.getInteger("seed").value_or(0));
    if (cfg.seed != seed && cfg.seedGiven)
      return fail(formatv("'{0}' was saved with --seed {1}, but the command "
                          "gives {2}",
                          config.referenceData, seed, cfg.seed)
                      .str());
    config.seed = seed;
  }

  // The kernels, on the target.
  auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<Program> program;
  if (fromSidecar) {
    auto p = loadGpuProgram(config.file, config.kernels, config.target);
    if (!p)
      return fail(toString(p.takeError()));
    program = std::move(*p);
    // A sidecar's specialization must be the command's -D.
    for (size_t i = 0; i < program->kernels.size(); ++i) {
      auto k = fa::GpuKernel::load(config.file, program->kernels[i].name);
      if (!k)
        return fail(toString(k.takeError()));
      for (const auto &d : config.defines) {
        const json::Value *have = (*k)->getSpecialization().get(d.getKey());
        if (!have)
          continue;
        std::string text;
        if (auto b = have->getAsBoolean())
          text = *b ? "true" : "false";
        else if (auto n = have->getAsInteger())
          text = std::to_string(*n);
        else if (auto s = have->getAsString())
          text = s->str();
        if (text != d.getValue())
          return fail("kernel '" + program->kernels[i].name +
                      "' was compiled with " + d.getKey() + " = " + text +
                      ", but the command asks for " + d.getValue());
      }
    }
  } else {
#ifdef FA_RUN_GPU_ONLY
    return fail("this fa-run was built without MLIR: give a compiled "
                "kernel's sidecar (.json), not '" +
                config.file + "'");
#else
    std::string note;
    auto p = compileProgram(config.file, config.kernels, config.defines,
                            /*f64=*/false, /*onlyKnownDefines=*/false, config,
                            config.target, note);
    if (!p)
      return fail(toString(p.takeError()));
    program = std::move(*p);
#endif
  }
  auto t1 = std::chrono::steady_clock::now();
  std::vector<std::string> names;
  for (const GenericKernelDesc &k : program->kernels)
    names.push_back(k.name);

  // References on the host (compiled before anything is bound: a sidecar
  // does not say which tensors its kernels write, the reference does).
  std::unique_ptr<Program> refProgram, plainProgram;
  std::string refNote;
  std::vector<std::string> refNames;
  [[maybe_unused]] bool plainIsRef = false;
  bool plainIsKernel = false;
#ifndef FA_RUN_GPU_ONLY
  if (!config.compare.empty() || !config.referenceFile.empty()) {
    bool same = !config.compare.empty();
    std::string file = same ? config.file : config.referenceFile;
    // A reference kernel is specialized like the kernels: every parameter
    // it shares with them gets their value (defaults included).
    StringMap<std::string> refDefines = config.defines;
    if (!same)
      for (const GenericKernelDesc &k : program->kernels)
        for (const auto &p : k.params)
          refDefines.try_emplace(p.getKey(), p.getValue());
    auto r = compileProgram(
        file, same ? names : config.referenceKernels, refDefines, /*f64=*/true,
        /*onlyKnownDefines=*/!same, config, "host", refNote);
    if (!r)
      return fail("the reference: " + toString(r.takeError()));
    refProgram = std::move(*r);
    for (const GenericKernelDesc &k : refProgram->kernels)
      refNames.push_back(k.name);
    // Without f64 type parameters the reference is its own plain run; for
    // --compare host on the host the kernels' run is.
    plainIsRef = refNote.find("set to f") == std::string::npos;
    plainIsKernel = !plainIsRef && same && config.target == "host";
    if (!plainIsRef && !plainIsKernel) {
      std::string ignored;
      auto p = compileProgram(file, refNames, refDefines, /*f64=*/false, !same,
                              config, "host", ignored);
      if (!p)
        return fail("the reference in the kernels' types: " +
                    toString(p.takeError()));
      plainProgram = std::move(*p);
    }
  }
#endif

  Pool pool;
  Used used;
  if (Error e = buildPool(program->kernels, config, pool, used))
    return fail(toString(std::move(e)));
  if (saved) {
    // Roles (which tensors start poisoned) come from the saving run.
    const json::Array *ts = saved->header.getArray("tensors");
    StringSet<> listed;
    for (const json::Value &t : *ts) {
      const json::Object *o = t.getAsObject();
      std::string name = o->getString("name").value_or("").str();
      auto it = pool.tensors.find(name);
      if (it == pool.tensors.end())
        return fail("'" + config.referenceData + "' has tensor '" + name +
                    "', which the kernels do not have");
      listed.insert(name);
      Buffer &b = it->second;
      std::string dtype = o->getString("dtype").value_or("").str();
      SmallVector<int64_t, 4> shape;
      if (const json::Array *s = o->getArray("shape"))
        for (const json::Value &d : *s)
          shape.push_back(d.getAsInteger().value_or(-1));
      if (dtype != b.dtype || shape != b.shape)
        return fail("tensor '" + name + "' is " + b.dtype + " " +
                    shapeText(b.shape) + ", but '" + config.referenceData +
                    "' saved it as " + dtype + " " + shapeText(shape));
      StringRef role = o->getString("role").value_or("");
      b.role = role == "output"  ? Role::Output
               : role == "inout" ? Role::InOut
                                 : Role::Input;
      b.written = o->getBoolean("compare").value_or(false);
    }
    for (const std::string &name : pool.order)
      if (!listed.contains(name))
        return fail("'" + config.referenceData + "' does not have tensor '" +
                    name + "'");
  } else if (fromSidecar && refProgram) {
    // The reference's roles: what it writes first starts poisoned.
    Pool scratch;
    Used ignored;
    if (Error e = buildPool(refProgram->kernels, config, scratch, ignored))
      return fail("the reference: " + toString(std::move(e)));
    for (const std::string &name : pool.order) {
      auto it = scratch.tensors.find(name);
      if (it != scratch.tensors.end()) {
        pool.tensors[name].role = it->second.role;
        pool.tensors[name].written = it->second.written;
      }
    }
  }
  if (Error e = fillPool(pool, config, used))
    return fail(toString(std::move(e)));
  uint64_t checksum = inputChecksum(pool);
  if (saved) {
    std::string want =
        saved->header.getString("input_checksum").value_or("").str();
    if (want != utohexstr(checksum, /*LowerCase=*/true))
      return fail("the inputs differ from those '" + config.referenceData +
                  "' was saved for (checksum " +
                  utohexstr(checksum, /*LowerCase=*/true) + ", saved " + want +
                  ")");
  }
  Pool refPool, plainPool;
  if (refProgram)
    if (Error e = derivePool(refProgram->kernels, config, pool, refPool, used))
      return fail(toString(std::move(e)));
  if (plainProgram)
    if (Error e =
            derivePool(plainProgram->kernels, config, pool, plainPool, used))
      return fail(toString(std::move(e)));
  if (Error e = checkUnused(config, used))
    return fail(toString(std::move(e)));

  // Run.
  auto t2 = std::chrono::steady_clock::now();
  if (Error e = program->run(pool))
    return fail(toString(std::move(e)));
  auto t3 = std::chrono::steady_clock::now();
  outs() << "fa-run: " << join(names, ",") << " on " << config.target << ":";
  for (const std::string &s : sortedKeys(config.sizes))
    outs() << " " << s << "=" << config.sizes.lookup(s);
  for (const std::string &a : sortedKeys(config.args))
    outs() << " " << a << "=" << config.args.lookup(a);
  outs() << " seed=" << config.seed << "\n";
  outs() << format("time: compile %.3f s, run %.3f s\n",
                   std::chrono::duration<double>(t1 - t0).count(),
                   std::chrono::duration<double>(t3 - t2).count());
  if (config.timeIters) {
    auto ms = program->time(pool, config.timeIters);
    if (!ms)
      return fail(toString(ms.takeError()));
    for (auto [k, m] : llvm::zip(names, *ms))
      outs() << format("kernel time: %s: median of %u launches %.4f ms\n",
                       k.c_str(), config.timeIters, m);
  }
  if (!haveRef) {
    outs() << "no check (give --compare host, --reference or "
              "--reference-data to compare with a reference)\n";
    return 0;
  }

  // References.
  auto t4 = std::chrono::steady_clock::now();
  StringMap<std::vector<double>> refValues;
  StringMap<double> plainErrors;
  std::vector<std::string> compared;
  if (saved) {
    outs() << "reference: values saved in " << config.referenceData << " ("
           << saved->header.getString("reference").value_or("") << ")\n";
    for (const std::string &name : pool.order)
      if (saved->values.count(name)) {
        if (saved->values[name].size() != pool.tensors[name].size())
          return fail("'" + config.referenceData + "' holds " +
                      Twine(saved->values[name].size()) + " values of '" +
                      name + "', which has " +
                      Twine(pool.tensors[name].size()));
        compared.push_back(name);
        refValues[name] = saved->values[name];
        plainErrors[name] = saved->plainErrors[name];
      }
  } else {
    if (Error e = refProgram->run(refPool))
      return fail("the reference: " + toString(std::move(e)));
    if (plainProgram)
      if (Error e = plainProgram->run(plainPool))
        return fail("the reference in the kernels' types: " +
                    toString(std::move(e)));
    outs() << "reference: "
           << (config.compare.empty()
                   ? config.referenceFile + " (" + join(refNames, ",") + ")"
                   : std::string("the same kernels"))
           << " on the host, " << refNote << "\n";
    if (plainIsKernel)
      outs() << "note: on the host --compare host checks only that every "
                "output is written and has no NaN the f64 run lacks (the "
                "plain run is the kernel run); use --reference for an "
                "independent check\n";
    for (const std::string &name : pool.order) {
      const Buffer &got = pool.tensors[name];
      auto r = refPool.tensors.find(name);
      if (r == refPool.tensors.end() || !r->second.written)
        continue;
      // --compare host: what the kernels write; --reference: what the
      // reference writes.
      if (!config.compare.empty() && !got.written)
        continue;
      compared.push_back(name);
      std::vector<double> vals(got.size());
      for (size_t i = 0; i < vals.size(); ++i)
        vals[i] = r->second.get(i);
      double pe = 0;
      size_t w;
      if (plainProgram)
        pe = maxError(plainPool.tensors[name], vals, w);
      else if (plainIsKernel)
        pe = maxError(got, vals, w);
      refValues[name] = std::move(vals);
      plainErrors[name] = pe;
    }
  }
  if (compared.empty())
    return fail("nothing to compare: the reference writes none of the "
                "kernels' tensors");

  // The slack: the unit roundoff of the least precise float type among the
  // kernels' tensors (the precision the computation cannot beat), relative
  // to the largest reference value.
  double uLeast = 0;
  for (const std::string &name : pool.order) {
    double u = roundoff(pool.tensors[name].dtype);
    uLeast = std::max(uLeast, u);
  }
  bool allOk = true;
  for (const std::string &name : compared) {
    const Buffer &got = pool.tensors[name];
    const std::vector<double> &ref = refValues[name];
    Verdict v;
    v.err = maxError(got, ref, v.worst);
    v.plainErr = plainErrors[name];
    for (size_t i = 0; i < ref.size(); ++i) {
      if (std::isfinite(ref[i]))
        v.maxRef = std::max(v.maxRef, std::fabs(ref[i]));
      double a = got.get(i);
      bool poisoned =
          isFloatDType(got.dtype)
              ? std::isnan(a)
              : std::all_of(got.bytes.begin() + i * got.elemBytes(),
                            got.bytes.begin() + (i + 1) * got.elemBytes(),
                            [](uint8_t x) { return x == 0xA5; });
      if (poisoned && !std::isnan(ref[i]))
        ++v.unwritten;
    }
    double u = isFloatDType(got.dtype) ? uLeast : 0;
    v.tol = 2 * (std::isnan(v.plainErr) ? 0 : v.plainErr) + u * v.maxRef +
            config.atol + config.rtol * v.maxRef;
    v.ok = v.err <= v.tol; // false for NaN
    allOk &= v.ok;
    outs() << format("max abs error of %s: kernel %.3e  plain %s %.3e  "
                     "tolerance %.3e  %s\n",
                     name.c_str(), v.err, got.dtype.c_str(), v.plainErr, v.tol,
                     v.ok ? "ok" : "TOO LARGE");
    if (!v.ok) {
      outs() << "  worst at " << indexText(got, v.worst)
             << format(": kernel %g, reference %g\n", got.get(v.worst),
                       ref[v.worst]);
      if (v.unwritten)
        outs() << "  " << v.unwritten << " of " << got.size()
               << " elements were not written (still poisoned)\n";
    }
  }
  outs() << "tolerance rule: kernel error <= 2 x plain error + "
         << format("%.3e", uLeast)
         << " (unit roundoff of the least precise float type) x max "
            "|reference|";
  if (config.atol || config.rtol)
    outs() << format(" + %g + %g x max |reference|", config.atol, config.rtol);
  outs() << "\n";

  if (!config.saveReference.empty()) {
    json::Array tensors;
    std::string data;
    for (const std::string &name : pool.order) {
      const Buffer &b = pool.tensors[name];
      bool cmp = refValues.count(name);
      json::Array shape;
      for (int64_t d : b.shape)
        shape.push_back(d);
      json::Object o{{"name", name},
                     {"dtype", b.dtype},
                     {"shape", std::move(shape)},
                     {"role", roleName(b.role)},
                     {"compare", cmp}};
      if (cmp) {
        // Values of a 16-bit tensor are kept as f32 (half the size; their
        // rounding is 2^-16 of the tensor's own), others as f64.
        const std::vector<double> &vals = refValues[name];
        bool narrow = b.dtype == "bf16" || b.dtype == "f16";
        o["offset"] = int64_t(data.size());
        o["count"] = int64_t(vals.size());
        o["ref_dtype"] = narrow ? "f32" : "f64";
        o["plain_error"] = plainErrors[name];
        for (double x : vals) {
          char bytes[8];
          if (narrow) {
            float f = static_cast<float>(x);
            std::memcpy(bytes, &f, 4);
          } else {
            std::memcpy(bytes, &x, 8);
          }
          data.append(bytes, bytes + (narrow ? 4 : 8));
        }
      }
      tensors.push_back(std::move(o));
    }
    json::Object sizes, args, fills, defines;
    for (const auto &s : config.sizes)
      sizes[s.getKey()] = s.getValue();
    for (const auto &a : config.args)
      args[a.getKey()] = a.getValue();
    for (const auto &f : config.fills)
      fills[f.getKey()] = f.getValue();
    for (const auto &d : config.defines)
      defines[d.getKey()] = d.getValue();
    json::Array kernelNames;
    for (const std::string &n : names)
      kernelNames.push_back(n);
    json::Object header{{"format", kRefFormat},
                        {"kernels", std::move(kernelNames)},
                        {"sizes", std::move(sizes)},
                        {"args", std::move(args)},
                        {"fills", std::move(fills)},
                        {"defines", std::move(defines)},
                        {"seed", int64_t(config.seed)},
                        {"input_checksum", utohexstr(checksum, true)},
                        {"reference", refNote},
                        {"tensors", std::move(tensors)}};
    std::error_code ec;
    raw_fd_ostream os(config.saveReference, ec);
    if (ec)
      return fail("cannot write '" + config.saveReference +
                  "': " + ec.message());
    os << json::Value(std::move(header)) << "\n";
    os.write(data.data(), data.size());
    os.close();
    if (os.has_error())
      return fail("cannot write '" + config.saveReference +
                  "': " + os.error().message());
    outs() << "saved the reference values to " << config.saveReference << "\n";
  }
  outs() << format(
      "time: references and check %.3f s\n",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t4)
          .count());
  outs() << (allOk ? "PASS" : "FAIL") << "\n";
  return allOk ? 0 : 1;
}

} // namespace fa_run
