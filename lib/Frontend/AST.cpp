//===- AST.cpp - printing the `.tile` syntax tree -------------------------===//

#include "AST.h"

#include "llvm/Support/Format.h"

using namespace fa::frontend;
using llvm::raw_ostream;

llvm::StringRef fa::frontend::binaryOpSpelling(BinaryOp op) {
  switch (op) {
  case BinaryOp::Add:
    return "+";
  case BinaryOp::Sub:
    return "-";
  case BinaryOp::Mul:
    return "*";
  case BinaryOp::Div:
    return "/";
  case BinaryOp::Rem:
    return "%";
  case BinaryOp::Lt:
    return "<";
  case BinaryOp::Le:
    return "<=";
  case BinaryOp::Gt:
    return ">";
  case BinaryOp::Ge:
    return ">=";
  case BinaryOp::Eq:
    return "==";
  case BinaryOp::Ne:
    return "!=";
  case BinaryOp::And:
    return "&&";
  case BinaryOp::Or:
    return "||";
  case BinaryOp::BitAnd:
    return "&";
  case BinaryOp::BitOr:
    return "|";
  case BinaryOp::BitXor:
    return "^";
  case BinaryOp::Shl:
    return "<<";
  case BinaryOp::Shr:
    return ">>";
  }
  return "?";
}

namespace {
class Dumper {
public:
  Dumper(raw_ostream &os, const llvm::SourceMgr &srcMgr)
      : os(os), srcMgr(srcMgr) {}

  void fn(const FnDecl &f) {
    line(0) << "fn " << f.name << at(f.loc) << "\n";
    for (const auto &p : f.params)
      line(1) << "param " << p.first << at(p.second) << "\n";
    if (f.body)
      stmt(*f.body, 1);
    if (f.result) {
      line(1) << "return\n";
      expr(*f.result, 2);
    }
  }

  void kernel(const KernelDecl &k) {
    line(0) << "kernel " << k.name << at(k.loc) << "\n";
    for (const ParamDecl &p : k.params) {
      line(1) << "param " << p.name;
      if (p.kind)
        os << " : "
           << (*p.kind == ParamDecl::Kind::Int    ? "int"
               : *p.kind == ParamDecl::Kind::Bool ? "bool"
                                                  : "type");
      if (p.defaultValue) {
        os << " = ";
        if (p.defaultValue->kind == ConstVal::Kind::Bool)
          os << (p.defaultValue->b ? "true" : "false");
        else
          os << p.defaultValue->i;
      } else if (p.defaultType) {
        os << " = " << p.defaultType->name;
      }
      os << at(p.loc) << "\n";
    }
    for (const ArgDecl &a : k.args) {
      line(1) << "arg " << a.name << ": ";
      if (a.isGlobal) {
        os << "global<" << a.elemType.name << ">[";
        for (size_t i = 0; i < a.dims.size(); ++i) {
          if (i)
            os << ", ";
          if (a.dims[i].name.empty())
            os << a.dims[i].value;
          else
            os << a.dims[i].name;
        }
        os << "]";
      } else {
        os << a.elemType.name;
      }
      os << at(a.loc) << "\n";
    }
    if (k.hasGrid) {
      line(1) << "grid" << at(k.gridLoc) << "\n";
      for (const ExprPtr &e : k.grid)
        expr(*e, 2);
    }
    line(1) << "body\n";
    if (k.body)
      for (const StmtPtr &s : k.body->stmts)
        stmt(*s, 2);
  }

private:
  raw_ostream &line(unsigned depth) {
    os.indent(2 * depth);
    return os;
  }
  std::string at(llvm::SMLoc loc) {
    if (!loc.isValid())
      return "";
    auto [l, c] = srcMgr.getLineAndColumn(loc);
    return " @" + std::to_string(l) + ":" + std::to_string(c);
  }

  void stmt(const Stmt &s, unsigned d) {
    switch (s.getKind()) {
    case Stmt::Kind::Block: {
      line(d) << "block" << at(s.getLoc()) << "\n";
      for (const StmtPtr &c : llvm::cast<BlockStmt>(s).stmts)
        stmt(*c, d + 1);
      return;
    }
    case Stmt::Kind::Decl: {
      auto &x = llvm::cast<DeclStmt>(s);
      line(d) << (x.isVar ? "var " : "let ") << x.name << at(s.getLoc())
              << "\n";
      expr(*x.init, d + 1);
      return;
    }
    case Stmt::Kind::Assign: {
      auto &x = llvm::cast<AssignStmt>(s);
      line(d) << "assign " << x.name;
      if (x.op)
        os << " " << binaryOpSpelling(*x.op) << "=";
      os << at(s.getLoc()) << "\n";
      expr(*x.value, d + 1);
      return;
    }
    case Stmt::Kind::Expr:
      line(d) << "expr" << at(s.getLoc()) << "\n";
      expr(*llvm::cast<ExprStmt>(s).expr, d + 1);
      return;
    case Stmt::Kind::For: {
      auto &x = llvm::cast<ForStmt>(s);
      line(d) << "for " << x.var << at(s.getLoc()) << "\n";
      if (x.start) {
        line(d + 1) << "start\n";
        expr(*x.start, d + 2);
      }
      line(d + 1) << "end\n";
      expr(*x.end, d + 2);
      if (x.step) {
        line(d + 1) << "step\n";
        expr(*x.step, d + 2);
      }
      line(d + 1) << "do\n";
      for (const StmtPtr &c : x.body->stmts)
        stmt(*c, d + 2);
      return;
    }
    case Stmt::Kind::If: {
      auto &x = llvm::cast<IfStmt>(s);
      line(d) << "if" << at(s.getLoc()) << "\n";
      expr(*x.cond, d + 1);
      line(d + 1) << "then\n";
      for (const StmtPtr &c : x.thenBlock->stmts)
        stmt(*c, d + 2);
      if (x.elseStmt) {
        line(d + 1) << "else\n";
        stmt(*x.elseStmt, d + 2);
      }
      return;
    }
    case Stmt::Kind::While: {
      auto &x = llvm::cast<WhileStmt>(s);
      line(d) << "while" << at(s.getLoc()) << "\n";
      expr(*x.cond, d + 1);
      line(d + 1) << "do\n";
      for (const StmtPtr &c : x.body->stmts)
        stmt(*c, d + 2);
      return;
    }
    case Stmt::Kind::Break:
      line(d) << "break" << at(s.getLoc()) << "\n";
      return;
    }
  }

  void expr(const Expr &e, unsigned d) {
    switch (e.getKind()) {
    case Expr::Kind::Int:
      line(d) << "int " << llvm::cast<IntExpr>(e).value << at(e.getLoc())
              << "\n";
      return;
    case Expr::Kind::Float:
      line(d) << "float " << llvm::format("%g", llvm::cast<FloatExpr>(e).value)
              << at(e.getLoc()) << "\n";
      return;
    case Expr::Kind::Bool:
      line(d) << (llvm::cast<BoolExpr>(e).value ? "true" : "false")
              << at(e.getLoc()) << "\n";
      return;
    case Expr::Kind::Name:
      line(d) << "name " << llvm::cast<NameExpr>(e).name << at(e.getLoc())
              << "\n";
      return;
    case Expr::Kind::Unary: {
      auto &x = llvm::cast<UnaryExpr>(e);
      line(d) << "unary "
              << (x.op == UnaryOp::Neg    ? "-"
                  : x.op == UnaryOp::Plus ? "+"
                  : x.op == UnaryOp::Not  ? "!"
                                          : "~")
              << at(e.getLoc()) << "\n";
      expr(*x.operand, d + 1);
      return;
    }
    case Expr::Kind::Binary: {
      auto &x = llvm::cast<BinaryExpr>(e);
      line(d) << "binary " << binaryOpSpelling(x.op) << at(e.getLoc()) << "\n";
      expr(*x.lhs, d + 1);
      expr(*x.rhs, d + 1);
      return;
    }
    case Expr::Kind::Ternary: {
      auto &x = llvm::cast<TernaryExpr>(e);
      line(d) << "select" << at(e.getLoc()) << "\n";
      expr(*x.cond, d + 1);
      expr(*x.thenExpr, d + 1);
      expr(*x.elseExpr, d + 1);
      return;
    }
    case Expr::Kind::Call: {
      auto &x = llvm::cast<CallExpr>(e);
      line(d) << "call " << x.callee;
      if (x.typeArg)
        os << "<" << x.typeArg->name << ">";
      os << at(e.getLoc()) << "\n";
      for (const CallArg &a : x.args) {
        if (!a.name.empty()) {
          line(d + 1) << a.name << " =\n";
          expr(*a.value, d + 2);
        } else {
          expr(*a.value, d + 1);
        }
      }
      return;
    }
    case Expr::Kind::Index: {
      auto &x = llvm::cast<IndexExpr>(e);
      line(d) << "subscript" << at(e.getLoc()) << "\n";
      expr(*x.base, d + 1);
      for (const Subscript &s : x.subs) {
        switch (s.kind) {
        case Subscript::Kind::Full:
          line(d + 1) << ":\n";
          break;
        case Subscript::Kind::NewAxis:
          line(d + 1) << "None\n";
          break;
        case Subscript::Kind::Index:
          line(d + 1) << "index\n";
          expr(*s.start, d + 2);
          break;
        case Subscript::Kind::Slice:
          line(d + 1) << "block\n";
          expr(*s.start, d + 2);
          expr(*s.size, d + 2);
          break;
        }
      }
      return;
    }
    case Expr::Kind::List: {
      auto &x = llvm::cast<ListExpr>(e);
      line(d) << "list" << at(e.getLoc()) << "\n";
      for (const ExprPtr &c : x.elems)
        expr(*c, d + 1);
      return;
    }
    }
  }

  raw_ostream &os;
  const llvm::SourceMgr &srcMgr;
};
} // namespace

void fa::frontend::dumpAST(const Module &module, raw_ostream &os,
                           const llvm::SourceMgr &srcMgr,
                           llvm::StringRef onlyKernel) {
  Dumper dumper(os, srcMgr);
  if (onlyKernel.empty())
    for (const auto &f : module.fns)
      dumper.fn(*f);
  for (const auto &k : module.kernels)
    if (onlyKernel.empty() || k->name == onlyKernel)
      dumper.kernel(*k);
}

//===----------------------------------------------------------------------===//
// Copies (user functions are inlined into a fresh copy at every call)
//===----------------------------------------------------------------------===//

namespace {
ExprPtr copy(const ExprPtr &e) { return e ? cloneExpr(*e) : nullptr; }

StmtPtr cloneStmt(const Stmt &s) {
  switch (s.getKind()) {
  case Stmt::Kind::Block:
    return cloneBlock(llvm::cast<BlockStmt>(s));
  case Stmt::Kind::Decl: {
    auto &d = llvm::cast<DeclStmt>(s);
    return std::make_unique<DeclStmt>(d.getLoc(), d.isVar, d.name, d.nameLoc,
                                      copy(d.init));
  }
  case Stmt::Kind::Assign: {
    auto &a = llvm::cast<AssignStmt>(s);
    return std::make_unique<AssignStmt>(a.getLoc(), a.name, a.op,
                                        copy(a.value));
  }
  case Stmt::Kind::Expr: {
    auto &x = llvm::cast<ExprStmt>(s);
    return std::make_unique<ExprStmt>(x.getLoc(), copy(x.expr));
  }
  case Stmt::Kind::For: {
    auto &f = llvm::cast<ForStmt>(s);
    auto n = std::make_unique<ForStmt>(f.getLoc());
    n->var = f.var;
    n->varLoc = f.varLoc;
    n->start = copy(f.start);
    n->end = copy(f.end);
    n->step = copy(f.step);
    n->body = cloneBlock(*f.body);
    return n;
  }
  case Stmt::Kind::While: {
    auto &w = llvm::cast<WhileStmt>(s);
    auto n = std::make_unique<WhileStmt>(w.getLoc());
    n->cond = copy(w.cond);
    n->body = cloneBlock(*w.body);
    return n;
  }
  case Stmt::Kind::Break:
    return std::make_unique<BreakStmt>(s.getLoc());
  case Stmt::Kind::If: {
    auto &i = llvm::cast<IfStmt>(s);
    auto n = std::make_unique<IfStmt>(i.getLoc());
    n->cond = copy(i.cond);
    n->thenBlock = cloneBlock(*i.thenBlock);
    if (i.elseStmt)
      n->elseStmt = cloneStmt(*i.elseStmt);
    return n;
  }
  }
  return nullptr;
}
} // namespace

std::unique_ptr<BlockStmt> fa::frontend::cloneBlock(const BlockStmt &b) {
  auto n = std::make_unique<BlockStmt>(b.getLoc());
  n->endLoc = b.endLoc;
  for (const StmtPtr &s : b.stmts)
    n->stmts.push_back(cloneStmt(*s));
  return n;
}

ExprPtr fa::frontend::cloneExpr(const Expr &e) {
  ExprPtr n;
  switch (e.getKind()) {
  case Expr::Kind::Int: {
    auto &x = llvm::cast<IntExpr>(e);
    n = std::make_unique<IntExpr>(x.getLoc(), x.value, x.overflow);
    break;
  }
  case Expr::Kind::Float:
    n = std::make_unique<FloatExpr>(e.getLoc(), llvm::cast<FloatExpr>(e).value);
    break;
  case Expr::Kind::Bool:
    n = std::make_unique<BoolExpr>(e.getLoc(), llvm::cast<BoolExpr>(e).value);
    break;
  case Expr::Kind::Name:
    n = std::make_unique<NameExpr>(e.getLoc(), llvm::cast<NameExpr>(e).name);
    break;
  case Expr::Kind::Unary: {
    auto &x = llvm::cast<UnaryExpr>(e);
    n = std::make_unique<UnaryExpr>(x.getLoc(), x.op, copy(x.operand));
    break;
  }
  case Expr::Kind::Binary: {
    auto &x = llvm::cast<BinaryExpr>(e);
    n = std::make_unique<BinaryExpr>(x.getLoc(), x.op, copy(x.lhs),
                                     copy(x.rhs));
    break;
  }
  case Expr::Kind::Ternary: {
    auto &x = llvm::cast<TernaryExpr>(e);
    n = std::make_unique<TernaryExpr>(x.getLoc(), copy(x.cond),
                                      copy(x.thenExpr), copy(x.elseExpr));
    break;
  }
  case Expr::Kind::Call: {
    auto &x = llvm::cast<CallExpr>(e);
    auto c = std::make_unique<CallExpr>(x.getLoc(), x.callee);
    c->typeArg = x.typeArg;
    for (const CallArg &a : x.args)
      c->args.push_back({a.name, a.nameLoc, copy(a.value)});
    n = std::move(c);
    break;
  }
  case Expr::Kind::Index: {
    auto &x = llvm::cast<IndexExpr>(e);
    auto c = std::make_unique<IndexExpr>(x.getLoc(), copy(x.base));
    for (const Subscript &s : x.subs)
      c->subs.push_back({s.kind, s.loc, copy(s.start), copy(s.size)});
    n = std::move(c);
    break;
  }
  case Expr::Kind::List: {
    auto &x = llvm::cast<ListExpr>(e);
    auto c = std::make_unique<ListExpr>(x.getLoc());
    for (const ExprPtr &el : x.elems)
      c->elems.push_back(copy(el));
    n = std::move(c);
    break;
  }
  }
  n->height = e.height;
  return n;
}
