// access.hpp — finding the memory accesses in one function body that weft must observe.
//
// An access is observed when its lvalue may designate shared memory (see Classifier) and
// its text lies in the file being instrumented, outside any macro body (macro arguments are
// fine, unless the macro comes from a system header). The walker proposes one Edit per
// access; it never descends into unevaluated operands, constant expressions, nested lambda
// bodies (those are bodies of their own) or code that weft-instrument already wrote.
#pragma once

#include <functional>
#include <string>

#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"

#include "edits.hpp"
#include "escape.hpp"

namespace weft_instrument {

// Where one body's edits go: `accept(file, edit)` is called for each access whose text lies
// in an instrumentable file, with the edit's offsets relative to that file.
struct BodySink {
  std::function<bool(clang::FileID)> instrumentable;
  // Whether functions declared in the file get frames (from this unit or another one).
  std::function<bool(clang::FileID)> in_scope;
  std::function<void(clang::FileID, const Edit&)> accept;
  // For instantiations of templates only: an lvalue that needs no hook here but may be
  // wrapped (EditCollector::allow). Empty elsewhere.
  std::function<void(clang::FileID, const Edit&)> allow;
  // Called with the start of every statement and expression the walk visits, so code that
  // only some instantiations contain is reconciled among those (EditCollector::saw).
  std::function<void(clang::FileID, unsigned)> saw;
};

// Proposes the edits for the body of `fn` (and, for constructors, its written member
// initialisers). `function_name` labels the Site records.
void walk_body(clang::ASTContext& ctx, const clang::FunctionDecl& fn, clang::Stmt* body,
               const EscapeSet& escapes, const std::string& function_name, BodySink& sink,
               Stats& stats);

// Proposes the edits for a default member initialiser (`int v = g;` in a class), which runs
// inside every constructor that does not initialise the member itself. No frame: the
// initialiser is not a function of its own.
void walk_initializer(clang::ASTContext& ctx, clang::Expr* init, const EscapeSet& escapes,
                      const std::string& function_name, BodySink& sink, Stats& stats);

// How Site records name a function: qualified, from the written template for instantiations,
// `outer::<lambda>` for a lambda's body.
std::string function_name(const clang::FunctionDecl* fd);

// True for calls of the hooks and helpers weft-instrument emits.
bool is_hook_call(const clang::CallExpr& call);

}  // namespace weft_instrument
