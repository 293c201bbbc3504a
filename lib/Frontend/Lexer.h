//===- Lexer.h - tokens of the `.tile` language ----------------*- C++ -*-===//
#ifndef FA_LIB_FRONTEND_LEXER_H
#define FA_LIB_FRONTEND_LEXER_H

#include "Diagnostics.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"

#include <cstdint>

namespace fa::frontend {

enum class Tok {
  Eof,
  Ident,
  IntLit,
  FloatLit,
  // Keywords.
  KwKernel,
  KwLet,
  KwVar,
  KwFor,
  KwIn,
  KwIf,
  KwElse,
  KwGrid,
  KwGlobal,
  KwTrue,
  KwFalse,
  KwNone,
  KwInf,
  KwFn,
  KwReturn,
  KwWhile,
  KwBreak,
  // Punctuation and operators.
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Comma,
  Semi,
  Colon,
  Question,
  Assign,
  PlusAssign,
  MinusAssign,
  StarAssign,
  SlashAssign,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Bang,
  AmpAmp,
  PipePipe,
  EqEq,
  NotEq,
  Less,
  LessEq,
  Greater,
  GreaterEq,
  // Bit operations.
  Amp,
  Pipe,
  Caret,
  Tilde,
  Shl,
  Shr,
};

/// Spelling of a token kind for diagnostics ("'('", "identifier").
llvm::StringRef tokSpelling(Tok kind);

struct Token {
  Tok kind = Tok::Eof;
  llvm::StringRef text;
  llvm::SMLoc loc;
  /// Value of an IntLit (saturated; `overflow` says it did not fit).
  uint64_t intValue = 0;
  bool overflow = false;
  /// Value of a FloatLit.
  double floatValue = 0.0;
};

/// Turns a buffer into tokens on demand. Bad characters and malformed
/// literals are reported and skipped, so the parser always gets a stream
/// that ends in Eof.
class Lexer {
public:
  Lexer(llvm::StringRef buffer, DiagEngine &diag)
      : buf(buffer), cur(buffer.begin()), diag(diag) {}

  Token next();
  /// The token after the current position, without reporting errors.
  Token peek() {
    const char *saved = cur;
    muted = true;
    Token t = next();
    muted = false;
    cur = saved;
    return t;
  }

private:
  Token make(Tok kind, const char *start);
  Token lexNumber(const char *start);
  Token lexIdent(const char *start);
  void skipSpaceAndComments();
  void error(llvm::SMLoc loc, const llvm::Twine &msg) {
    if (!muted)
      diag.error(loc, msg);
  }

  llvm::StringRef buf;
  const char *cur;
  DiagEngine &diag;
  bool muted = false;
};

} // namespace fa::frontend

#endif // FA_LIB_FRONTEND_LEXER_H
