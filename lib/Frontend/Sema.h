//===- Sema.h - name resolution, type and shape checking -------*- C++ -*-===//
//
// Sema binds a kernel's compile-time parameters (defaults, then `-D`), resolves
// every name, computes the type, shape and compile-time value of every
// expression and reports what is wrong. IRGen only runs on kernels Sema
// accepted, and relies on its annotations.
//
//===----------------------------------------------------------------------===//
#ifndef FA_LIB_FRONTEND_SEMA_H
#define FA_LIB_FRONTEND_SEMA_H

#include "AST.h"
#include "Diagnostics.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <memory>
#include <vector>

namespace fa::frontend {

struct Symbol {
  enum class Kind { Param, Arg, Size, Let, Var, LoopVar } kind;
  std::string name;
  llvm::SMLoc loc;
  /// Type of the value (scalar, tile or global tensor).
  SType type;
  /// Compile-time value (parameters, `let` of a constant).
  std::optional<ConstVal> cval;
  /// For a type parameter: the element type it stands for.
  Elem typeValue = Elem::None;
  /// Arg: position in the argument list. Size: the first argument and
  /// dimension it was declared by.
  unsigned argIndex = 0;
  unsigned dimIndex = 0;
  /// Number of enclosing `for`/`if` at the declaration.
  unsigned cfDepth = 0;
};

/// A compile-time parameter after specialization.
struct ParamValue {
  std::string name;
  ParamDecl::Kind kind;
  ConstVal value;         // Int, Bool
  Elem type = Elem::None; // Type
};

/// A kernel argument after checking.
struct ArgInfo {
  Symbol *sym = nullptr;
  bool isGlobal = false;
  Elem elem = Elem::None;
  /// Per dimension: the static size, or -1 for a symbolic size.
  llvm::SmallVector<int64_t, 4> dims;
  /// Per dimension: the symbolic size's name (empty when static).
  llvm::SmallVector<std::string, 4> dimNames;
};

struct CheckedKernel {
  KernelDecl *decl = nullptr;
  std::vector<ParamValue> params;
  std::vector<ArgInfo> args;
  std::vector<std::unique_ptr<Symbol>> symbols;
};

/// Binds the parameters of `kernel` (`defines` override defaults; used names
/// are added to `usedDefines`) and checks it. Returns null if any error was
/// reported.
std::unique_ptr<CheckedKernel>
checkKernel(KernelDecl &kernel, const std::vector<std::unique_ptr<FnDecl>> &fns,
            const llvm::StringMap<std::string> &defines,
            llvm::StringSet<> &usedDefines, DiagEngine &diag);

/// The element type two operands are brought to, or None if they do not mix.
Elem unifyElem(const SType &a, const SType &b);

} // namespace fa::frontend

#endif // FA_LIB_FRONTEND_SEMA_H
