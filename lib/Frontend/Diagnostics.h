//===- Diagnostics.h - located errors for the `.tile` front end -*- C++ -*-===//
//
// Every front-end error goes through DiagEngine so that it is printed as
// `file:line:col: error: ...` with the source line and a caret, counted, and
// capped (a garbled file must not print megabytes of errors).
//
//===----------------------------------------------------------------------===//
#ifndef FA_LIB_FRONTEND_DIAGNOSTICS_H
#define FA_LIB_FRONTEND_DIAGNOSTICS_H

#include "llvm/ADT/Twine.h"
#include "llvm/Support/SMLoc.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

namespace fa::frontend {

class DiagEngine {
public:
  /// After this many errors the rest are dropped (with one final notice).
  static constexpr unsigned kMaxErrors = 50;

  DiagEngine(llvm::SourceMgr &srcMgr, llvm::raw_ostream &os)
      : srcMgr(srcMgr), os(os) {}

  void error(llvm::SMLoc loc, const llvm::Twine &msg) {
    ++numErrors;
    if (numErrors > kMaxErrors) {
      if (numErrors == kMaxErrors + 1)
        os << bufferName() << ": error: too many errors (more than "
           << kMaxErrors << "); stopping here\n";
      return;
    }
    lastErrorPrinted = true;
    srcMgr.PrintMessage(os, loc, llvm::SourceMgr::DK_Error, msg);
  }
  /// A note attached to the previous error (dropped with it past the cap).
  void note(llvm::SMLoc loc, const llvm::Twine &msg) {
    if (numErrors > kMaxErrors || !lastErrorPrinted)
      return;
    srcMgr.PrintMessage(os, loc, llvm::SourceMgr::DK_Note, msg);
  }
  /// An error without a source position (command-line problems).
  void errorNoLoc(const llvm::Twine &msg) {
    ++numErrors;
    lastErrorPrinted = true;
    os << bufferName() << ": error: " << msg << "\n";
  }

  unsigned getNumErrors() const { return numErrors; }
  bool tooManyErrors() const { return numErrors > kMaxErrors; }
  llvm::SourceMgr &getSourceMgr() { return srcMgr; }

private:
  llvm::StringRef bufferName() {
    return srcMgr.getMemoryBuffer(srcMgr.getMainFileID())
        ->getBufferIdentifier();
  }

  llvm::SourceMgr &srcMgr;
  llvm::raw_ostream &os;
  unsigned numErrors = 0;
  bool lastErrorPrinted = false;
};

} // namespace fa::frontend

#endif // FA_LIB_FRONTEND_DIAGNOSTICS_H
