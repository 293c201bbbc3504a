//===- TileDefaults.cpp - per-target defaults for kernel parameters -------===//

#include "fa/Target/TileDefaults.h"
#include "fa/Dialect/Tile/IR/TileDialect.h"

#include "mlir/IR/BuiltinAttributes.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace llvm;

bool fa::isTileDefaultsOption(StringRef name) {
  return name == "num-warps" || name == "num-stages" || name == "mma" ||
         name == "prefetch-registers" || name == "copy-engine" ||
         name == "pingpong" || name == "overlap-dots" ||
         name == "warp-specialize" || name == "min-programs-per-sm" ||
         name == "async-reductions";
}

static bool
parseAssignments(StringRef text,
                 SmallVectorImpl<std::pair<std::string, std::string>> &out,
                 std::string &why) {
  SmallVector<StringRef> words;
  SplitString(text, words, " \t");
  for (StringRef w : words) {
    auto [name, value] = w.split('=');
    if (!w.contains('=') || name.empty() || value.empty()) {
      why = "expected NAME=VALUE, got '" + w.str() + "'";
      return false;
    }
    out.push_back({name.str(), value.str()});
  }
  return true;
}

bool fa::parseTileDefaults(StringRef text, StringRef name, TileDefaults &out,
                           std::string &error) {
  SmallVector<StringRef> lines;
  text.split(lines, '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    StringRef line = lines[i].split('#').first.trim();
    if (line.empty())
      continue;
    auto fail = [&](const Twine &msg) {
      error = (name + ":" + Twine(i + 1) + ": " + msg).str();
      return false;
    };
    auto [lhs, rhs] = line.split(':');
    if (!line.contains(':'))
      return fail("expected '<target> <conditions> : <settings>'");
    TileDefaultRule rule;
    rule.line = i + 1;
    lhs = lhs.trim();
    auto [target, conditions] = lhs.split(' ');
    rule.target = target.trim().str();
    if (rule.target.empty())
      return fail("missing target before ':'");
    std::string why;
    if (!parseAssignments(conditions, rule.when, why) ||
        !parseAssignments(rhs, rule.set, why))
      return fail(why);
    if (rule.set.empty())
      return fail("no settings after ':'");
    for (auto &[key, value] : rule.set) {
      unsigned number;
      bool isSwitch = key == "pingpong" || key == "overlap-dots" ||
                      key == "warp-specialize" || key == "async-reductions";
      if (isSwitch && value != "true" && value != "false")
        return fail("'" + key + "' must be true or false, got '" + value + "'");
      // mma and copy-engine name a choice, pingpong, overlap-dots and
      // warp-specialize are switches; the others are counts, small enough
      // for the tools to convert without overflow.
      if (isTileDefaultsOption(key) && key != "mma" && key != "copy-engine" &&
          !isSwitch &&
          (!llvm::all_of(value, llvm::isDigit) ||
           StringRef(value).getAsInteger(10, number) || number > 65536))
        return fail("'" + key + "' must be a number up to 65536, got '" +
                    value + "'");
    }
    out.rules.push_back(std::move(rule));
  }
  return true;
}

StringMap<std::string>
fa::matchTileDefaults(const TileDefaults &defaults, StringRef target,
                      const StringMap<std::string> &params) {
  StringMap<std::string> settings;
  for (const TileDefaultRule &rule : defaults.rules) {
    if (rule.target != "*" && rule.target != target)
      continue;
    bool holds = llvm::all_of(rule.when, [&](const auto &cond) {
      auto it = params.find(cond.first);
      return it != params.end() && it->second == cond.second;
    });
    if (!holds)
      continue;
    for (const auto &[key, value] : rule.set)
      settings.try_emplace(key, value);
  }
  return settings;
}

StringMap<std::string> fa::kernelParams(mlir::ModuleOp module) {
  StringMap<std::string> params;
  module.walk([&](fa::tile::KernelOp kernel) {
    auto dict = kernel.getParamsAttr();
    if (!dict)
      return;
    for (mlir::NamedAttribute p : dict) {
      std::string value;
      raw_string_ostream os(value);
      if (auto b = dyn_cast<mlir::BoolAttr>(p.getValue()))
        os << (b.getValue() ? "true" : "false");
      else if (auto i = dyn_cast<mlir::IntegerAttr>(p.getValue()))
        os << i.getInt();
      else if (auto t = dyn_cast<mlir::TypeAttr>(p.getValue()))
        t.getValue().print(os);
      else
        continue;
      params.try_emplace(p.getName().strref(), value);
    }
  });
  return params;
}

bool fa::applyTileDefaults(StringRef text, StringRef name,
                           const StringMap<std::string> &params,
                           const TileDefaultsGiven &given,
                           CompileOptions &options,
                           StringMap<std::string> &defines, bool &respecialize,
                           std::string &error) {
  respecialize = false;
  TileDefaults defaults;
  if (!parseTileDefaults(text, name, defaults, error))
    return false;
  StringMap<std::string> settings =
      matchTileDefaults(defaults, options.target, params);
  for (auto &entry : settings) {
    StringRef key = entry.getKey();
    const std::string &value = entry.getValue();
    // The parser bounds numbers (at most 65536), so these conversions hold.
    if (key == "num-warps") {
      if (!given.numWarps)
        options.numWarps = std::stoul(value);
    } else if (key == "num-stages") {
      if (!given.numStages)
        options.numStages = std::stoul(value);
    } else if (key == "prefetch-registers") {
      if (!given.prefetchRegisters)
        options.prefetchRegisters = std::stoul(value);
    } else if (key == "overlap-dots") {
      if (!given.overlapDots)
        options.overlapDots = value == "true";
    } else if (key == "async-reductions") {
      if (!given.asyncReductions)
        options.asyncReductions = value == "true";
    } else if (key == "mma") {
      if (!given.mma)
        options.mma = value;
    } else if (key == "copy-engine") {
      if (!given.copyEngine)
        options.copyEngine = value;
    } else if (key == "pingpong") {
      if (!given.pingpong)
        options.pingpong = value == "true";
    } else if (key == "warp-specialize") {
      if (!given.warpSpecialize)
        options.warpSpecialize = value == "true";
    } else if (key == "min-programs-per-sm") {
      if (!given.minProgramsPerSM)
        options.minProgramsPerSM = std::stoul(value);
    } else if (given.oneKernel && !params.count(key)) {
      // Not a parameter of the one kernel compiled: the line shapes the
      // file's others. (With every kernel compiled, an unknown name stays
      // an error, reported as for -D.)
      continue;
    } else if (defines.try_emplace(key, value).second) {
      respecialize = true;
    }
  }
  if (options.numStages < 1 || options.numStages > 8) {
    error = "num-stages=" + std::to_string(options.numStages) + " from '" +
            name.str() + "' must be between 1 and 8";
    return false;
  }
  return true;
}
