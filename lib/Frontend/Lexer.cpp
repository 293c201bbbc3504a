//===- Lexer.cpp - tokens of the `.tile` language -------------------------===//

#include "Lexer.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FormatVariadic.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

using namespace fa::frontend;
using llvm::SMLoc;
using llvm::StringRef;

StringRef fa::frontend::tokSpelling(Tok kind) {
  switch (kind) {
  case Tok::Eof:
    return "end of file";
  case Tok::Ident:
    return "identifier";
  case Tok::IntLit:
    return "integer literal";
  case Tok::FloatLit:
    return "float literal";
  case Tok::KwKernel:
    return "'kernel'";
  case Tok::KwLet:
    return "'let'";
  case Tok::KwVar:
    return "'var'";
  case Tok::KwFor:
    return "'for'";
  case Tok::KwIn:
    return "'in'";
  case Tok::KwIf:
    return "'if'";
  case Tok::KwElse:
    return "'else'";
  case Tok::KwGrid:
    return "'grid'";
  case Tok::KwGlobal:
    return "'global'";
  case Tok::KwTrue:
    return "'true'";
  case Tok::KwFalse:
    return "'false'";
  case Tok::KwNone:
    return "'None'";
  case Tok::KwWhile:
    return "'while'";
  case Tok::KwBreak:
    return "'break'";
  case Tok::KwFn:
    return "'fn'";
  case Tok::KwReturn:
    return "'return'";
  case Tok::KwInf:
    return "'inf'";
  case Tok::LParen:
    return "'('";
  case Tok::RParen:
    return "')'";
  case Tok::LBracket:
    return "'['";
  case Tok::RBracket:
    return "']'";
  case Tok::LBrace:
    return "'{'";
  case Tok::RBrace:
    return "'}'";
  case Tok::Comma:
    return "','";
  case Tok::Semi:
    return "';'";
  case Tok::Colon:
    return "':'";
  case Tok::Question:
    return "'?'";
  case Tok::Assign:
    return "'='";
  case Tok::PlusAssign:
    return "'+='";
  case Tok::MinusAssign:
    return "'-='";
  case Tok::StarAssign:
    return "'*='";
  case Tok::SlashAssign:
    return "'/='";
  case Tok::Plus:
    return "'+'";
  case Tok::Minus:
    return "'-'";
  case Tok::Star:
    return "'*'";
  case Tok::Slash:
    return "'/'";
  case Tok::Percent:
    return "'%'";
  case Tok::Bang:
    return "'!'";
  case Tok::AmpAmp:
    return "'&&'";
  case Tok::PipePipe:
    return "'||'";
  case Tok::EqEq:
    return "'=='";
  case Tok::NotEq:
    return "'!='";
  case Tok::Less:
    return "'<'";
  case Tok::LessEq:
    return "'<='";
  case Tok::Greater:
    return "'>'";
  case Tok::Amp:
    return "'&'";
  case Tok::Pipe:
    return "'|'";
  case Tok::Caret:
    return "'^'";
  case Tok::Tilde:
    return "'~'";
  case Tok::Shl:
    return "'<<'";
  case Tok::Shr:
    return "'>>'";
  case Tok::GreaterEq:
    return "'>='";
  }
  return "token";
}

static bool isIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static bool isDigit(char c) { return c >= '0' && c <= '9'; }
static bool isIdentChar(char c) { return isIdentStart(c) || isDigit(c); }

Token Lexer::make(Tok kind, const char *start) {
  Token t;
  t.kind = kind;
  t.text = StringRef(start, cur - start);
  t.loc = SMLoc::getFromPointer(start);
  return t;
}

void Lexer::skipSpaceAndComments() {
  while (cur != buf.end()) {
    char c = *cur;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
        c == '\v') {
      ++cur;
      continue;
    }
    if (c == '/' && cur + 1 != buf.end() && cur[1] == '/') {
      while (cur != buf.end() && *cur != '\n')
        ++cur;
      continue;
    }
    if (c == '/' && cur + 1 != buf.end() && cur[1] == '*') {
      const char *start = cur;
      cur += 2;
      bool closed = false;
      while (cur != buf.end()) {
        if (*cur == '*' && cur + 1 != buf.end() && cur[1] == '/') {
          cur += 2;
          closed = true;
          break;
        }
        ++cur;
      }
      if (!closed)
        error(SMLoc::getFromPointer(start), "unterminated '/*' comment");
      continue;
    }
    return;
  }
}

Token Lexer::lexNumber(const char *start) {
  bool isFloat = false;
  bool hex = false;
  if (*cur == '0' && cur + 1 != buf.end() && (cur[1] == 'x' || cur[1] == 'X')) {
    hex = true;
    cur += 2;
    while (cur != buf.end() && llvm::isHexDigit(*cur))
      ++cur;
  } else {
    while (cur != buf.end() && isDigit(*cur))
      ++cur;
    if (cur != buf.end() && *cur == '.' &&
        !(cur + 1 != buf.end() && isIdentStart(cur[1]))) {
      isFloat = true;
      ++cur;
      while (cur != buf.end() && isDigit(*cur))
        ++cur;
    }
    if (cur != buf.end() && (*cur == 'e' || *cur == 'E')) {
      const char *e = cur + 1;
      if (e != buf.end() && (*e == '+' || *e == '-'))
        ++e;
      if (e != buf.end() && isDigit(*e)) {
        isFloat = true;
        cur = e;
        while (cur != buf.end() && isDigit(*cur))
          ++cur;
      }
    }
  }
  // A literal directly followed by letters (`12ab`, `0x`, `1.5f`) is one bad
  // token, not a number and a name.
  if ((cur != buf.end() && isIdentChar(*cur)) || (hex && cur - start == 2)) {
    while (cur != buf.end() && isIdentChar(*cur))
      ++cur;
    Token t = make(Tok::IntLit, start);
    error(t.loc, "invalid numeric literal '" + t.text + "'");
    return t;
  }
  Token t = make(isFloat ? Tok::FloatLit : Tok::IntLit, start);
  if (isFloat) {
    std::string s = t.text.str();
    t.floatValue = std::strtod(s.c_str(), nullptr);
    // Too large for any float type (1e400): an error, not a silent inf.
    if (std::isinf(t.floatValue))
      error(t.loc, "float literal '" + t.text + "' is out of range");
    return t;
  }
  StringRef digits = hex ? t.text.drop_front(2) : t.text;
  unsigned radix = hex ? 16 : 10;
  uint64_t v = 0;
  for (char c : digits) {
    unsigned d = isDigit(c) ? c - '0' : (llvm::toLower(c) - 'a' + 10);
    if (v > (UINT64_MAX - d) / radix) {
      t.overflow = true;
      v = UINT64_MAX;
      break;
    }
    v = v * radix + d;
  }
  t.intValue = v;
  return t;
}

Token Lexer::lexIdent(const char *start) {
  while (cur != buf.end() && isIdentChar(*cur))
    ++cur;
  StringRef text(start, cur - start);
  Tok kind = llvm::StringSwitch<Tok>(text)
                 .Case("kernel", Tok::KwKernel)
                 .Case("let", Tok::KwLet)
                 .Case("var", Tok::KwVar)
                 .Case("for", Tok::KwFor)
                 .Case("in", Tok::KwIn)
                 .Case("if", Tok::KwIf)
                 .Case("else", Tok::KwElse)
                 .Case("grid", Tok::KwGrid)
                 .Case("global", Tok::KwGlobal)
                 .Case("true", Tok::KwTrue)
                 .Case("false", Tok::KwFalse)
                 .Case("None", Tok::KwNone)
                 .Case("inf", Tok::KwInf)
                 .Case("fn", Tok::KwFn)
                 .Case("while", Tok::KwWhile)
                 .Case("break", Tok::KwBreak)
                 .Case("return", Tok::KwReturn)
                 .Default(Tok::Ident);
  return make(kind, start);
}

Token Lexer::next() {
  for (;;) {
    skipSpaceAndComments();
    const char *start = cur;
    if (cur == buf.end())
      return make(Tok::Eof, start);
    char c = *cur;
    if (isIdentStart(c))
      return lexIdent(start);
    if (isDigit(c) || (c == '.' && cur + 1 != buf.end() && isDigit(cur[1])))
      return lexNumber(start);
    ++cur;
    auto two = [&](char second, Tok ifTwo, Tok ifOne) {
      if (cur != buf.end() && *cur == second) {
        ++cur;
        return make(ifTwo, start);
      }
      return make(ifOne, start);
    };
    switch (c) {
    case '(':
      return make(Tok::LParen, start);
    case ')':
      return make(Tok::RParen, start);
    case '[':
      return make(Tok::LBracket, start);
    case ']':
      return make(Tok::RBracket, start);
    case '{':
      return make(Tok::LBrace, start);
    case '}':
      return make(Tok::RBrace, start);
    case ',':
      return make(Tok::Comma, start);
    case ';':
      return make(Tok::Semi, start);
    case ':':
      return make(Tok::Colon, start);
    case '?':
      return make(Tok::Question, start);
    case '%':
      return make(Tok::Percent, start);
    case '=':
      return two('=', Tok::EqEq, Tok::Assign);
    case '+':
      return two('=', Tok::PlusAssign, Tok::Plus);
    case '-':
      return two('=', Tok::MinusAssign, Tok::Minus);
    case '*':
      return two('=', Tok::StarAssign, Tok::Star);
    case '/':
      return two('=', Tok::SlashAssign, Tok::Slash);
    case '!':
      return two('=', Tok::NotEq, Tok::Bang);
    case '<':
      if (cur != buf.end() && *cur == '<') {
        ++cur;
        return make(Tok::Shl, start);
      }
      return two('=', Tok::LessEq, Tok::Less);
    case '>':
      if (cur != buf.end() && *cur == '>') {
        ++cur;
        return make(Tok::Shr, start);
      }
      return two('=', Tok::GreaterEq, Tok::Greater);
    case '&':
      return two('&', Tok::AmpAmp, Tok::Amp);
    case '|':
      return two('|', Tok::PipePipe, Tok::Pipe);
    case '^':
      return make(Tok::Caret, start);
    case '~':
      return make(Tok::Tilde, start);
    default:
      break;
    }
    // Anything else is reported once per run of bad characters.
    while (cur != buf.end() && !isIdentChar(*cur) &&
           !llvm::StringRef("()[]{},;:?%=+-*/!<>&|^~. \t\r\n").contains(*cur))
      ++cur;
    std::string shown;
    unsigned char uc = static_cast<unsigned char>(c);
    if (uc >= 0x20 && uc < 0x7f)
      shown = std::string("'") + c + "'";
    else
      shown = llvm::formatv("byte 0x{0:X-2}", unsigned(uc)).str();
    error(SMLoc::getFromPointer(start),
          "unexpected " + (shown[0] == '\'' ? "character " + shown
                                            : shown + " (only ASCII is allowed "
                                                      "outside comments)"));
  }
}
