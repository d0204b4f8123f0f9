// escape.hpp — which local variables may be reached from another goroutine.
//
// A local is private to its function unless its address leaves the expression that names
// it: `&x`, binding x to a reference (a reference variable, a non-const reference parameter,
// std::ref), an array decaying to a pointer other than for subscripting, or a by-reference
// lambda capture (the usual way a local reaches weft::go). Passing a local to a const
// reference parameter, calling a member function on it, copying it and passing it to a
// standard function that keeps no reference (swap, exchange, getline, advance, << and >>)
// are not escapes.
// The analysis is conservative in one direction only: it may call a private local escaped,
// never the reverse within the constructs listed.
#pragma once

#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"
#include "clang/AST/Stmt.h"
#include "llvm/ADT/DenseSet.h"

namespace weft_instrument {

class EscapeSet {
 public:
  void add(const clang::ValueDecl* v) { vars_.insert(v->getCanonicalDecl()); }
  bool contains(const clang::ValueDecl* v) const { return vars_.count(v->getCanonicalDecl()); }

 private:
  llvm::DenseSet<const clang::Decl*> vars_;
};

// Whether `d` is declared inside namespace std (directly, in an inline namespace such as
// std::__cxx11, in a nested one such as std::ranges, or as a member of a class there).
bool in_std(const clang::Decl& d);

// Adds to `out` the locals that escape within `root` (a function body or constructor
// initialiser, lambdas nested in it included).
void find_escapes(clang::Stmt* root, EscapeSet& out);

}  // namespace weft_instrument
