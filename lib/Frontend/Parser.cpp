//===- Parser.cpp - recursive-descent parser for `.tile` ------------------===//

#include "Parser.h"

#include "llvm/ADT/StringSwitch.h"

#include <limits>

using namespace fa::frontend;
using llvm::SMLoc;
using llvm::StringRef;

namespace {
/// Bumps the parser's nesting depth for the lifetime of a recursive call.
struct DepthGuard {
  unsigned &depth;
  explicit DepthGuard(unsigned &d) : depth(d) { ++depth; }
  ~DepthGuard() { --depth; }
};
} // namespace

/// Builtins whose name may be followed by a type argument: `cast<bf16>(x)`.
static bool takesTypeArg(StringRef name) {
  return name == "cast" || name == "full" || name == "zeros";
}

bool Parser::errorHere(const llvm::Twine &msg) {
  kernelHasError = true;
  diag.error(tok.loc, msg);
  return false;
}

bool Parser::expect(Tok k, StringRef context) {
  if (consumeIf(k))
    return true;
  kernelHasError = true;
  // A missing `;` or `)` is best shown right after the previous token.
  SMLoc loc = tok.loc;
  if ((k == Tok::Semi || k == Tok::RParen || k == Tok::RBracket) && prevEnd)
    loc = SMLoc::getFromPointer(prevEnd);
  diag.error(loc, "expected " + tokSpelling(k) + " " + context + ", found " +
                      (is(Tok::Eof) ? StringRef("end of file")
                                    : StringRef("'" + tok.text.str() + "'")));
  return false;
}

void Parser::recoverStmt() {
  unsigned nest = 0;
  while (!is(Tok::Eof) && !fatal) {
    if (nest == 0 && is(Tok::KwKernel))
      return;
    if (is(Tok::LBrace) || is(Tok::LParen) || is(Tok::LBracket)) {
      ++nest;
    } else if (is(Tok::RBrace) || is(Tok::RParen) || is(Tok::RBracket)) {
      if (nest == 0) {
        if (is(Tok::RBrace))
          return;
      } else {
        --nest;
      }
    } else if (is(Tok::Semi) && nest == 0) {
      consume();
      return;
    }
    consume();
  }
}

void Parser::recoverKernel() {
  while (!is(Tok::Eof) && !is(Tok::KwKernel) && !is(Tok::KwFn) && !fatal)
    consume();
}

std::unique_ptr<FnDecl> Parser::parseFn() {
  auto fn = std::make_unique<FnDecl>();
  fn->loc = tok.loc;
  consume(); // fn
  if (!is(Tok::Ident)) {
    errorHere("expected a function name after 'fn'");
    return nullptr;
  }
  fn->name = tok.text.str();
  consume();
  if (!expect(Tok::LParen, "after the function name"))
    return nullptr;
  while (!is(Tok::RParen)) {
    if (!is(Tok::Ident)) {
      errorHere("expected a parameter name, found '" + tok.text + "'");
      return nullptr;
    }
    for (auto &p : fn->params)
      if (p.first == tok.text) {
        errorHere("duplicate parameter '" + tok.text + "'");
        return nullptr;
      }
    fn->params.push_back({tok.text.str(), tok.loc});
    consume();
    if (!consumeIf(Tok::Comma))
      break;
  }
  if (!expect(Tok::RParen, "after the parameters"))
    return nullptr;
  // The body: statements, then an optional `return e;` as the last one.
  SMLoc open = tok.loc;
  fn->body = std::make_unique<BlockStmt>(tok.loc);
  if (!expect(Tok::LBrace, "to start the function body"))
    return nullptr;
  while (!is(Tok::RBrace) && !fatal) {
    if (is(Tok::Eof) || is(Tok::KwKernel) || is(Tok::KwFn)) {
      errorHere("expected '}' to close the function body");
      diag.note(open, "the body starts here");
      return fn;
    }
    if (consumeIf(Tok::KwReturn)) {
      fn->result = parseExpr();
      if (!fn->result || !expect(Tok::Semi, "after the returned value"))
        return fn;
      if (!is(Tok::RBrace)) {
        errorHere("'return' must be the last statement of a function");
        return fn;
      }
      break;
    }
    const char *before = tok.loc.getPointer();
    StmtPtr s = parseStmt();
    if (s)
      fn->body->stmts.push_back(std::move(s));
    else
      recoverStmt();
    if (tok.loc.getPointer() == before && !is(Tok::RBrace) && !is(Tok::Eof))
      consume();
  }
  fn->body->endLoc = tok.loc;
  consumeIf(Tok::RBrace);
  return fn;
}

std::unique_ptr<Module> Parser::parseModule() {
  auto module = std::make_unique<Module>();
  while (!is(Tok::Eof) && !fatal) {
    if (is(Tok::KwFn)) {
      kernelHasError = false;
      std::unique_ptr<FnDecl> fn = parseFn();
      if (!fn) {
        recoverKernel();
        continue;
      }
      fn->hasErrors = kernelHasError || fatal;
      module->fns.push_back(std::move(fn));
      continue;
    }
    if (!is(Tok::KwKernel)) {
      errorHere("expected 'kernel' or 'fn' at the top level, found '" +
                tok.text + "'");
      consume();
      recoverKernel();
      continue;
    }
    kernelHasError = false;
    std::unique_ptr<KernelDecl> k = parseKernel();
    if (!k) {
      recoverKernel();
      continue;
    }
    k->hasErrors = kernelHasError || fatal;
    module->kernels.push_back(std::move(k));
  }
  return module;
}

bool Parser::parseTypeRef(TypeRef &t) {
  if (!is(Tok::Ident))
    return errorHere("expected a type, found '" + tok.text + "'");
  t.name = tok.text.str();
  t.loc = tok.loc;
  consume();
  return true;
}

bool Parser::parseParam(ParamDecl &p) {
  if (!is(Tok::Ident))
    return errorHere("expected a compile-time parameter name, found '" +
                     tok.text + "'");
  p.name = tok.text.str();
  p.loc = tok.loc;
  consume();
  if (consumeIf(Tok::Colon)) {
    if (!is(Tok::Ident))
      return errorHere("expected 'int', 'bool' or 'type' after ':'");
    auto kind = llvm::StringSwitch<std::optional<ParamDecl::Kind>>(tok.text)
                    .Case("int", ParamDecl::Kind::Int)
                    .Case("bool", ParamDecl::Kind::Bool)
                    .Case("type", ParamDecl::Kind::Type)
                    .Default(std::nullopt);
    if (!kind)
      return errorHere("unknown parameter kind '" + tok.text +
                       "' (expected 'int', 'bool' or 'type')");
    p.kind = kind;
    consume();
  }
  if (!consumeIf(Tok::Assign))
    return true;
  p.defaultLoc = tok.loc;
  bool neg = consumeIf(Tok::Minus);
  if (is(Tok::IntLit)) {
    if (tok.overflow ||
        tok.intValue >
            uint64_t(std::numeric_limits<int32_t>::max()) + (neg ? 1 : 0))
      return errorHere("default value '" + tok.text + "' does not fit in i32");
    int64_t v = int64_t(tok.intValue);
    p.defaultValue = ConstVal::ofInt(neg ? -v : v);
    consume();
    return true;
  }
  if (neg)
    return errorHere("expected an integer after '-'");
  if (is(Tok::KwTrue) || is(Tok::KwFalse)) {
    p.defaultValue = ConstVal::ofBool(is(Tok::KwTrue));
    consume();
    return true;
  }
  if (is(Tok::Ident)) {
    TypeRef t;
    parseTypeRef(t);
    p.defaultType = t;
    return true;
  }
  return errorHere("expected an integer, 'true', 'false' or a type as the "
                   "default of '" +
                   p.name + "'");
}

bool Parser::parseArg(ArgDecl &a) {
  if (!is(Tok::Ident))
    return errorHere("expected an argument name, found '" + tok.text + "'");
  a.name = tok.text.str();
  a.loc = tok.loc;
  consume();
  if (!expect(Tok::Colon, "after the argument name"))
    return false;
  if (!consumeIf(Tok::KwGlobal))
    return parseTypeRef(a.elemType);
  a.isGlobal = true;
  if (!expect(Tok::Less, "after 'global'") || !parseTypeRef(a.elemType) ||
      !expect(Tok::Greater, "after the element type") ||
      !expect(Tok::LBracket, "before the dimensions of a global tensor"))
    return false;
  do {
    DimDecl d;
    d.loc = tok.loc;
    if (is(Tok::Ident)) {
      d.name = tok.text.str();
    } else if (is(Tok::IntLit)) {
      if (tok.overflow ||
          tok.intValue > uint64_t(std::numeric_limits<int32_t>::max()))
        return errorHere("dimension '" + tok.text + "' does not fit in i32");
      d.value = int64_t(tok.intValue);
    } else {
      return errorHere("expected a dimension (a name or an integer), found '" +
                       tok.text + "'");
    }
    consume();
    a.dims.push_back(d);
  } while (consumeIf(Tok::Comma) && !is(Tok::RBracket));
  return expect(Tok::RBracket, "after the dimensions");
}

std::unique_ptr<KernelDecl> Parser::parseKernel() {
  auto k = std::make_unique<KernelDecl>();
  k->loc = tok.loc;
  consume(); // kernel
  if (!is(Tok::Ident)) {
    errorHere("expected a kernel name after 'kernel'");
    return nullptr;
  }
  k->name = tok.text.str();
  consume();
  if (consumeIf(Tok::Less)) {
    if (!is(Tok::Greater)) {
      do {
        ParamDecl p;
        if (!parseParam(p))
          return nullptr;
        k->params.push_back(std::move(p));
      } while (consumeIf(Tok::Comma) && !is(Tok::Greater));
    }
    if (!expect(Tok::Greater, "after the compile-time parameters"))
      return nullptr;
  }
  if (!expect(Tok::LParen, "before the kernel arguments"))
    return nullptr;
  if (!is(Tok::RParen)) {
    do {
      ArgDecl a;
      if (!parseArg(a))
        return nullptr;
      k->args.push_back(std::move(a));
    } while (consumeIf(Tok::Comma) && !is(Tok::RParen));
  }
  if (!expect(Tok::RParen, "after the kernel arguments"))
    return nullptr;
  if (is(Tok::KwGrid)) {
    k->hasGrid = true;
    k->gridLoc = tok.loc;
    consume();
    if (!expect(Tok::LParen, "after 'grid'"))
      return nullptr;
    if (!is(Tok::RParen)) {
      do {
        ExprPtr e = parseExpr();
        if (!e)
          return nullptr;
        k->grid.push_back(std::move(e));
      } while (consumeIf(Tok::Comma) && !is(Tok::RParen));
    }
    if (!expect(Tok::RParen, "after the grid sizes"))
      return nullptr;
  }
  if (!is(Tok::LBrace)) {
    errorHere(k->hasGrid
                  ? "expected '{' to start the kernel body"
                  : "expected 'grid(...)' or '{' after the kernel arguments");
    return nullptr;
  }
  k->body = parseBlock();
  if (!k->body)
    return nullptr;
  return k;
}

std::unique_ptr<BlockStmt> Parser::parseBlock() {
  DepthGuard guard(depth);
  if (depth > kMaxDepth) {
    errorHere("blocks are nested too deeply");
    fatal = true;
    return nullptr;
  }
  auto block = std::make_unique<BlockStmt>(tok.loc);
  SMLoc open = tok.loc;
  if (!expect(Tok::LBrace, "to start a block"))
    return nullptr;
  while (!is(Tok::RBrace) && !fatal) {
    if (is(Tok::Eof) || is(Tok::KwKernel)) {
      errorHere("expected '}' to close the block");
      diag.note(open, "the block starts here");
      return block;
    }
    const char *before = tok.loc.getPointer();
    StmtPtr s = parseStmt();
    if (s)
      block->stmts.push_back(std::move(s));
    else
      recoverStmt();
    // Never loop without consuming input.
    if (tok.loc.getPointer() == before && !is(Tok::RBrace) && !is(Tok::Eof) &&
        !is(Tok::KwKernel))
      consume();
  }
  block->endLoc = tok.loc;
  consumeIf(Tok::RBrace);
  return block;
}

StmtPtr Parser::parseStmt() {
  DepthGuard guard(depth);
  if (depth > kMaxDepth) {
    errorHere("statements are nested too deeply");
    fatal = true;
    return nullptr;
  }
  SMLoc loc = tok.loc;
  switch (tok.kind) {
  case Tok::KwLet:
  case Tok::KwVar: {
    bool isVar = is(Tok::KwVar);
    consume();
    if (!is(Tok::Ident)) {
      errorHere(llvm::Twine("expected a name after '") +
                (isVar ? "var" : "let") + "', found '" + tok.text + "'");
      return nullptr;
    }
    std::string name = tok.text.str();
    SMLoc nameLoc = tok.loc;
    consume();
    if (!expect(Tok::Assign,
                "after the name (every variable needs an initial value)"))
      return nullptr;
    ExprPtr init = parseExpr();
    if (!init || !expect(Tok::Semi, "after the declaration"))
      return nullptr;
    return std::make_unique<DeclStmt>(loc, isVar, name, nameLoc,
                                      std::move(init));
  }
  case Tok::KwFor:
    return parseFor();
  case Tok::KwWhile: {
    auto w = std::make_unique<WhileStmt>(loc);
    consume();
    w->cond = parseExpr();
    if (!w->cond)
      return nullptr;
    w->body = parseBlock();
    if (!w->body)
      return nullptr;
    return w;
  }
  case Tok::KwBreak:
    consume();
    if (!expect(Tok::Semi, "after 'break'"))
      return nullptr;
    return std::make_unique<BreakStmt>(loc);
  case Tok::KwIf:
    return parseIf();
  case Tok::LBrace:
    return parseBlock();
  case Tok::KwElse:
    errorHere("'else' without a matching 'if'");
    return nullptr;
  case Tok::KwReturn:
    errorHere("'return' can only end the body of a function ('fn')");
    return nullptr;
  case Tok::Semi:
    consume();
    return std::make_unique<BlockStmt>(loc);
  default:
    break;
  }
  ExprPtr e = parseExpr();
  if (!e)
    return nullptr;
  std::optional<BinaryOp> op;
  bool isAssign = true;
  switch (tok.kind) {
  case Tok::Assign:
    break;
  case Tok::PlusAssign:
    op = BinaryOp::Add;
    break;
  case Tok::MinusAssign:
    op = BinaryOp::Sub;
    break;
  case Tok::StarAssign:
    op = BinaryOp::Mul;
    break;
  case Tok::SlashAssign:
    op = BinaryOp::Div;
    break;
  default:
    isAssign = false;
  }
  if (isAssign) {
    auto *name = llvm::dyn_cast<NameExpr>(e.get());
    if (!name) {
      errorHere("only a variable name can be assigned to");
      return nullptr;
    }
    consume();
    ExprPtr value = parseExpr();
    if (!value || !expect(Tok::Semi, "after the assignment"))
      return nullptr;
    return std::make_unique<AssignStmt>(loc, name->name, op, std::move(value));
  }
  if (!expect(Tok::Semi, "after the statement"))
    return nullptr;
  return std::make_unique<ExprStmt>(loc, std::move(e));
}

StmtPtr Parser::parseFor() {
  auto f = std::make_unique<ForStmt>(tok.loc);
  consume(); // for
  if (!is(Tok::Ident)) {
    errorHere("expected a loop variable after 'for'");
    return nullptr;
  }
  f->var = tok.text.str();
  f->varLoc = tok.loc;
  consume();
  if (!expect(Tok::KwIn, "after the loop variable"))
    return nullptr;
  if (!is(Tok::Ident) || tok.text != "range") {
    errorHere("expected 'range(...)' after 'in'");
    return nullptr;
  }
  consume();
  if (!expect(Tok::LParen, "after 'range'"))
    return nullptr;
  std::vector<ExprPtr> bounds;
  if (!is(Tok::RParen)) {
    do {
      ExprPtr e = parseExpr();
      if (!e)
        return nullptr;
      bounds.push_back(std::move(e));
    } while (consumeIf(Tok::Comma) && !is(Tok::RParen));
  }
  SMLoc close = tok.loc;
  if (!expect(Tok::RParen, "after the range"))
    return nullptr;
  if (bounds.empty() || bounds.size() > 3) {
    kernelHasError = true;
    diag.error(close, "range takes 1 to 3 arguments (end; start, end; or "
                      "start, end, step), got " +
                          llvm::Twine(bounds.size()));
    return nullptr;
  }
  if (bounds.size() == 1) {
    f->end = std::move(bounds[0]);
  } else {
    f->start = std::move(bounds[0]);
    f->end = std::move(bounds[1]);
    if (bounds.size() == 3)
      f->step = std::move(bounds[2]);
  }
  if (!is(Tok::LBrace)) {
    errorHere("expected '{' after the range");
    return nullptr;
  }
  f->body = parseBlock();
  if (!f->body)
    return nullptr;
  return f;
}

StmtPtr Parser::parseIf() {
  DepthGuard guard(depth);
  if (depth > kMaxDepth) {
    errorHere("'else if' chain is too long");
    fatal = true;
    return nullptr;
  }
  auto s = std::make_unique<IfStmt>(tok.loc);
  consume(); // if
  s->cond = parseExpr();
  if (!s->cond)
    return nullptr;
  if (!is(Tok::LBrace)) {
    errorHere("expected '{' after the 'if' condition");
    return nullptr;
  }
  s->thenBlock = parseBlock();
  if (!s->thenBlock)
    return nullptr;
  if (consumeIf(Tok::KwElse)) {
    if (is(Tok::KwIf))
      s->elseStmt = parseIf();
    else if (is(Tok::LBrace))
      s->elseStmt = parseBlock();
    else
      errorHere("expected '{' or 'if' after 'else'");
    if (!s->elseStmt)
      return nullptr;
  }
  return s;
}

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

ExprPtr Parser::finish(ExprPtr e) {
  unsigned h = 0;
  auto see = [&](const Expr *c) {
    if (c)
      h = std::max(h, c->height);
  };
  switch (e->getKind()) {
  case Expr::Kind::Unary:
    see(llvm::cast<UnaryExpr>(*e).operand.get());
    break;
  case Expr::Kind::Binary:
    see(llvm::cast<BinaryExpr>(*e).lhs.get());
    see(llvm::cast<BinaryExpr>(*e).rhs.get());
    break;
  case Expr::Kind::Ternary: {
    auto &t = llvm::cast<TernaryExpr>(*e);
    see(t.cond.get());
    see(t.thenExpr.get());
    see(t.elseExpr.get());
    break;
  }
  case Expr::Kind::Call:
    for (CallArg &a : llvm::cast<CallExpr>(*e).args)
      see(a.value.get());
    break;
  case Expr::Kind::Index: {
    auto &x = llvm::cast<IndexExpr>(*e);
    see(x.base.get());
    for (Subscript &s : x.subs) {
      see(s.start.get());
      see(s.size.get());
    }
    break;
  }
  case Expr::Kind::List:
    for (ExprPtr &c : llvm::cast<ListExpr>(*e).elems)
      see(c.get());
    break;
  default:
    break;
  }
  e->height = h + 1;
  if (e->height > kMaxHeight) {
    kernelHasError = true;
    diag.error(e->getLoc(), "expression is too large (more than " +
                                llvm::Twine(kMaxHeight) +
                                " levels of operators)");
    fatal = true;
    return nullptr;
  }
  return e;
}

ExprPtr Parser::parseExpr() {
  DepthGuard guard(depth);
  if (depth > kMaxDepth) {
    errorHere("expression is nested too deeply");
    fatal = true;
    return nullptr;
  }
  return parseTernary();
}

ExprPtr Parser::parseTernary() {
  ExprPtr cond = parseBinary(1);
  if (!cond || !is(Tok::Question))
    return cond;
  SMLoc loc = tok.loc;
  consume();
  ExprPtr a = parseExpr();
  if (!a || !expect(Tok::Colon, "between the branches of '?:'"))
    return nullptr;
  ExprPtr b = parseExpr();
  if (!b)
    return nullptr;
  return finish(std::make_unique<TernaryExpr>(loc, std::move(cond),
                                              std::move(a), std::move(b)));
}

static int precedence(Tok k, BinaryOp &op) {
  // Bit operations bind tighter than comparisons (as in Rust and Python), so
  // `x & 1 == 0` is `(x & 1) == 0`.
  switch (k) {
  case Tok::PipePipe:
    op = BinaryOp::Or;
    return 1;
  case Tok::AmpAmp:
    op = BinaryOp::And;
    return 2;
  case Tok::EqEq:
    op = BinaryOp::Eq;
    return 3;
  case Tok::NotEq:
    op = BinaryOp::Ne;
    return 3;
  case Tok::Less:
    op = BinaryOp::Lt;
    return 4;
  case Tok::LessEq:
    op = BinaryOp::Le;
    return 4;
  case Tok::Greater:
    op = BinaryOp::Gt;
    return 4;
  case Tok::GreaterEq:
    op = BinaryOp::Ge;
    return 4;
  case Tok::Pipe:
    op = BinaryOp::BitOr;
    return 5;
  case Tok::Caret:
    op = BinaryOp::BitXor;
    return 6;
  case Tok::Amp:
    op = BinaryOp::BitAnd;
    return 7;
  case Tok::Shl:
    op = BinaryOp::Shl;
    return 8;
  case Tok::Shr:
    op = BinaryOp::Shr;
    return 8;
  case Tok::Plus:
    op = BinaryOp::Add;
    return 9;
  case Tok::Minus:
    op = BinaryOp::Sub;
    return 9;
  case Tok::Star:
    op = BinaryOp::Mul;
    return 10;
  case Tok::Slash:
    op = BinaryOp::Div;
    return 10;
  case Tok::Percent:
    op = BinaryOp::Rem;
    return 10;
  default:
    return 0;
  }
}

ExprPtr Parser::parseBinary(int minPrec) {
  ExprPtr lhs = parseUnary();
  if (!lhs)
    return nullptr;
  for (;;) {
    BinaryOp op;
    int prec = precedence(tok.kind, op);
    if (prec < minPrec || prec == 0)
      return lhs;
    SMLoc loc = tok.loc;
    consume();
    DepthGuard guard(depth);
    if (depth > kMaxDepth) {
      errorHere("expression is nested too deeply");
      fatal = true;
      return nullptr;
    }
    ExprPtr rhs = parseBinary(prec + 1);
    if (!rhs)
      return nullptr;
    lhs = finish(
        std::make_unique<BinaryExpr>(loc, op, std::move(lhs), std::move(rhs)));
    if (!lhs)
      return nullptr;
  }
}

ExprPtr Parser::parseUnary() {
  DepthGuard guard(depth);
  if (depth > kMaxDepth) {
    errorHere("expression is nested too deeply");
    fatal = true;
    return nullptr;
  }
  SMLoc loc = tok.loc;
  std::optional<UnaryOp> op;
  if (is(Tok::Minus))
    op = UnaryOp::Neg;
  else if (is(Tok::Plus))
    op = UnaryOp::Plus;
  else if (is(Tok::Bang))
    op = UnaryOp::Not;
  else if (is(Tok::Tilde))
    op = UnaryOp::BitNot;
  if (!op)
    return parsePostfix();
  consume();
  ExprPtr operand = parseUnary();
  if (!operand)
    return nullptr;
  return finish(std::make_unique<UnaryExpr>(loc, *op, std::move(operand)));
}

bool Parser::parseSubscript(Subscript &s) {
  s.loc = tok.loc;
  if (is(Tok::Colon)) {
    consume();
    s.kind = Subscript::Kind::Full;
    if (!is(Tok::Comma) && !is(Tok::RBracket))
      return errorHere("expected ',' or ']' after ':' (a block is written "
                       "'start : size')");
    return true;
  }
  if (consumeIf(Tok::KwNone)) {
    s.kind = Subscript::Kind::NewAxis;
    return true;
  }
  s.start = parseExpr();
  if (!s.start)
    return false;
  s.kind = Subscript::Kind::Index;
  if (consumeIf(Tok::Colon)) {
    s.kind = Subscript::Kind::Slice;
    s.size = parseExpr();
    if (!s.size)
      return false;
  }
  return true;
}

ExprPtr Parser::parsePostfix() {
  ExprPtr e = parsePrimary();
  if (!e)
    return nullptr;
  while (is(Tok::LBracket)) {
    auto idx = std::make_unique<IndexExpr>(tok.loc, std::move(e));
    consume();
    if (is(Tok::RBracket)) {
      errorHere("expected at least one subscript");
      return nullptr;
    }
    do {
      Subscript s;
      if (!parseSubscript(s))
        return nullptr;
      idx->subs.push_back(std::move(s));
    } while (consumeIf(Tok::Comma) && !is(Tok::RBracket));
    if (!expect(Tok::RBracket, "after the subscripts"))
      return nullptr;
    e = finish(std::move(idx));
    if (!e)
      return nullptr;
  }
  return e;
}

bool Parser::parseCallArgs(CallExpr &call) {
  if (!expect(Tok::LParen, "to start the arguments"))
    return false;
  if (consumeIf(Tok::RParen))
    return true;
  do {
    CallArg arg;
    if (is(Tok::Ident) && lex.peek().kind == Tok::Assign) {
      arg.name = tok.text.str();
      arg.nameLoc = tok.loc;
      consume();
      consume();
    }
    arg.value = parseExpr();
    if (!arg.value)
      return false;
    call.args.push_back(std::move(arg));
  } while (consumeIf(Tok::Comma) && !is(Tok::RParen));
  return expect(Tok::RParen, "after the arguments");
}

ExprPtr Parser::parsePrimary() {
  SMLoc loc = tok.loc;
  switch (tok.kind) {
  case Tok::IntLit: {
    auto e = std::make_unique<IntExpr>(loc, tok.intValue, tok.overflow);
    consume();
    return e;
  }
  case Tok::FloatLit: {
    auto e = std::make_unique<FloatExpr>(loc, tok.floatValue);
    consume();
    return e;
  }
  case Tok::KwTrue:
  case Tok::KwFalse: {
    auto e = std::make_unique<BoolExpr>(loc, is(Tok::KwTrue));
    consume();
    return e;
  }
  case Tok::KwInf: {
    consume();
    return std::make_unique<FloatExpr>(loc,
                                       std::numeric_limits<double>::infinity());
  }
  case Tok::LParen: {
    consume();
    ExprPtr e = parseExpr();
    if (!e || !expect(Tok::RParen, "to close the parenthesis"))
      return nullptr;
    return e;
  }
  case Tok::LBracket: {
    auto list = std::make_unique<ListExpr>(loc);
    consume();
    if (!is(Tok::RBracket)) {
      do {
        ExprPtr e = parseExpr();
        if (!e)
          return nullptr;
        list->elems.push_back(std::move(e));
      } while (consumeIf(Tok::Comma) && !is(Tok::RBracket));
    }
    if (!expect(Tok::RBracket, "to close the list"))
      return nullptr;
    return finish(std::move(list));
  }
  case Tok::Ident: {
    std::string name = tok.text.str();
    consume();
    if (is(Tok::Less) && takesTypeArg(name)) {
      auto call = std::make_unique<CallExpr>(loc, name);
      consume();
      TypeRef t;
      if (!parseTypeRef(t) || !expect(Tok::Greater, "after the type argument"))
        return nullptr;
      call->typeArg = t;
      if (!parseCallArgs(*call))
        return nullptr;
      return finish(std::move(call));
    }
    if (is(Tok::LParen)) {
      auto call = std::make_unique<CallExpr>(loc, name);
      if (!parseCallArgs(*call))
        return nullptr;
      return finish(std::move(call));
    }
    return std::make_unique<NameExpr>(loc, name);
  }
  case Tok::KwNone:
    errorHere("'None' can only be used as a subscript, as in 'x[:, None]'");
    return nullptr;
  default:
    if (is(Tok::Eof))
      errorHere("expected an expression, found end of file");
    else
      errorHere("expected an expression, found '" + tok.text + "'");
    return nullptr;
  }
}
