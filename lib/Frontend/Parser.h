//===- Parser.h - recursive-descent parser for `.tile` ---------*- C++ -*-===//
#ifndef FA_LIB_FRONTEND_PARSER_H
#define FA_LIB_FRONTEND_PARSER_H

#include "AST.h"
#include "Lexer.h"

namespace fa::frontend {

/// Parses a whole file. Syntax errors are reported through `diag`; the parser
/// then skips to a likely restart point (the next `;`, `}` or `kernel`) and
/// goes on, so one run reports every syntax error. Kernels with errors are
/// marked `hasErrors`.
class Parser {
public:
  /// Deeper nesting than this is rejected (keeps recursion bounded).
  static constexpr unsigned kMaxDepth = 200;
  /// Expression trees taller than this are rejected (`1 + 1 + ... + 1`).
  static constexpr unsigned kMaxHeight = 256;

  Parser(llvm::StringRef buffer, DiagEngine &diag)
      : lex(buffer, diag), diag(diag) {
    tok = lex.next();
  }

  std::unique_ptr<Module> parseModule();

private:
  // Token handling.
  void consume() {
    prevEnd = tok.loc.getPointer() + tok.text.size();
    tok = lex.next();
  }
  bool is(Tok k) const { return tok.kind == k; }
  bool consumeIf(Tok k) {
    if (!is(k))
      return false;
    consume();
    return true;
  }
  /// Reports "expected X" at the current token and returns false.
  bool expect(Tok k, llvm::StringRef context);
  bool errorHere(const llvm::Twine &msg);
  /// Skips to the next `;` (consumed) or before a `}` of the current nesting
  /// level, or a `kernel` at the top.
  void recoverStmt();
  void recoverKernel();

  std::unique_ptr<KernelDecl> parseKernel();
  std::unique_ptr<FnDecl> parseFn();
  bool parseParam(ParamDecl &p);
  bool parseArg(ArgDecl &a);
  bool parseTypeRef(TypeRef &t);
  std::unique_ptr<BlockStmt> parseBlock();
  StmtPtr parseStmt();
  StmtPtr parseIf();
  StmtPtr parseFor();

  /// Computes the height of a new node; reports a too-tall tree.
  ExprPtr finish(ExprPtr e);
  ExprPtr parseExpr();
  ExprPtr parseTernary();
  ExprPtr parseBinary(int minPrec);
  ExprPtr parseUnary();
  ExprPtr parsePostfix();
  ExprPtr parsePrimary();
  bool parseCallArgs(CallExpr &call);
  bool parseSubscript(Subscript &s);

  Lexer lex;
  DiagEngine &diag;
  Token tok;
  const char *prevEnd = nullptr;
  unsigned depth = 0;
  bool kernelHasError = false;
  /// Nesting depth exceeded: stop parsing the file.
  bool fatal = false;
};

} // namespace fa::frontend

#endif // FA_LIB_FRONTEND_PARSER_H
