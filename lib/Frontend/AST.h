//===- AST.h - syntax tree of the `.tile` language -------------*- C++ -*-===//
//
// The parser builds this tree; Sema annotates expressions with their types
// and constant values and resolves names; IRGen walks it to build `tile` IR.
//
//===----------------------------------------------------------------------===//
#ifndef FA_LIB_FRONTEND_AST_H
#define FA_LIB_FRONTEND_AST_H

#include "Types.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Casting.h"
#include "llvm/Support/SMLoc.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fa::frontend {

struct Symbol;
struct BlockStmt;
struct FnDecl;

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

class Expr {
public:
  enum class Kind {
    Int,
    Float,
    Bool,
    Name,
    Unary,
    Binary,
    Ternary,
    Call,
    Index,
    List
  };
  Expr(Kind kind, llvm::SMLoc loc) : kind(kind), loc(loc) {}
  virtual ~Expr() = default;
  Kind getKind() const { return kind; }
  llvm::SMLoc getLoc() const { return loc; }

  /// Height of the tree under this node (1 for a leaf); bounded by the
  /// parser so that recursive walks cannot overflow the stack.
  unsigned height = 1;

  // Filled in by Sema.
  SType type;
  std::optional<ConstVal> cval;

private:
  Kind kind;
  llvm::SMLoc loc;
};
using ExprPtr = std::unique_ptr<Expr>;

struct IntExpr : Expr {
  IntExpr(llvm::SMLoc loc, uint64_t value, bool overflow)
      : Expr(Kind::Int, loc), value(value), overflow(overflow) {}
  uint64_t value;
  bool overflow;
  static bool classof(const Expr *e) { return e->getKind() == Kind::Int; }
};

struct FloatExpr : Expr {
  FloatExpr(llvm::SMLoc loc, double value)
      : Expr(Kind::Float, loc), value(value) {}
  double value;
  static bool classof(const Expr *e) { return e->getKind() == Kind::Float; }
};

struct BoolExpr : Expr {
  BoolExpr(llvm::SMLoc loc, bool value) : Expr(Kind::Bool, loc), value(value) {}
  bool value;
  static bool classof(const Expr *e) { return e->getKind() == Kind::Bool; }
};

struct NameExpr : Expr {
  NameExpr(llvm::SMLoc loc, llvm::StringRef name)
      : Expr(Kind::Name, loc), name(name.str()) {}
  std::string name;
  Symbol *sym = nullptr; // Sema
  static bool classof(const Expr *e) { return e->getKind() == Kind::Name; }
};

enum class UnaryOp { Neg, Plus, Not, BitNot };
struct UnaryExpr : Expr {
  UnaryExpr(llvm::SMLoc loc, UnaryOp op, ExprPtr operand)
      : Expr(Kind::Unary, loc), op(op), operand(std::move(operand)) {}
  UnaryOp op;
  ExprPtr operand;
  static bool classof(const Expr *e) { return e->getKind() == Kind::Unary; }
};

enum class BinaryOp {
  Add,
  Sub,
  Mul,
  Div,
  Rem,
  Lt,
  Le,
  Gt,
  Ge,
  Eq,
  Ne,
  And,
  Or,
  BitAnd,
  BitOr,
  BitXor,
  Shl,
  Shr
};
llvm::StringRef binaryOpSpelling(BinaryOp op);
inline bool isComparison(BinaryOp op) {
  return op >= BinaryOp::Lt && op <= BinaryOp::Ne;
}
inline bool isLogical(BinaryOp op) {
  return op == BinaryOp::And || op == BinaryOp::Or;
}
/// `&`, `|`, `^`, `<<`, `>>`: integers (and bools for `&`, `|`, `^`).
inline bool isBitwise(BinaryOp op) { return op >= BinaryOp::BitAnd; }
inline bool isShift(BinaryOp op) {
  return op == BinaryOp::Shl || op == BinaryOp::Shr;
}

struct BinaryExpr : Expr {
  BinaryExpr(llvm::SMLoc loc, BinaryOp op, ExprPtr lhs, ExprPtr rhs)
      : Expr(Kind::Binary, loc), op(op), lhs(std::move(lhs)),
        rhs(std::move(rhs)) {}
  BinaryOp op;
  ExprPtr lhs, rhs;
  static bool classof(const Expr *e) { return e->getKind() == Kind::Binary; }
};

struct TernaryExpr : Expr {
  TernaryExpr(llvm::SMLoc loc, ExprPtr cond, ExprPtr thenE, ExprPtr elseE)
      : Expr(Kind::Ternary, loc), cond(std::move(cond)),
        thenExpr(std::move(thenE)), elseExpr(std::move(elseE)) {}
  ExprPtr cond, thenExpr, elseExpr;
  static bool classof(const Expr *e) { return e->getKind() == Kind::Ternary; }
};

/// A type written in the source: an element type name or a type parameter.
struct TypeRef {
  std::string name;
  llvm::SMLoc loc;
};

struct CallArg {
  std::string name; // empty for a positional argument
  llvm::SMLoc nameLoc;
  ExprPtr value;
};

struct CallExpr : Expr {
  CallExpr(llvm::SMLoc loc, llvm::StringRef callee)
      : Expr(Kind::Call, loc), callee(callee.str()) {}
  std::string callee;
  std::optional<TypeRef> typeArg; // `cast<bf16>(...)`
  std::vector<CallArg> args;
  Builtin builtin = Builtin::None; // Sema
  /// Sema, for a call of a user function: a copy of its body checked with
  /// this call's argument types, its result, and its parameters.
  const FnDecl *fn = nullptr;
  std::unique_ptr<BlockStmt> inlineBody;
  ExprPtr inlineResult;
  std::vector<Symbol *> inlineParams;
  static bool classof(const Expr *e) { return e->getKind() == Kind::Call; }
};

/// One entry of `x[...]`.
struct Subscript {
  enum class Kind { Index, Slice, Full, NewAxis } kind;
  llvm::SMLoc loc;
  ExprPtr start; // Index, Slice
  ExprPtr size;  // Slice
};

struct IndexExpr : Expr {
  IndexExpr(llvm::SMLoc loc, ExprPtr base)
      : Expr(Kind::Index, loc), base(std::move(base)) {}
  ExprPtr base;
  std::vector<Subscript> subs;
  /// Sema: `g[i, j]` used as a value reads one element of a global tensor.
  bool scalarLoad = false;
  /// Sema: a subscript is a tile of indices (a gather load).
  bool gather = false;
  static bool classof(const Expr *e) { return e->getKind() == Kind::Index; }
};

/// `[a, b, ...]`: shapes and permutations.
struct ListExpr : Expr {
  ListExpr(llvm::SMLoc loc) : Expr(Kind::List, loc) {}
  std::vector<ExprPtr> elems;
  static bool classof(const Expr *e) { return e->getKind() == Kind::List; }
};

//===----------------------------------------------------------------------===//
// Statements
//===----------------------------------------------------------------------===//

class Stmt {
public:
  enum class Kind { Decl, Assign, Expr, For, If, Block, While, Break };
  Stmt(Kind kind, llvm::SMLoc loc) : kind(kind), loc(loc) {}
  virtual ~Stmt() = default;
  Kind getKind() const { return kind; }
  llvm::SMLoc getLoc() const { return loc; }

private:
  Kind kind;
  llvm::SMLoc loc;
};
using StmtPtr = std::unique_ptr<Stmt>;

struct BlockStmt : Stmt {
  BlockStmt(llvm::SMLoc loc) : Stmt(Kind::Block, loc) {}
  std::vector<StmtPtr> stmts;
  llvm::SMLoc endLoc;
  static bool classof(const Stmt *s) { return s->getKind() == Kind::Block; }
};

/// `let x = e;` or `var x = e;`.
struct DeclStmt : Stmt {
  DeclStmt(llvm::SMLoc loc, bool isVar, llvm::StringRef name,
           llvm::SMLoc nameLoc, ExprPtr init)
      : Stmt(Kind::Decl, loc), isVar(isVar), name(name.str()), nameLoc(nameLoc),
        init(std::move(init)) {}
  bool isVar;
  std::string name;
  llvm::SMLoc nameLoc;
  ExprPtr init;
  Symbol *sym = nullptr; // Sema
  static bool classof(const Stmt *s) { return s->getKind() == Kind::Decl; }
};

/// `x = e;` or `x op= e;` (`op` is set for compound assignment).
struct AssignStmt : Stmt {
  AssignStmt(llvm::SMLoc loc, llvm::StringRef name, std::optional<BinaryOp> op,
             ExprPtr value)
      : Stmt(Kind::Assign, loc), name(name.str()), op(op),
        value(std::move(value)) {}
  std::string name;
  std::optional<BinaryOp> op;
  ExprPtr value;
  Symbol *sym = nullptr; // Sema
  /// Sema: for a compound assignment, the type of `x op e` before conversion.
  SType combinedType;
  static bool classof(const Stmt *s) { return s->getKind() == Kind::Assign; }
};

struct ExprStmt : Stmt {
  ExprStmt(llvm::SMLoc loc, ExprPtr expr)
      : Stmt(Kind::Expr, loc), expr(std::move(expr)) {}
  ExprPtr expr;
  static bool classof(const Stmt *s) { return s->getKind() == Kind::Expr; }
};

/// `for i in range(start, end, step) { ... }`.
struct ForStmt : Stmt {
  ForStmt(llvm::SMLoc loc) : Stmt(Kind::For, loc) {}
  std::string var;
  llvm::SMLoc varLoc;
  ExprPtr start, end, step; // start and step may be null (0 and 1)
  std::unique_ptr<BlockStmt> body;
  Symbol *varSym = nullptr;      // Sema
  std::vector<Symbol *> carried; // Sema: outer `var`s assigned inside
  /// Sema: the loop's hidden "no break yet" flag, when it has a `break`.
  Symbol *go = nullptr;
  static bool classof(const Stmt *s) { return s->getKind() == Kind::For; }
};

/// `while cond { ... }`.
struct WhileStmt : Stmt {
  WhileStmt(llvm::SMLoc loc) : Stmt(Kind::While, loc) {}
  ExprPtr cond;
  std::unique_ptr<BlockStmt> body;
  std::vector<Symbol *> carried; // Sema
  Symbol *go = nullptr;          // Sema, as for ForStmt
  static bool classof(const Stmt *s) { return s->getKind() == Kind::While; }
};

/// `break;`: leaves the innermost loop.
struct BreakStmt : Stmt {
  BreakStmt(llvm::SMLoc loc) : Stmt(Kind::Break, loc) {}
  Symbol *go = nullptr; // Sema: the flag of the loop it leaves
  static bool classof(const Stmt *s) { return s->getKind() == Kind::Break; }
};

struct IfStmt : Stmt {
  IfStmt(llvm::SMLoc loc) : Stmt(Kind::If, loc) {}
  ExprPtr cond;
  std::unique_ptr<BlockStmt> thenBlock;
  StmtPtr elseStmt; // a BlockStmt or an IfStmt (`else if`), or null
  std::vector<Symbol *> carried; // Sema
  static bool classof(const Stmt *s) { return s->getKind() == Kind::If; }
};

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

/// A compile-time parameter `NAME [: kind] [= default]`.
struct ParamDecl {
  enum class Kind { Int, Bool, Type };
  std::string name;
  llvm::SMLoc loc;
  std::optional<Kind> kind; // explicit `: int|bool|type`
  /// Default value as written: an integer, `true`/`false` or a type name.
  std::optional<ConstVal> defaultValue;
  std::optional<TypeRef> defaultType;
  llvm::SMLoc defaultLoc;
};

/// A dimension of a global tensor argument: a name or an integer.
struct DimDecl {
  std::string name; // empty for an integer
  int64_t value = 0;
  llvm::SMLoc loc;
};

struct ArgDecl {
  std::string name;
  llvm::SMLoc loc;
  bool isGlobal = false;
  TypeRef elemType;
  std::vector<DimDecl> dims;
};

struct KernelDecl {
  std::string name;
  llvm::SMLoc loc;
  std::vector<ParamDecl> params;
  std::vector<ArgDecl> args;
  std::vector<ExprPtr> grid;
  llvm::SMLoc gridLoc;
  bool hasGrid = false;
  std::unique_ptr<BlockStmt> body;
  /// The parser reported an error inside this kernel; it is not checked
  /// further.
  bool hasErrors = false;
};

/// `fn NAME(a, b) { ...; return e; }`: inlined at every call, its body
/// checked with the call's argument types.
struct FnDecl {
  std::string name;
  llvm::SMLoc loc;
  std::vector<std::pair<std::string, llvm::SMLoc>> params;
  std::unique_ptr<BlockStmt> body;
  ExprPtr result; // null: the function has no value
  bool hasErrors = false;
};

struct Module {
  std::vector<std::unique_ptr<KernelDecl>> kernels;
  std::vector<std::unique_ptr<FnDecl>> fns;
};

/// Deep copies of parsed trees (without Sema's annotations).
ExprPtr cloneExpr(const Expr &e);
std::unique_ptr<BlockStmt> cloneBlock(const BlockStmt &b);

/// Prints the tree, one node per line, for `fa-compile --emit=ast`.
void dumpAST(const Module &module, llvm::raw_ostream &os,
             const llvm::SourceMgr &srcMgr, llvm::StringRef onlyKernel);

} // namespace fa::frontend

#endif // FA_LIB_FRONTEND_AST_H
