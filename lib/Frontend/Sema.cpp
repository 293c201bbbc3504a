//===- Sema.cpp - name resolution, type and shape checking ----------------===//

#include "Sema.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>
#include <limits>

using namespace fa::frontend;
using llvm::SMLoc;
using llvm::StringRef;
using llvm::Twine;

/// Tiles larger than this are rejected: they cannot be meant, and sizes stay
/// far from overflow.
static constexpr int64_t kMaxTileElements = int64_t(1) << 24;

Elem fa::frontend::unifyElem(const SType &a, const SType &b) {
  if (a.elem == b.elem)
    return a.elem;
  auto adapts = [](const SType &weak, Elem to) {
    if (!weak.weak)
      return false;
    if (weak.elem == Elem::I32)
      return isInt(to) || isFloat(to);
    return weak.elem == Elem::F32 && isFloat(to);
  };
  if (a.weak && b.weak)
    return Elem::F32; // an int and a float literal
  if (adapts(a, b.elem))
    return b.elem;
  if (adapts(b, a.elem))
    return a.elem;
  return Elem::None;
}

/// Where an expression begins (a binary expression's own location is its
/// operator): used for errors about a whole argument.
static SMLoc startLoc(const Expr &e) {
  if (auto *b = llvm::dyn_cast<BinaryExpr>(&e))
    return startLoc(*b->lhs);
  if (auto *t = llvm::dyn_cast<TernaryExpr>(&e))
    return startLoc(*t->cond);
  if (auto *i = llvm::dyn_cast<IndexExpr>(&e))
    return startLoc(*i->base);
  return e.getLoc();
}

namespace {

bool fitsI32(int64_t v) {
  return v >= std::numeric_limits<int32_t>::min() &&
         v <= std::numeric_limits<int32_t>::max();
}

class Sema {
public:
  Sema(KernelDecl &k, DiagEngine &diag) : k(k), diag(diag) {}
  /// The file's user functions, by name.
  llvm::StringMap<const FnDecl *> fns;

  std::unique_ptr<CheckedKernel>
  run(const llvm::StringMap<std::string> &defines, llvm::StringSet<> &used);

private:
  // Reporting.
  SType error(SMLoc loc, const Twine &msg) {
    diag.error(loc, msg);
    return SType::error();
  }

  // Symbols and scopes.
  Symbol *newSymbol(Symbol::Kind kind, StringRef name, SMLoc loc) {
    out->symbols.push_back(std::make_unique<Symbol>());
    Symbol *s = out->symbols.back().get();
    s->kind = kind;
    s->name = name.str();
    s->loc = loc;
    s->cfDepth = cfStack.size();
    return s;
  }
  Symbol *lookup(StringRef name) {
    for (auto it = scopes.rbegin(); it != scopes.rend(); ++it) {
      auto found = it->find(name);
      if (found != it->end())
        return found->second;
    }
    return nullptr;
  }
  /// Declares `name` in the innermost scope; false (and an error) if it is
  /// taken or reserved.
  bool declare(Symbol *sym);
  std::string suggest(StringRef name, bool functions);

  // Kernel header.
  void bindParams(const llvm::StringMap<std::string> &defines,
                  llvm::StringSet<> &used);
  void checkArgs();
  Elem resolveType(const TypeRef &t);
  void checkGrid();

  // Statements.
  void checkBlock(BlockStmt &b);
  void checkStmt(Stmt &s);
  void checkDecl(DeclStmt &d);
  void checkAssign(AssignStmt &a);
  void checkFor(ForStmt &f);
  void checkIf(IfStmt &s);
  void checkWhile(WhileStmt &w);
  void checkBreak(BreakStmt &b);
  /// Enclosing loops: the slot of each one's break flag and its level in
  /// cfStack.
  struct Loop {
    Symbol **go;
    unsigned level;
  };
  std::vector<Loop> loops;

  // Expressions.
  SType check(Expr &e);
  SType checkValue(Expr &e);
  /// `t`, the type of the checked `e`, as a value (errors for globals,
  /// blocks and calls without a value; a single element is a scalar load).
  SType asValue(Expr &e, SType t);
  SType checkScalarInt(Expr &e, StringRef what);
  std::optional<int64_t> checkConstInt(Expr &e, StringRef what);
  std::optional<llvm::SmallVector<int64_t, 4>> checkShapeList(Expr &e,
                                                              StringRef what);
  SType checkName(NameExpr &e);
  SType checkUnary(UnaryExpr &e);
  SType checkBinary(BinaryExpr &e);
  SType binaryType(BinaryOp op, SMLoc loc, const SType &l, const SType &r,
                   const std::optional<ConstVal> &lc,
                   const std::optional<ConstVal> &rc,
                   std::optional<ConstVal> &result);
  SType checkTernary(TernaryExpr &e);
  SType checkIndex(IndexExpr &e);
  SType checkCall(CallExpr &e);
  SType checkUserCall(CallExpr &e, const FnDecl &fn);
  /// User functions being inlined (no recursion).
  std::vector<const FnDecl *> activeFns;
  /// Calls inlined so far in this kernel, and the most allowed.
  unsigned inlinedCalls = 0;
  static constexpr unsigned kMaxInlinedCalls = 4096;
  bool checkMask(Expr &m, const SType &slice, StringRef fn);
  SType checkBuiltin(CallExpr &e, Builtin b);
  std::optional<llvm::SmallVector<int64_t, 4>>
  broadcast(SMLoc loc, StringRef what, llvm::ArrayRef<const SType *> types);
  bool checkTileSize(SMLoc loc, llvm::ArrayRef<int64_t> shape);
  bool assignable(const SType &from, const SType &to);

  KernelDecl &k;
  DiagEngine &diag;
  std::unique_ptr<CheckedKernel> out;
  std::vector<llvm::StringMap<Symbol *>> scopes;
  /// Enclosing `for`/`if` statements: where assigned outer `var`s are noted.
  std::vector<std::vector<Symbol *> *> cfStack;
  bool inGrid = false;
};

} // namespace

//===----------------------------------------------------------------------===//
// Names
//===----------------------------------------------------------------------===//

static bool isReservedName(StringRef name) {
  return name == "range" || name == "int" || name == "type";
}

bool Sema::declare(Symbol *sym) {
  StringRef name = sym->name;
  if (lookupBuiltin(name) != Builtin::None) {
    diag.error(sym->loc, "'" + name + "' is the name of a builtin function");
    return false;
  }
  if (parseElemName(name) != Elem::None) {
    diag.error(sym->loc, "'" + name + "' is the name of a type");
    return false;
  }
  if (isReservedName(name)) {
    diag.error(sym->loc, "'" + name + "' is a reserved word");
    return false;
  }
  if (Symbol *prev = lookup(name)) {
    diag.error(sym->loc, "redefinition of '" + name + "'");
    diag.note(prev->loc, "'" + name + "' was first defined here");
    return false;
  }
  scopes.back()[name] = sym;
  return true;
}

std::string Sema::suggest(StringRef name, bool functions) {
  std::string best;
  unsigned bestDist = 3;
  auto consider = [&](StringRef cand) {
    unsigned d = name.edit_distance(cand, true, bestDist);
    if (d < bestDist || (d == bestDist && best.empty() && d <= 2)) {
      if (d <= 2 && d < name.size()) {
        bestDist = d;
        best = cand.str();
      }
    }
  };
  if (functions) {
    for (StringRef b : builtinNames())
      consider(b);
  } else {
    for (auto &scope : scopes)
      for (auto &entry : scope)
        consider(entry.getKey());
  }
  if (best.empty())
    return "";
  return "; did you mean '" + best + "'?";
}

//===----------------------------------------------------------------------===//
// Kernel header
//===----------------------------------------------------------------------===//

static std::optional<int64_t> parseDefineInt(StringRef s) {
  s = s.trim();
  bool neg = s.consume_front("-");
  uint64_t v;
  if (s.empty() || s.getAsInteger(10, v))
    return std::nullopt;
  if (v > uint64_t(std::numeric_limits<int32_t>::max()) + (neg ? 1 : 0))
    return std::nullopt;
  return neg ? -int64_t(v) : int64_t(v);
}

static StringRef kindName(ParamDecl::Kind k) {
  switch (k) {
  case ParamDecl::Kind::Int:
    return "int";
  case ParamDecl::Kind::Bool:
    return "bool";
  case ParamDecl::Kind::Type:
    return "type";
  }
  return "?";
}

void Sema::bindParams(const llvm::StringMap<std::string> &defines,
                      llvm::StringSet<> &used) {
  for (ParamDecl &p : k.params) {
    // The kind: written, or that of the default.
    std::optional<ParamDecl::Kind> kind = p.kind;
    std::optional<ParamDecl::Kind> defKind;
    if (p.defaultValue)
      defKind = p.defaultValue->kind == ConstVal::Kind::Bool
                    ? ParamDecl::Kind::Bool
                    : ParamDecl::Kind::Int;
    else if (p.defaultType)
      defKind = ParamDecl::Kind::Type;
    if (kind && defKind && *kind != *defKind) {
      diag.error(p.defaultLoc,
                 "the default of '" + p.name + "' is " +
                     (*defKind == ParamDecl::Kind::Int ? "an " : "a ") +
                     kindName(*defKind) + " but the parameter is declared '" +
                     kindName(*kind) + "'");
      continue;
    }
    if (!kind)
      kind = defKind;
    if (!kind) {
      diag.error(p.loc, "compile-time parameter '" + p.name +
                            "' needs a default value or a kind (': int', "
                            "': bool' or ': type')");
      continue;
    }
    ParamValue pv;
    pv.name = p.name;
    pv.kind = *kind;
    bool haveValue = false;
    auto def = defines.find(p.name);
    if (def != defines.end()) {
      used.insert(p.name);
      StringRef text = def->second;
      if (*kind == ParamDecl::Kind::Int) {
        if (auto v = parseDefineInt(text)) {
          pv.value = ConstVal::ofInt(*v);
          haveValue = true;
        } else {
          diag.error(
              p.loc,
              "-D " + p.name + "=" + text +
                  ": expected an i32 integer for compile-time parameter '" +
                  p.name + "'");
        }
      } else if (*kind == ParamDecl::Kind::Bool) {
        StringRef t = text.trim();
        if (t == "true" || t == "1" || t == "false" || t == "0") {
          pv.value = ConstVal::ofBool(t == "true" || t == "1");
          haveValue = true;
        } else {
          diag.error(
              p.loc,
              "-D " + p.name + "=" + text +
                  ": expected true or false for compile-time parameter '" +
                  p.name + "'");
        }
      } else {
        Elem e = parseElemName(text.trim());
        if (e != Elem::None) {
          pv.type = e;
          haveValue = true;
        } else {
          diag.error(p.loc,
                     "-D " + p.name + "=" + text +
                         ": expected an element type (f32, f16, bf16, "
                         "f64, f8e4m3, f8e5m2, i8, i32, i64, u32, bool) for '" +
                         p.name + "'");
        }
      }
      if (!haveValue)
        continue;
    } else if (p.defaultValue) {
      pv.value = *p.defaultValue;
      haveValue = true;
    } else if (p.defaultType) {
      pv.type = parseElemName(p.defaultType->name);
      if (pv.type == Elem::None) {
        diag.error(p.defaultType->loc, "unknown type '" + p.defaultType->name +
                                           "' as the default of '" + p.name +
                                           "'");
        continue;
      }
      haveValue = true;
    } else {
      diag.error(p.loc, "no value for compile-time parameter '" + p.name +
                            "': give one with -D " + p.name + "=...");
      continue;
    }
    Symbol *sym = newSymbol(Symbol::Kind::Param, p.name, p.loc);
    if (pv.kind == ParamDecl::Kind::Int) {
      sym->type = SType::scalar(Elem::I32, /*weak=*/true);
      sym->cval = pv.value;
    } else if (pv.kind == ParamDecl::Kind::Bool) {
      sym->type = SType::scalar(Elem::I1);
      sym->cval = pv.value;
    } else {
      sym->typeValue = pv.type;
    }
    if (declare(sym))
      out->params.push_back(pv);
  }
}

Elem Sema::resolveType(const TypeRef &t) {
  Elem e = parseElemName(t.name);
  if (e != Elem::None)
    return e;
  if (Symbol *s = lookup(t.name)) {
    if (s->kind == Symbol::Kind::Param && s->typeValue != Elem::None)
      return s->typeValue;
    diag.error(t.loc, "'" + t.name + "' is not a type");
    return Elem::None;
  }
  std::string hint;
  for (StringRef cand : {"f32", "f16", "bf16", "f64", "i32", "i64", "u32",
                         "bool", "f8e4m3", "f8e5m2"})
    if (StringRef(t.name).edit_distance(cand) <=
        (t.name.size() > 2 ? 2u : 1u)) {
      hint = "; did you mean '" + cand.str() + "'?";
      break;
    }
  diag.error(t.loc, "unknown type '" + t.name + "'" + hint);
  return Elem::None;
}

void Sema::checkArgs() {
  unsigned index = 0;
  for (ArgDecl &a : k.args) {
    ArgInfo info;
    info.isGlobal = a.isGlobal;
    info.elem = resolveType(a.elemType);
    Symbol *sym = newSymbol(Symbol::Kind::Arg, a.name, a.loc);
    sym->argIndex = index++;
    info.sym = sym;
    bool ok = declare(sym) && info.elem != Elem::None;
    if (a.isGlobal) {
      for (auto [d, dim] : llvm::enumerate(a.dims)) {
        if (dim.name.empty()) {
          if (dim.value <= 0) {
            diag.error(dim.loc,
                       "a dimension must be positive, got " + Twine(dim.value));
            ok = false;
          }
          info.dims.push_back(dim.value);
          info.dimNames.push_back("");
          continue;
        }
        Symbol *s = lookup(dim.name);
        if (s && s->kind == Symbol::Kind::Param) {
          if (!s->cval || s->cval->kind != ConstVal::Kind::Int) {
            diag.error(dim.loc,
                       "compile-time parameter '" + dim.name +
                           "' is not an integer and cannot be a dimension");
            ok = false;
          } else if (s->cval->i <= 0) {
            diag.error(dim.loc, "dimension '" + dim.name + "' is " +
                                    Twine(s->cval->i) +
                                    "; it must be positive");
            ok = false;
          }
          info.dims.push_back(s->cval ? s->cval->i : 1);
          info.dimNames.push_back("");
          continue;
        }
        if (s && s->kind != Symbol::Kind::Size) {
          diag.error(dim.loc,
                     "'" + dim.name +
                         "' is an argument and cannot name a dimension");
          ok = false;
        } else if (!s) {
          Symbol *size = newSymbol(Symbol::Kind::Size, dim.name, dim.loc);
          size->type = SType::scalar(Elem::I32);
          size->argIndex = sym->argIndex;
          size->dimIndex = d;
          if (!declare(size))
            ok = false;
        }
        info.dims.push_back(-1);
        info.dimNames.push_back(dim.name);
      }
      sym->type.kind = SType::Kind::Global;
      sym->type.elem = info.elem;
      sym->type.shape = info.dims;
    } else {
      if (info.elem != Elem::None &&
          !(isInt(info.elem) || info.elem == Elem::I1 ||
            info.elem == Elem::F32 || info.elem == Elem::F16 ||
            info.elem == Elem::BF16 || info.elem == Elem::F64)) {
        diag.error(a.elemType.loc,
                   "a scalar argument cannot have type " + elemName(info.elem));
        ok = false;
      }
      sym->type = SType::scalar(info.elem);
    }
    if (!ok)
      sym->type = SType::error();
    out->args.push_back(info);
  }
}

void Sema::checkGrid() {
  if (!k.hasGrid) {
    diag.error(k.loc,
               "kernel '" + k.name +
                   "' has no grid clause; add 'grid(...)' after its arguments");
    return;
  }
  if (k.grid.empty() || k.grid.size() > 3) {
    diag.error(k.gridLoc, "grid takes 1 to 3 sizes (x, y, z), got " +
                              Twine(k.grid.size()));
  }
  inGrid = true;
  for (ExprPtr &e : k.grid)
    checkScalarInt(*e, "a grid size");
  inGrid = false;
}

//===----------------------------------------------------------------------===//
// Statements
//===----------------------------------------------------------------------===//

void Sema::checkBlock(BlockStmt &b) {
  scopes.emplace_back();
  for (auto [i, s] : llvm::enumerate(b.stmts)) {
    checkStmt(*s);
    if (llvm::isa<BreakStmt>(*s) && i + 1 < b.stmts.size()) {
      diag.error(b.stmts[i + 1]->getLoc(),
                 "this statement is never run: it follows a 'break'");
      break;
    }
  }
  scopes.pop_back();
}

void Sema::checkWhile(WhileStmt &w) {
  SType c = checkValue(*w.cond);
  if (!c.isError() && !(c.isScalar() && c.elem == Elem::I1))
    diag.error(w.cond->getLoc(),
               "the condition of 'while' must be a scalar bool, got " +
                   c.str());
  cfStack.push_back(&w.carried);
  loops.push_back({&w.go, unsigned(cfStack.size() - 1)});
  checkBlock(*w.body);
  loops.pop_back();
  cfStack.pop_back();
}

void Sema::checkBreak(BreakStmt &b) {
  if (loops.empty()) {
    diag.error(b.getLoc(), "'break' outside of a loop");
    return;
  }
  Loop &loop = loops.back();
  if (!*loop.go) {
    // A hidden variable declared just outside the loop: true until a break.
    Symbol *go = newSymbol(Symbol::Kind::Var, "<break>", b.getLoc());
    go->type = SType::scalar(Elem::I1);
    go->cfDepth = loop.level;
    *loop.go = go;
  }
  b.go = *loop.go;
  // Carried by the loop and by every `if` between it and the break.
  for (unsigned i = loop.level; i < cfStack.size(); ++i)
    if (!llvm::is_contained(*cfStack[i], b.go))
      cfStack[i]->push_back(b.go);
}

void Sema::checkStmt(Stmt &s) {
  if (diag.tooManyErrors())
    return;
  switch (s.getKind()) {
  case Stmt::Kind::Block:
    checkBlock(llvm::cast<BlockStmt>(s));
    return;
  case Stmt::Kind::Decl:
    checkDecl(llvm::cast<DeclStmt>(s));
    return;
  case Stmt::Kind::Assign:
    checkAssign(llvm::cast<AssignStmt>(s));
    return;
  case Stmt::Kind::For:
    checkFor(llvm::cast<ForStmt>(s));
    return;
  case Stmt::Kind::If:
    checkIf(llvm::cast<IfStmt>(s));
    return;
  case Stmt::Kind::While:
    checkWhile(llvm::cast<WhileStmt>(s));
    return;
  case Stmt::Kind::Break:
    checkBreak(llvm::cast<BreakStmt>(s));
    return;
  case Stmt::Kind::Expr: {
    auto &es = llvm::cast<ExprStmt>(s);
    SType t = check(*es.expr);
    auto *call = llvm::dyn_cast<CallExpr>(es.expr.get());
    bool effect = call && (call->builtin == Builtin::Store ||
                           call->builtin == Builtin::AtomicAdd ||
                           (call->fn && t.kind == SType::Kind::Void));
    if (!t.isError() && !effect)
      diag.error(es.expr->getLoc(),
                 "the value of this expression is unused (only store and "
                 "atomic_add can stand alone)");
    return;
  }
  }
}

void Sema::checkDecl(DeclStmt &d) {
  SType t = checkValue(*d.init);
  Symbol *sym = newSymbol(d.isVar ? Symbol::Kind::Var : Symbol::Kind::Let,
                          d.name, d.nameLoc);
  d.sym = sym;
  if (d.isVar) {
    // A `var` has a fixed, concrete type: literals take their default type.
    t.weak = false;
  } else if (d.init->cval) {
    sym->cval = d.init->cval;
  }
  sym->type = t;
  if (!declare(sym))
    sym->type = SType::error();
}

bool Sema::assignable(const SType &from, const SType &to) {
  if (from.isError() || to.isError())
    return true;
  if (!from.isValue() || !to.isValue())
    return false;
  if (from.elem != to.elem && !(from.weak && unifyElem(from, to) == to.elem))
    return false;
  if (from.isScalar())
    return true;
  if (!to.isTile() || from.rank() != to.rank())
    return false;
  for (unsigned i = 0; i < from.rank(); ++i)
    if (from.shape[i] != to.shape[i] && from.shape[i] != 1)
      return false;
  return true;
}

void Sema::checkAssign(AssignStmt &a) {
  SType value = checkValue(*a.value);
  Symbol *sym = lookup(a.name);
  if (!sym) {
    diag.error(a.getLoc(),
               "unknown name '" + a.name + "'" + suggest(a.name, false));
    return;
  }
  if (sym->kind != Symbol::Kind::Var) {
    StringRef why =
        sym->kind == Symbol::Kind::Let
            ? "it is declared with 'let' (use 'var' to allow assignment)"
        : sym->kind == Symbol::Kind::Param ? "it is a compile-time parameter"
        : sym->kind == Symbol::Kind::Arg   ? "it is a kernel argument"
        : sym->kind == Symbol::Kind::Size  ? "it is a size bound at launch"
                                           : "it is a loop variable";
    diag.error(a.getLoc(), "cannot assign to '" + a.name + "': " + why);
    diag.note(sym->loc, "'" + a.name + "' is defined here");
    return;
  }
  a.sym = sym;
  if (sym->type.isError() || value.isError())
    return;
  SType result = value;
  if (a.op) {
    std::optional<ConstVal> folded;
    result = binaryType(*a.op, a.getLoc(), sym->type, value, std::nullopt,
                        a.value->cval, folded);
    if (result.isError())
      return;
    a.combinedType = result;
  }
  if (!assignable(result, sym->type)) {
    diag.error(a.value->getLoc(), "cannot assign a value of type " +
                                      result.str() + " to '" + a.name +
                                      "' of type " + sym->type.str());
    return;
  }
  // Note the variable in every enclosing loop and `if` it was declared outside
  // of: IRGen carries it through them.
  for (unsigned i = 0; i < cfStack.size(); ++i)
    if (sym->cfDepth <= i && !llvm::is_contained(*cfStack[i], sym))
      cfStack[i]->push_back(sym);
}

void Sema::checkFor(ForStmt &f) {
  if (f.start)
    checkScalarInt(*f.start, "a range bound");
  checkScalarInt(*f.end, "a range bound");
  if (f.step) {
    checkScalarInt(*f.step, "a range step");
    if (f.step->cval && f.step->cval->kind == ConstVal::Kind::Int &&
        f.step->cval->i <= 0)
      diag.error(f.step->getLoc(), "the range step must be positive, got " +
                                       Twine(f.step->cval->i));
  }
  cfStack.push_back(&f.carried);
  loops.push_back({&f.go, unsigned(cfStack.size() - 1)});
  scopes.emplace_back();
  Symbol *iv = newSymbol(Symbol::Kind::LoopVar, f.var, f.varLoc);
  iv->type = SType::scalar(Elem::I32);
  f.varSym = iv;
  declare(iv);
  checkBlock(*f.body);
  scopes.pop_back();
  loops.pop_back();
  cfStack.pop_back();
}

void Sema::checkIf(IfStmt &s) {
  SType c = checkValue(*s.cond);
  if (!c.isError() && !(c.isScalar() && c.elem == Elem::I1))
    diag.error(
        s.cond->getLoc(),
        "the condition of 'if' must be a scalar bool, got " + c.str() +
            (c.isTile() ? "; use where(...) to select elements of tiles" : ""));
  cfStack.push_back(&s.carried);
  checkBlock(*s.thenBlock);
  if (s.elseStmt)
    checkStmt(*s.elseStmt);
  cfStack.pop_back();
}

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

SType Sema::check(Expr &e) {
  SType t;
  switch (e.getKind()) {
  case Expr::Kind::Int: {
    auto &i = llvm::cast<IntExpr>(e);
    if (i.overflow || i.value > uint64_t(std::numeric_limits<int32_t>::max())) {
      t = error(e.getLoc(), "integer literal does not fit in i32");
      break;
    }
    t = SType::scalar(Elem::I32, true);
    e.cval = ConstVal::ofInt(int64_t(i.value));
    break;
  }
  case Expr::Kind::Float:
    t = SType::scalar(Elem::F32, true);
    e.cval = ConstVal::ofFloat(llvm::cast<FloatExpr>(e).value);
    break;
  case Expr::Kind::Bool:
    t = SType::scalar(Elem::I1);
    e.cval = ConstVal::ofBool(llvm::cast<BoolExpr>(e).value);
    break;
  case Expr::Kind::Name:
    t = checkName(llvm::cast<NameExpr>(e));
    break;
  case Expr::Kind::Unary:
    t = checkUnary(llvm::cast<UnaryExpr>(e));
    break;
  case Expr::Kind::Binary:
    t = checkBinary(llvm::cast<BinaryExpr>(e));
    break;
  case Expr::Kind::Ternary:
    t = checkTernary(llvm::cast<TernaryExpr>(e));
    break;
  case Expr::Kind::Call:
    t = checkCall(llvm::cast<CallExpr>(e));
    break;
  case Expr::Kind::Index:
    t = checkIndex(llvm::cast<IndexExpr>(e));
    break;
  case Expr::Kind::List:
    t = error(e.getLoc(), "a list '[...]' can only be a shape or a permutation "
                          "argument of a builtin");
    break;
  }
  if (t.isError())
    e.cval.reset();
  // Only constants stay weak; anything else has its concrete default type.
  if (!e.cval)
    t.weak = false;
  e.type = t;
  return t;
}

SType Sema::checkValue(Expr &e) { return asValue(e, check(e)); }

SType Sema::asValue(Expr &e, SType t) {
  switch (t.kind) {
  case SType::Kind::Global:
    return e.type =
               error(e.getLoc(), "a global tensor cannot be used as a value; "
                                 "load a block of it with load(x[...])");
  case SType::Kind::Slice:
    // `g[i, j]` with only indices reads one element.
    if (auto *idx = llvm::dyn_cast<IndexExpr>(&e); idx && t.shape.empty()) {
      if (inGrid)
        return e.type = error(e.getLoc(), "the grid clause cannot read "
                                          "global tensors");
      idx->scalarLoad = true;
      return e.type = SType::scalar(t.elem);
    }
    return e.type = error(e.getLoc(), "a block of a global tensor can only be "
                                      "used in load, store or atomic_add "
                                      "(only g[i, j, ...] with indices alone "
                                      "reads a single element)");
  case SType::Kind::Void:
    return e.type = error(e.getLoc(), "this call has no value");
  default:
    return t;
  }
}

SType Sema::checkScalarInt(Expr &e, StringRef what) {
  SType t = checkValue(e);
  if (t.isError())
    return t;
  if (!t.isScalar() || t.elem != Elem::I32)
    return e.type = error(e.getLoc(),
                          what + " must be a scalar i32, got " + t.str());
  return t;
}

std::optional<int64_t> Sema::checkConstInt(Expr &e, StringRef what) {
  SType t = checkScalarInt(e, what);
  if (t.isError())
    return std::nullopt;
  if (!e.cval || e.cval->kind != ConstVal::Kind::Int) {
    diag.error(e.getLoc(), what + " must be a compile-time constant");
    return std::nullopt;
  }
  return e.cval->i;
}

bool Sema::checkTileSize(SMLoc loc, llvm::ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d <= 0) {
      diag.error(loc,
                 "tile dimensions must be positive, got " + shapeStr(shape));
      return false;
    }
    n *= d;
    if (n > kMaxTileElements) {
      diag.error(loc, "tile " + shapeStr(shape) + " has more than " +
                          Twine(kMaxTileElements) + " elements");
      return false;
    }
  }
  return true;
}

std::optional<llvm::SmallVector<int64_t, 4>>
Sema::checkShapeList(Expr &e, StringRef what) {
  auto *list = llvm::dyn_cast<ListExpr>(&e);
  if (!list) {
    check(e);
    diag.error(e.getLoc(),
               what + " must be a list of sizes, such as [BLOCK_M, 64]");
    return std::nullopt;
  }
  if (list->elems.empty()) {
    diag.error(e.getLoc(), what + " must have at least one size");
    return std::nullopt;
  }
  llvm::SmallVector<int64_t, 4> shape;
  bool ok = true;
  for (ExprPtr &el : list->elems) {
    auto v = checkConstInt(*el, "a tile size");
    if (!v)
      ok = false;
    else
      shape.push_back(*v);
  }
  if (!ok || !checkTileSize(e.getLoc(), shape))
    return std::nullopt;
  return shape;
}

SType Sema::checkName(NameExpr &e) {
  Symbol *s = lookup(e.name);
  if (!s) {
    if (lookupBuiltin(e.name) != Builtin::None)
      return error(e.getLoc(), "'" + e.name +
                                   "' is a builtin function; call it as " +
                                   e.name + "(...)");
    if (parseElemName(e.name) != Elem::None)
      return error(e.getLoc(), "'" + e.name + "' is a type, not a value");
    return error(e.getLoc(),
                 "unknown name '" + e.name + "'" + suggest(e.name, false));
  }
  e.sym = s;
  if (s->kind == Symbol::Kind::Param && s->typeValue != Elem::None)
    return error(e.getLoc(),
                 "'" + e.name + "' is a type parameter, not a value");
  if (inGrid && (s->kind == Symbol::Kind::Let || s->kind == Symbol::Kind::Var ||
                 s->kind == Symbol::Kind::LoopVar))
    return error(e.getLoc(),
                 "'" + e.name + "' cannot be used in the grid clause");
  if (s->cval)
    e.cval = s->cval;
  return s->type;
}

SType Sema::checkUnary(UnaryExpr &e) {
  SType t = checkValue(*e.operand);
  if (t.isError())
    return t;
  const auto &c = e.operand->cval;
  switch (e.op) {
  case UnaryOp::Plus:
  case UnaryOp::Neg:
    if (t.elem == Elem::I1)
      return error(e.getLoc(), "unary '" +
                                   Twine(e.op == UnaryOp::Neg ? "-" : "+") +
                                   "' needs a number, got " + t.str());
    if (e.op == UnaryOp::Neg && c) {
      if (c->kind == ConstVal::Kind::Int) {
        // Allows -2147483648 even though its literal is too large.
        e.cval = ConstVal::ofInt(-c->i);
        if (!fitsI32(e.cval->i))
          return error(e.getLoc(), "constant does not fit in i32");
      } else {
        e.cval = ConstVal::ofFloat(-c->f);
      }
    } else if (c) {
      e.cval = c;
    }
    return t;
  case UnaryOp::Not:
    if (t.elem != Elem::I1)
      return error(e.getLoc(), "'!' needs a bool, got " + t.str());
    if (c)
      e.cval = ConstVal::ofBool(!c->b);
    return t;
  case UnaryOp::BitNot:
    if (!isInt(t.elem))
      return error(e.getLoc(), "'~' needs an integer, got " + t.str() +
                                   (t.elem == Elem::I1 ? "; use '!'" : ""));
    if (c && c->kind == ConstVal::Kind::Int)
      e.cval = ConstVal::ofInt(wrapInt(t.elem, ~c->i));
    return t;
  }
  return t;
}

std::optional<llvm::SmallVector<int64_t, 4>>
Sema::broadcast(SMLoc loc, StringRef what,
                llvm::ArrayRef<const SType *> types) {
  llvm::SmallVector<int64_t, 4> shape;
  const SType *first = nullptr;
  for (const SType *t : types) {
    if (!t->isTile())
      continue;
    if (!first) {
      first = t;
      shape = t->shape;
      continue;
    }
    if (t->rank() != shape.size()) {
      diag.error(loc, what + ": shapes " + shapeStr(first->shape) + " and " +
                          shapeStr(t->shape) +
                          " have different ranks; add dimensions with "
                          "[:, None] or [None, :]");
      return std::nullopt;
    }
    for (unsigned i = 0; i < shape.size(); ++i) {
      if (shape[i] == t->shape[i] || t->shape[i] == 1)
        continue;
      if (shape[i] == 1) {
        shape[i] = t->shape[i];
        continue;
      }
      diag.error(loc, what + ": shapes " + shapeStr(first->shape) + " and " +
                          shapeStr(t->shape) + " do not match in dimension " +
                          Twine(i) + " (" + Twine(shape[i]) + " vs " +
                          Twine(t->shape[i]) + ")");
      return std::nullopt;
    }
  }
  return shape;
}

static std::optional<int64_t> foldInt(BinaryOp op, int64_t a, int64_t b) {
  switch (op) {
  case BinaryOp::Add:
    return a + b;
  case BinaryOp::Sub:
    return a - b;
  case BinaryOp::Mul:
    return a * b;
  case BinaryOp::Div:
    return a / b;
  case BinaryOp::Rem:
    return a % b;
  default:
    return std::nullopt;
  }
}

SType Sema::binaryType(BinaryOp op, SMLoc loc, const SType &l, const SType &r,
                       const std::optional<ConstVal> &lc,
                       const std::optional<ConstVal> &rc,
                       std::optional<ConstVal> &folded) {
  if (l.isError() || r.isError())
    return SType::error();
  std::string what = ("'" + binaryOpSpelling(op) + "'").str();
  bool boolBits = isBitwise(op) && !isShift(op);
  if (!isLogical(op) && op != BinaryOp::Eq && op != BinaryOp::Ne && !boolBits &&
      (l.elem == Elem::I1 || r.elem == Elem::I1))
    return error(loc, what + " is not defined on bool values");
  Elem elem = unifyElem(l, r);
  if (elem == Elem::None)
    return error(loc, "operands of " + what +
                          " have different element types: " + l.str() +
                          " and " + r.str() +
                          "; convert one with cast<T>(...)");
  if (isLogical(op)) {
    if (elem != Elem::I1)
      return error(loc, what + " needs bool operands, got " + l.str() +
                            " and " + r.str());
  } else if (isBitwise(op)) {
    if (!isInt(elem) && !(boolBits && elem == Elem::I1))
      return error(loc, what + " needs integer" + (boolBits ? " or bool" : "") +
                            " operands, got " + l.str() + " and " + r.str());
  } else if (elem == Elem::I1 && op != BinaryOp::Eq && op != BinaryOp::Ne) {
    return error(loc, what + " is not defined on bool values");
  }
  const SType *both[] = {&l, &r};
  auto shape = broadcast(loc, "operands of " + what, both);
  if (!shape)
    return SType::error();
  Elem resultElem = isComparison(op) ? Elem::I1 : elem;
  SType result = (l.isTile() || r.isTile()) ? SType::tile(resultElem, *shape)
                                            : SType::scalar(resultElem);
  result.weak = l.weak && r.weak && !isComparison(op);
  // An integer division by a constant zero is undefined behaviour on every
  // target, whatever the dividend (a size, a tile).
  if (isInt(elem) && (op == BinaryOp::Div || op == BinaryOp::Rem) && rc &&
      rc->kind == ConstVal::Kind::Int && rc->i == 0)
    return error(loc, lc ? "division by zero in a constant expression"
                         : what + " by a constant zero (the divisor is 0)");
  if (!lc || !rc || !result.isScalar())
    return result;
  // Fold constants.
  if (lc->kind == ConstVal::Kind::Bool && rc->kind == ConstVal::Kind::Bool) {
    bool a = lc->b, b = rc->b;
    switch (op) {
    case BinaryOp::And:
    case BinaryOp::BitAnd:
      folded = ConstVal::ofBool(a && b);
      break;
    case BinaryOp::Or:
    case BinaryOp::BitOr:
      folded = ConstVal::ofBool(a || b);
      break;
    case BinaryOp::BitXor:
      folded = ConstVal::ofBool(a != b);
      break;
    case BinaryOp::Eq:
      folded = ConstVal::ofBool(a == b);
      break;
    case BinaryOp::Ne:
      folded = ConstVal::ofBool(a != b);
      break;
    default:
      break;
    }
    return result;
  }
  if (isInt(elem) && lc->kind == ConstVal::Kind::Int &&
      rc->kind == ConstVal::Kind::Int) {
    int64_t a = lc->i, b = rc->i;
    if (isBitwise(op) || elem != Elem::I32) {
      // Bit operations and the other integer types wrap (shift amounts are
      // taken modulo the width, as the generated code does).
      unsigned width = elemWidth(elem);
      uint64_t ua = uint64_t(a), ub = uint64_t(b);
      uint64_t sh = ub & (width - 1);
      std::optional<int64_t> v;
      switch (op) {
      case BinaryOp::BitAnd:
        v = int64_t(ua & ub);
        break;
      case BinaryOp::BitOr:
        v = int64_t(ua | ub);
        break;
      case BinaryOp::BitXor:
        v = int64_t(ua ^ ub);
        break;
      case BinaryOp::Shl:
        v = int64_t(ua << sh);
        break;
      case BinaryOp::Shr:
        // Values are kept wrapped: u32 ones are non-negative, so an
        // arithmetic shift of the int64 is right for every type.
        v = a >> sh;
        break;
      case BinaryOp::Add:
        v = int64_t(ua + ub);
        break;
      case BinaryOp::Sub:
        v = int64_t(ua - ub);
        break;
      case BinaryOp::Mul:
        v = int64_t(ua * ub);
        break;
      default:
        break; // comparisons, / and %: below
      }
      if (v) {
        folded = ConstVal::ofInt(wrapInt(elem, *v));
        return result;
      }
      if (!isComparison(op) && elem != Elem::I32) {
        if ((a == std::numeric_limits<int64_t>::min() && b == -1))
          return result; // not folded: wraps at run time
        folded =
            ConstVal::ofInt(wrapInt(elem, op == BinaryOp::Div ? a / b : a % b));
        return result;
      }
    }
    if (isComparison(op)) {
      bool v = op == BinaryOp::Lt   ? a < b
               : op == BinaryOp::Le ? a <= b
               : op == BinaryOp::Gt ? a > b
               : op == BinaryOp::Ge ? a >= b
               : op == BinaryOp::Eq ? a == b
                                    : a != b;
      folded = ConstVal::ofBool(v);
      return result;
    }
    std::optional<int64_t> v = foldInt(op, a, b);
    if (v && !fitsI32(*v))
      return error(loc,
                   "constant expression overflows i32 (" + Twine(*v) + ")");
    if (v)
      folded = ConstVal::ofInt(*v);
    return result;
  }
  if (isFloat(elem)) {
    double a = lc->asDouble(), b = rc->asDouble();
    switch (op) {
    case BinaryOp::Add:
      folded = ConstVal::ofFloat(a + b);
      break;
    case BinaryOp::Sub:
      folded = ConstVal::ofFloat(a - b);
      break;
    case BinaryOp::Mul:
      folded = ConstVal::ofFloat(a * b);
      break;
    case BinaryOp::Div:
      folded = ConstVal::ofFloat(a / b);
      break;
    case BinaryOp::Rem:
      folded = ConstVal::ofFloat(std::fmod(a, b));
      break;
    case BinaryOp::Lt:
      folded = ConstVal::ofBool(a < b);
      break;
    case BinaryOp::Le:
      folded = ConstVal::ofBool(a <= b);
      break;
    case BinaryOp::Gt:
      folded = ConstVal::ofBool(a > b);
      break;
    case BinaryOp::Ge:
      folded = ConstVal::ofBool(a >= b);
      break;
    case BinaryOp::Eq:
      folded = ConstVal::ofBool(a == b);
      break;
    case BinaryOp::Ne:
      folded = ConstVal::ofBool(a != b);
      break;
    default:
      break;
    }
  }
  return result;
}

SType Sema::checkBinary(BinaryExpr &e) {
  SType l = checkValue(*e.lhs);
  SType r = checkValue(*e.rhs);
  std::optional<ConstVal> folded;
  SType t =
      binaryType(e.op, e.getLoc(), l, r, e.lhs->cval, e.rhs->cval, folded);
  e.cval = folded;
  return t;
}

SType Sema::checkTernary(TernaryExpr &e) {
  SType c = checkValue(*e.cond);
  SType a = checkValue(*e.thenExpr);
  SType b = checkValue(*e.elseExpr);
  if (c.isError() || a.isError() || b.isError())
    return SType::error();
  if (!(c.isScalar() && c.elem == Elem::I1))
    return error(e.cond->getLoc(),
                 "the condition of '?:' must be a scalar bool, got " + c.str() +
                     (c.isTile() ? "; use where(...) to select elements" : ""));
  Elem elem = unifyElem(a, b);
  if (elem == Elem::None)
    return error(e.getLoc(),
                 "the branches of '?:' have different element types: " +
                     a.str() + " and " + b.str());
  const SType *both[] = {&a, &b};
  auto shape = broadcast(e.getLoc(), "the branches of '?:'", both);
  if (!shape)
    return SType::error();
  SType t = (a.isTile() || b.isTile()) ? SType::tile(elem, *shape)
                                       : SType::scalar(elem);
  t.weak = a.weak && b.weak;
  if (e.cond->cval && t.isScalar()) {
    const auto &chosen = e.cond->cval->b ? e.thenExpr->cval : e.elseExpr->cval;
    if (chosen)
      e.cval = chosen;
  }
  return t;
}

SType Sema::checkIndex(IndexExpr &e) {
  SType base = check(*e.base);
  if (base.isError()) {
    for (Subscript &s : e.subs) {
      if (s.start)
        check(*s.start);
      if (s.size)
        check(*s.size);
    }
    return base;
  }
  if (base.kind == SType::Kind::Global) {
    auto *name = llvm::cast<NameExpr>(e.base.get());
    if (e.subs.size() != base.rank())
      return error(e.getLoc(), "'" + name->name + "' has " +
                                   Twine(base.rank()) + " dimensions but " +
                                   Twine(e.subs.size()) +
                                   " subscripts were given");
    llvm::SmallVector<int64_t, 4> shape;
    bool ok = true;
    int64_t gatherLen = -1;
    const ArgInfo &arg = out->args[name->sym->argIndex];
    for (auto [i, s] : llvm::enumerate(e.subs)) {
      switch (s.kind) {
      case Subscript::Kind::NewAxis:
        diag.error(s.loc, "'None' cannot index a global tensor");
        ok = false;
        break;
      case Subscript::Kind::Index: {
        SType it = checkValue(*s.start);
        if (it.isError()) {
          ok = false;
        } else if (it.isTile()) {
          // A 1-D tile of indices: a gather. Every index tile of one access
          // has the same length and together they make one tile dimension,
          // where the first of them stands.
          if (it.elem != Elem::I32 || it.rank() != 1) {
            diag.error(startLoc(*s.start),
                       "an index tile (a gather) must be a 1-D i32 tile, "
                       "got " +
                           it.str());
            ok = false;
          } else if (gatherLen < 0) {
            gatherLen = it.shape[0];
            shape.push_back(gatherLen);
          } else if (it.shape[0] != gatherLen) {
            diag.error(startLoc(*s.start),
                       "the index tiles of one access must have one length, "
                       "got " +
                           Twine(gatherLen) + " and " + Twine(it.shape[0]));
            ok = false;
          }
          e.gather = true;
        } else if (!it.isScalar() || it.elem != Elem::I32) {
          diag.error(startLoc(*s.start),
                     "an index must be a scalar i32 or a 1-D i32 tile "
                     "(a gather), got " +
                         it.str());
          ok = false;
        }
        break;
      }
      case Subscript::Kind::Slice: {
        ok &= !checkScalarInt(*s.start, "a block start").isError();
        auto size = checkConstInt(*s.size, "a block size");
        if (!size) {
          ok = false;
        } else {
          shape.push_back(*size);
        }
        break;
      }
      case Subscript::Kind::Full:
        if (base.shape[i] < 0) {
          diag.error(s.loc, "':' needs a dimension of compile-time size, but "
                            "dimension " +
                                Twine(i) + " of '" + name->name + "' is '" +
                                arg.dimNames[i] +
                                "', bound at launch; write 'start : size'");
          ok = false;
        } else {
          shape.push_back(base.shape[i]);
        }
        break;
      }
    }
    if (!ok)
      return SType::error();
    // Only indices: a single element (a scalar load or store).
    if (!shape.empty() && !checkTileSize(e.getLoc(), shape))
      return SType::error();
    SType t;
    t.kind = SType::Kind::Slice;
    t.elem = base.elem;
    t.shape = shape;
    return t;
  }
  if (!base.isValue())
    return error(e.getLoc(), "cannot subscript " + base.str());
  if (base.isScalar())
    return error(e.getLoc(), "cannot subscript a scalar (" + base.str() + ")");
  llvm::SmallVector<int64_t, 4> shape;
  unsigned src = 0;
  for (Subscript &s : e.subs) {
    if (s.kind == Subscript::Kind::NewAxis) {
      shape.push_back(1);
      continue;
    }
    if (s.kind == Subscript::Kind::Full) {
      if (src < base.rank())
        shape.push_back(base.shape[src]);
      ++src;
      continue;
    }
    return error(s.loc, "a tile can only be subscripted with ':' and 'None' "
                        "(as in x[:, None]); blocks of a tile cannot be taken");
  }
  if (src != base.rank())
    return error(e.getLoc(), "a tile of rank " + Twine(base.rank()) +
                                 " needs exactly " + Twine(base.rank()) +
                                 " ':' subscripts, got " + Twine(src));
  if (!checkTileSize(e.getLoc(), shape))
    return SType::error();
  return SType::tile(base.elem, shape);
}

bool Sema::checkMask(Expr &m, const SType &slice, StringRef fn) {
  SType t = checkValue(m);
  if (t.isError())
    return false;
  if (t.elem != Elem::I1) {
    diag.error(startLoc(m), fn + ": the mask must be bool, got " + t.str());
    return false;
  }
  if (slice.shape.empty()) {
    diag.error(startLoc(m), fn + ": a single element takes no mask; use "
                                 "'if' around it");
    return false;
  }
  if (t.isScalar())
    return true;
  bool fits = t.rank() == slice.rank();
  for (unsigned i = 0; fits && i < t.rank(); ++i)
    fits = t.shape[i] == slice.shape[i] || t.shape[i] == 1;
  if (!fits)
    diag.error(startLoc(m), fn + ": mask shape " + shapeStr(t.shape) +
                                " does not broadcast to the block shape " +
                                shapeStr(slice.shape));
  return fits;
}

SType Sema::checkUserCall(CallExpr &e, const FnDecl &fn) {
  SMLoc loc = e.getLoc();
  // Arguments are evaluated once, in the caller's scope.
  std::vector<SType> argTypes;
  bool ok = true;
  for (CallArg &a : e.args) {
    if (!a.name.empty()) {
      diag.error(a.nameLoc, "'" + fn.name + "' takes no named arguments");
      ok = false;
      continue;
    }
    SType t = check(*a.value);
    if (t.kind != SType::Kind::Global)
      t = asValue(*a.value, t);
    ok &= !t.isError();
    argTypes.push_back(t);
  }
  if (!ok)
    return SType::error();
  if (e.typeArg)
    return error(loc, "'" + fn.name + "' takes no type argument");
  if (inGrid)
    return error(loc, "'" + fn.name + "' cannot be called in the grid clause");
  if (e.args.size() != fn.params.size())
    return error(loc, "'" + fn.name + "' takes " + Twine(fn.params.size()) +
                          " argument" + (fn.params.size() == 1 ? "" : "s") +
                          ", got " + Twine(e.args.size()));
  if (fn.hasErrors)
    return SType::error(); // its syntax errors are reported
  if (llvm::is_contained(activeFns, &fn))
    return error(loc, "'" + fn.name +
                          "' calls itself; functions are inlined and cannot "
                          "be recursive");
  if (activeFns.size() >= 32)
    return error(loc, "function calls are nested too deeply (32 levels)");
  // Every call is a copy of the body: bound the copies, so that functions
  // calling each other several times cannot blow up exponentially.
  if (++inlinedCalls > kMaxInlinedCalls)
    return error(loc, "more than " + Twine(kMaxInlinedCalls) +
                          " function calls to inline in one kernel");
  e.fn = &fn;
  e.inlineParams.clear();
  e.inlineBody = cloneBlock(*fn.body);
  if (fn.result)
    e.inlineResult = cloneExpr(*fn.result);
  // The body sees its parameters and its own names only.
  auto savedScopes = std::move(scopes);
  auto savedCf = std::move(cfStack);
  auto savedLoops = std::move(loops);
  scopes.clear();
  cfStack.clear();
  loops.clear();
  scopes.emplace_back();
  activeFns.push_back(&fn);
  unsigned errorsBefore = diag.getNumErrors();
  for (auto [i, p] : llvm::enumerate(fn.params)) {
    Expr &arg = *e.args[i].value;
    Symbol *sym = newSymbol(Symbol::Kind::Let, p.first, p.second);
    sym->type = argTypes[i];
    if (argTypes[i].kind == SType::Kind::Global) {
      // Another name for the global tensor argument.
      auto *name = llvm::cast<NameExpr>(&arg);
      sym->kind = Symbol::Kind::Arg;
      sym->argIndex = name->sym->argIndex;
    } else if (arg.cval) {
      sym->cval = arg.cval;
    } else {
      sym->type.weak = false;
    }
    declare(sym);
    e.inlineParams.push_back(sym);
  }
  checkBlock(*e.inlineBody);
  SType result = SType::voidTy();
  if (e.inlineResult) {
    result = checkValue(*e.inlineResult);
    // Only a body that is just `return e;` folds: a constant result must not
    // drop the statements (stores) that IRGen would then skip.
    if (e.inlineBody->stmts.empty())
      e.cval = e.inlineResult->cval;
  }
  activeFns.pop_back();
  scopes = std::move(savedScopes);
  cfStack = std::move(savedCf);
  loops = std::move(savedLoops);
  if (diag.getNumErrors() != errorsBefore) {
    diag.note(loc, "in this call of '" + fn.name + "'");
    return SType::error();
  }
  return result;
}

SType Sema::checkCall(CallExpr &e) {
  Builtin b = lookupBuiltin(e.callee);
  if (b == Builtin::None) {
    auto fit = fns.find(e.callee);
    if (fit != fns.end())
      return checkUserCall(e, *fit->second);
    for (CallArg &a : e.args)
      if (!llvm::isa<ListExpr>(a.value.get()))
        check(*a.value);
    return error(e.getLoc(), "unknown function '" + e.callee + "'" +
                                 suggest(e.callee, true));
  }
  e.builtin = b;
  return checkBuiltin(e, b);
}

//===----------------------------------------------------------------------===//
// Builtins
//===----------------------------------------------------------------------===//

SType Sema::checkBuiltin(CallExpr &e, Builtin b) {
  StringRef fn = e.callee;
  SMLoc loc = e.getLoc();
  // Arity and named arguments.
  unsigned minArgs = 1, maxArgs = 1;
  // The named arguments allowed, if any.
  llvm::SmallVector<StringRef, 2> named;
  switch (b) {
  case Builtin::Min:
  case Builtin::Max:
  case Builtin::Pow:
  case Builtin::Cdiv:
  case Builtin::Full:
  case Builtin::Store:
  case Builtin::AtomicAdd:
    named = {"mask"};
    minArgs = maxArgs = 2;
    break;
  case Builtin::ReduceMax:
  case Builtin::ReduceMin:
  case Builtin::ReduceSum:
    minArgs = maxArgs = 2;
    break;
  case Builtin::Where:
    minArgs = maxArgs = 3;
    break;
  case Builtin::Dot:
    minArgs = 2;
    maxArgs = 3;
    break;
  case Builtin::Iota:
  case Builtin::Trans:
    maxArgs = 2;
    break;
  case Builtin::Load:
    named = {"padding", "mask"};
    break;
  default:
    break;
  }
  std::vector<Expr *> pos;
  Expr *namedArg = nullptr; // padding
  Expr *maskArg = nullptr;
  bool argsOk = true;
  for (CallArg &a : e.args) {
    if (a.name.empty()) {
      if (namedArg || maskArg) {
        diag.error(a.value->getLoc(),
                   "positional argument after a named argument");
        argsOk = false;
      }
      pos.push_back(a.value.get());
    } else if (a.name == "padding" && llvm::is_contained(named, a.name) &&
               !namedArg) {
      namedArg = a.value.get();
    } else if (a.name == "mask" && llvm::is_contained(named, a.name) &&
               !maskArg) {
      maskArg = a.value.get();
    } else {
      diag.error(a.nameLoc, fn + " has no argument named '" + a.name + "'");
      argsOk = false;
    }
  }
  if (pos.size() < minArgs || pos.size() > maxArgs) {
    std::string expected =
        minArgs == maxArgs
            ? std::to_string(minArgs)
            : std::to_string(minArgs) + " or " + std::to_string(maxArgs);
    return error(loc, fn + " takes " + expected + " argument" +
                          (maxArgs == 1 ? "" : "s") + ", got " +
                          Twine(pos.size()));
  }
  if (!argsOk)
    return SType::error();
  if (e.typeArg && b != Builtin::Cast && b != Builtin::Full &&
      b != Builtin::Zeros)
    return error(loc, fn + " takes no type argument");
  Elem typeArg = Elem::None;
  if (e.typeArg) {
    typeArg = resolveType(*e.typeArg);
    if (typeArg == Elem::None)
      return SType::error();
  }
  if (inGrid && b != Builtin::Cdiv && b != Builtin::Min && b != Builtin::Max)
    return error(loc, "'" + fn +
                          "' cannot be used in the grid clause (only "
                          "cdiv, min and max)");

  switch (b) {
  case Builtin::None:
    return SType::error();
  case Builtin::ProgramId:
  case Builtin::NumPrograms: {
    auto axis = checkConstInt(*pos[0], "the grid axis");
    if (!axis)
      return SType::error();
    if (*axis < 0 || *axis > 2)
      return error(startLoc(*pos[0]),
                   "grid axis must be 0, 1 or 2, got " + Twine(*axis));
    return SType::scalar(Elem::I32);
  }
  case Builtin::Cdiv: {
    SType a = checkScalarInt(*pos[0], "cdiv's operand");
    SType c = checkScalarInt(*pos[1], "cdiv's operand");
    if (a.isError() || c.isError())
      return SType::error();
    if (pos[1]->cval && pos[1]->cval->i == 0)
      return error(startLoc(*pos[1]), "cdiv by zero");
    if (pos[0]->cval && pos[1]->cval) {
      int64_t x = pos[0]->cval->i, y = pos[1]->cval->i;
      int64_t q = x / y;
      if ((x % y != 0) && ((x < 0) == (y < 0)))
        ++q;
      e.cval = ConstVal::ofInt(q);
      return SType::scalar(Elem::I32, a.weak && c.weak);
    }
    return SType::scalar(Elem::I32);
  }
  case Builtin::Min:
  case Builtin::Max: {
    SType a = checkValue(*pos[0]);
    SType c = checkValue(*pos[1]);
    if (a.isError() || c.isError())
      return SType::error();
    Elem elem = unifyElem(a, c);
    if (elem == Elem::None)
      return error(loc, fn + ": operands have different element types: " +
                            a.str() + " and " + c.str());
    if (elem == Elem::I1)
      return error(loc, fn + " is not defined on bool values");
    const SType *both[] = {&a, &c};
    auto shape = broadcast(loc, fn, both);
    if (!shape)
      return SType::error();
    SType t = (a.isTile() || c.isTile()) ? SType::tile(elem, *shape)
                                         : SType::scalar(elem);
    t.weak = a.weak && c.weak;
    if (t.isScalar() && pos[0]->cval && pos[1]->cval) {
      bool isMax = b == Builtin::Max;
      if (isInt(elem)) {
        int64_t x = pos[0]->cval->i, y = pos[1]->cval->i;
        e.cval = ConstVal::ofInt(isMax ? std::max(x, y) : std::min(x, y));
      } else {
        double x = pos[0]->cval->asDouble(), y = pos[1]->cval->asDouble();
        e.cval = ConstVal::ofFloat(isMax ? std::max(x, y) : std::min(x, y));
      }
    }
    return t;
  }
  case Builtin::Pow: {
    SType a = checkValue(*pos[0]);
    SType c = checkValue(*pos[1]);
    if (a.isError() || c.isError())
      return SType::error();
    Elem elem = unifyElem(a, c);
    if (a.weak && c.weak)
      elem = Elem::F32;
    if (elem == Elem::None || !isFloat(elem))
      return error(loc, "pow needs float operands of one type, got " + a.str() +
                            " and " + c.str());
    const SType *both[] = {&a, &c};
    auto shape = broadcast(loc, fn, both);
    if (!shape)
      return SType::error();
    return (a.isTile() || c.isTile()) ? SType::tile(elem, *shape)
                                      : SType::scalar(elem);
  }
  case Builtin::Exp:
  case Builtin::Exp2:
  case Builtin::Log:
  case Builtin::Log2:
  case Builtin::Sqrt:
  case Builtin::Rsqrt:
  case Builtin::Tanh:
  case Builtin::Sin:
  case Builtin::Cos:
  case Builtin::Floor:
  case Builtin::Ceil:
  case Builtin::Erf:
  case Builtin::Abs: {
    SType a = checkValue(*pos[0]);
    if (a.isError())
      return a;
    if (a.weak)
      a = a.isScalar() ? SType::scalar(Elem::F32) : a;
    bool ok = isFloat(a.elem) || (b == Builtin::Abs && isInt(a.elem));
    if (!ok)
      return error(startLoc(*pos[0]),
                   fn + " needs a float operand, got " + a.str());
    a.weak = false;
    return a;
  }
  case Builtin::Where: {
    SType c = checkValue(*pos[0]);
    SType x = checkValue(*pos[1]);
    SType y = checkValue(*pos[2]);
    if (c.isError() || x.isError() || y.isError())
      return SType::error();
    if (c.elem != Elem::I1)
      return error(startLoc(*pos[0]),
                   "the condition of where must be bool, got " + c.str());
    Elem elem = unifyElem(x, y);
    if (elem == Elem::None)
      return error(loc,
                   "where: the two choices have different element types: " +
                       x.str() + " and " + y.str());
    const SType *all[] = {&c, &x, &y};
    auto shape = broadcast(loc, "where", all);
    if (!shape)
      return SType::error();
    if (c.isScalar() && x.isScalar() && y.isScalar())
      return SType::scalar(elem);
    return SType::tile(elem, *shape);
  }
  case Builtin::Cast: {
    if (!e.typeArg)
      return error(loc, "cast needs a target type, as in cast<bf16>(x)");
    SType a = checkValue(*pos[0]);
    if (a.isError())
      return a;
    SType t = a;
    t.elem = typeArg;
    t.weak = false;
    if (const auto &c = pos[0]->cval) {
      if (typeArg == Elem::I1) {
        e.cval = ConstVal::ofBool(c->asDouble() != 0.0);
      } else if (isInt(typeArg)) {
        double v = c->asDouble();
        if (c->kind == ConstVal::Kind::Float) {
          double lo = isUnsigned(typeArg)
                          ? 0.0
                          : -std::ldexp(1.0, elemWidth(typeArg) - 1);
          double hi =
              isUnsigned(typeArg) ? std::ldexp(1.0, elemWidth(typeArg)) : -lo;
          if (!(v >= lo && v < hi))
            return error(loc, "cast: constant " + Twine(std::to_string(v)) +
                                  " does not fit in " + elemName(typeArg));
          e.cval = ConstVal::ofInt(int64_t(v));
        } else {
          e.cval = ConstVal::ofInt(
              wrapInt(typeArg, c->kind == ConstVal::Kind::Bool ? c->b : c->i));
        }
      } else {
        e.cval = ConstVal::ofFloat(c->asDouble());
      }
    }
    return t;
  }
  case Builtin::Full:
  case Builtin::Zeros: {
    auto shape = checkShapeList(*pos[0], (fn + "'s shape").str());
    SType v = SType::scalar(Elem::F32, true);
    if (b == Builtin::Full) {
      v = checkValue(*pos[1]);
      if (v.isError())
        return v;
      if (!v.isScalar())
        return error(startLoc(*pos[1]),
                     "full needs a scalar fill value, got " + v.str());
    }
    if (!shape)
      return SType::error();
    Elem elem = v.elem;
    if (typeArg != Elem::None) {
      if (v.elem != typeArg && unifyElem(v, SType::scalar(typeArg)) != typeArg)
        return error(startLoc(*pos.back()),
                     "the fill value of type " + v.str() + " is not a " +
                         elemName(typeArg) + "; convert it with cast<" +
                         elemName(typeArg) + ">(...)");
      elem = typeArg;
    }
    return SType::tile(elem, *shape);
  }
  case Builtin::Iota: {
    Expr *sizeArg = pos.back();
    if (pos.size() == 2 && checkScalarInt(*pos[0], "iota's start").isError()) {
      checkConstInt(*sizeArg, "iota's size");
      return SType::error();
    }
    auto n = checkConstInt(*sizeArg, "iota's size");
    if (!n)
      return SType::error();
    int64_t shape[] = {*n};
    if (!checkTileSize(startLoc(*sizeArg), shape))
      return SType::error();
    return SType::tile(Elem::I32, shape);
  }
  case Builtin::Dot: {
    SType a = checkValue(*pos[0]);
    SType c = checkValue(*pos[1]);
    SType acc =
        pos.size() == 3 ? checkValue(*pos[2]) : SType::tile(Elem::F32, {});
    if (a.isError() || c.isError() || acc.isError())
      return SType::error();
    for (auto [i, t] : llvm::enumerate(std::array<const SType *, 2>{&a, &c}))
      if (!t->isTile() || t->rank() != 2)
        return error(startLoc(*pos[i]), "dot: operand " + Twine(i + 1) +
                                            " must be a 2-D tile, got " +
                                            t->str());
    if (a.shape[1] != c.shape[0])
      return error(loc, "dot: inner dimensions differ: " + Twine(a.shape[1]) +
                            " vs " + Twine(c.shape[0]) + " (" +
                            shapeStr(a.shape) + " times " + shapeStr(c.shape) +
                            ")");
    if (a.elem != c.elem)
      return error(loc, "dot: operand element types differ: " +
                            elemName(a.elem) + " vs " + elemName(c.elem));
    if (!(a.elem == Elem::F16 || a.elem == Elem::BF16 || a.elem == Elem::F32 ||
          a.elem == Elem::F8E4M3 || a.elem == Elem::F8E5M2))
      return error(
          loc, "dot: operands must be f16, bf16, f32 or 8-bit floats, got " +
                   elemName(a.elem));
    SType result = SType::tile(Elem::F32, {a.shape[0], c.shape[1]});
    if (pos.size() == 3) {
      if (!acc.isTile() || acc.elem != Elem::F32)
        return error(startLoc(*pos[2]),
                     "dot: the accumulator must be an f32 tile, got " +
                         acc.str());
      if (acc.shape != result.shape)
        return error(startLoc(*pos[2]),
                     "dot: accumulator shape " + shapeStr(acc.shape) +
                         " does not match the product shape " +
                         shapeStr(result.shape));
    }
    if (!checkTileSize(loc, result.shape))
      return SType::error();
    return result;
  }
  case Builtin::Trans: {
    SType a = checkValue(*pos[0]);
    if (a.isError())
      return a;
    if (!a.isTile())
      return error(startLoc(*pos[0]), "trans needs a tile, got " + a.str());
    llvm::SmallVector<int64_t, 4> perm;
    if (pos.size() == 2) {
      auto *list = llvm::dyn_cast<ListExpr>(pos[1]);
      if (!list)
        return error(startLoc(*pos[1]),
                     "trans: the order must be a list such as [1, 0]");
      for (ExprPtr &el : list->elems) {
        auto v = checkConstInt(*el, "a dimension index");
        if (!v)
          return SType::error();
        perm.push_back(*v);
      }
      llvm::SmallVector<bool, 4> seen(a.rank(), false);
      bool ok = perm.size() == a.rank();
      for (int64_t p : perm) {
        if (!ok || p < 0 || p >= int64_t(a.rank()) || seen[p]) {
          ok = false;
          break;
        }
        seen[p] = true;
      }
      if (!ok)
        return error(startLoc(*pos[1]),
                     "trans: the order must be a permutation of 0.." +
                         Twine(a.rank() - 1));
    } else {
      for (int64_t i = a.rank() - 1; i >= 0; --i)
        perm.push_back(i);
    }
    llvm::SmallVector<int64_t, 4> shape;
    for (int64_t p : perm)
      shape.push_back(a.shape[p]);
    return SType::tile(a.elem, shape);
  }
  case Builtin::RowMax:
  case Builtin::RowMin:
  case Builtin::RowSum:
  case Builtin::ReduceMax:
  case Builtin::ReduceMin:
  case Builtin::ReduceSum: {
    SType a = checkValue(*pos[0]);
    if (a.isError())
      return a;
    if (!a.isTile())
      return error(startLoc(*pos[0]), fn + " needs a tile, got " + a.str());
    if (a.elem == Elem::I1)
      return error(startLoc(*pos[0]), fn + " cannot reduce bool values");
    if (isUnsigned(a.elem) && b != Builtin::RowSum && b != Builtin::ReduceSum)
      return error(startLoc(*pos[0]),
                   fn + " of u32 values is not supported; convert them with "
                        "cast<i64>(...) first");
    int64_t axis = int64_t(a.rank()) - 1;
    if (pos.size() == 2) {
      auto v = checkConstInt(*pos[1], "the reduction axis");
      if (!v)
        return SType::error();
      if (*v < 0 || *v >= int64_t(a.rank()))
        return error(startLoc(*pos[1]),
                     fn + ": axis " + Twine(*v) +
                         " is out of range for a tile of rank " +
                         Twine(a.rank()));
      axis = *v;
    }
    llvm::SmallVector<int64_t, 4> shape(a.shape);
    shape.erase(shape.begin() + axis);
    if (shape.empty())
      return SType::scalar(a.elem);
    return SType::tile(a.elem, shape);
  }
  case Builtin::Load: {
    SType s = check(*pos[0]);
    if (s.isError())
      return s;
    if (s.kind != SType::Kind::Slice)
      return error(startLoc(*pos[0]),
                   "load needs a block of a global tensor, such as "
                   "q[b, h, m0 : BLOCK_M, :], got " +
                       s.str());
    if (namedArg) {
      SType p = checkValue(*namedArg);
      if (p.isError())
        return p;
      if (!namedArg->cval || !p.isScalar())
        return error(startLoc(*namedArg),
                     "load: padding must be a compile-time constant");
      if (unifyElem(p, SType::scalar(s.elem)) != s.elem)
        return error(startLoc(*namedArg),
                     "load: padding of type " + p.str() +
                         " does not fit the element type " + elemName(s.elem));
    }
    if (maskArg && !checkMask(*maskArg, s, fn))
      return SType::error();
    if (s.shape.empty())
      return SType::scalar(s.elem);
    return SType::tile(s.elem, s.shape);
  }
  case Builtin::Store:
  case Builtin::AtomicAdd: {
    SType s = check(*pos[0]);
    SType v = checkValue(*pos[1]);
    if (s.isError() || v.isError())
      return SType::error();
    if (s.kind != SType::Kind::Slice)
      return error(startLoc(*pos[0]),
                   fn +
                       " needs a block of a global tensor, such as "
                       "o[b, h, m0 : BLOCK_M, :], got " +
                       s.str());
    if (b == Builtin::AtomicAdd && s.elem == Elem::I1)
      return error(loc, "atomic_add cannot add bool values");
    if (llvm::cast<IndexExpr>(pos[0])->gather)
      return error(startLoc(*pos[0]),
                   fn + " cannot scatter: index tiles are only for load");
    if (maskArg && !checkMask(*maskArg, s, fn))
      return SType::error();
    if (v.isTile() && v.shape != s.shape)
      return error(startLoc(*pos[1]),
                   fn + ": value shape " + shapeStr(v.shape) +
                       " differs from the block shape " + shapeStr(s.shape));
    if (v.elem != s.elem && unifyElem(v, SType::scalar(s.elem)) != s.elem)
      return error(startLoc(*pos[1]),
                   fn + ": value element type " + elemName(v.elem) +
                       " differs from the global tensor's " + elemName(s.elem) +
                       "; use cast<" + elemName(s.elem) + ">(...)");
    return SType::voidTy();
  }
  }
  return SType::error();
}

//===----------------------------------------------------------------------===//
// Driver
//===----------------------------------------------------------------------===//

std::unique_ptr<CheckedKernel>
Sema::run(const llvm::StringMap<std::string> &defines,
          llvm::StringSet<> &used) {
  unsigned errorsBefore = diag.getNumErrors();
  out = std::make_unique<CheckedKernel>();
  out->decl = &k;
  scopes.emplace_back();
  bindParams(defines, used);
  checkArgs();
  checkGrid();
  checkBlock(*k.body);
  scopes.pop_back();
  if (diag.getNumErrors() != errorsBefore)
    return nullptr;
  return std::move(out);
}

std::unique_ptr<CheckedKernel>
fa::frontend::checkKernel(KernelDecl &kernel,
                          const std::vector<std::unique_ptr<FnDecl>> &fns,
                          const llvm::StringMap<std::string> &defines,
                          llvm::StringSet<> &usedDefines, DiagEngine &diag) {
  Sema sema(kernel, diag);
  for (auto &f : fns)
    sema.fns.try_emplace(f->name, f.get()); // the first of a name wins
  return sema.run(defines, usedDefines);
}
