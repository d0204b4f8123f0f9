// escape.cpp — the escape analysis described in escape.hpp.
#include "escape.hpp"

#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"

namespace weft_instrument {
namespace {

using namespace clang;

// The local variables whose storage the glvalue `e` designates (x, x.m, x[i], c ? x : y).
void roots(const Expr* e, llvm::SmallVectorImpl<const ValueDecl*>& out) {
  e = e->IgnoreParens();
  if (const auto* ref = dyn_cast<DeclRefExpr>(e)) {
    if (const auto* v = dyn_cast<VarDecl>(ref->getDecl())) {
      if (v->hasLocalStorage()) out.push_back(v);
    } else if (const auto* b = dyn_cast<BindingDecl>(ref->getDecl())) {
      if (const auto* d = dyn_cast_or_null<VarDecl>(b->getDecomposedDecl()))
        if (d->hasLocalStorage()) out.push_back(d);
    }
  } else if (const auto* m = dyn_cast<MemberExpr>(e)) {
    if (!m->isArrow()) roots(m->getBase(), out);
  } else if (const auto* a = dyn_cast<ArraySubscriptExpr>(e)) {
    if (const auto* c = dyn_cast<ImplicitCastExpr>(a->getBase()->IgnoreParens()))
      if (c->getCastKind() == CK_ArrayToPointerDecay) roots(c->getSubExpr(), out);
  } else if (const auto* c = dyn_cast<CastExpr>(e)) {
    if (c->getSubExpr()->isGLValue()) roots(c->getSubExpr(), out);
  } else if (const auto* c = dyn_cast<ConditionalOperator>(e)) {
    roots(c->getTrueExpr(), out);
    roots(c->getFalseExpr(), out);
  } else if (const auto* b = dyn_cast<BinaryOperator>(e)) {
    if (b->getOpcode() == BO_Comma) roots(b->getRHS(), out);
    if (b->isAssignmentOp()) roots(b->getLHS(), out);
  } else if (const auto* u = dyn_cast<UnaryOperator>(e)) {
    if (u->isPrefix()) roots(u->getSubExpr(), out);
  }
}

bool is_cast_function(const FunctionDecl* f) {
  if (!f || !f->isInStdNamespace() || !f->getIdentifier()) return false;
  llvm::StringRef n = f->getName();
  return n == "move" || n == "forward" || n == "as_const";
}

// Standard functions that use what their reference parameters bind to during the call and
// keep no reference to it afterwards.
bool keeps_no_reference(const FunctionDecl* f) {
  if (!f || !in_std(*f)) return false;
  const OverloadedOperatorKind op = f->getOverloadedOperator();
  if (op == OO_LessLess || op == OO_GreaterGreater) return true;  // stream insertion, extraction
  if (!f->getIdentifier()) return false;
  const llvm::StringRef n = f->getName();
  return n == "swap" || n == "exchange" || n == "getline" || n == "advance";
}

bool is_hook(const FunctionDecl* f) {
  if (!f) return false;
  const std::string n = f->getQualifiedNameAsString();
  return llvm::StringRef(n).startswith("weft::instr::") ||
         llvm::StringRef(n).startswith("weft_instrument_::");
}

class EscapeFinder : public RecursiveASTVisitor<EscapeFinder> {
 public:
  explicit EscapeFinder(EscapeSet& out) : out_(out) {}

  bool VisitUnaryOperator(UnaryOperator* u) {
    if (u->getOpcode() == UO_AddrOf) mark(u->getSubExpr());
    return true;
  }
  bool VisitVarDecl(VarDecl* v) {
    // The implicit range variable of a range-for only feeds begin()/end().
    if (v->getType()->isReferenceType() && v->getInit() && !v->isImplicit()) mark(v->getInit());
    return true;
  }
  bool VisitCallExpr(CallExpr* c) {
    const FunctionDecl* f = c->getDirectCallee();
    if (is_hook(f) || is_cast_function(f) || keeps_no_reference(f)) return true;
    unsigned first = 0;
    if (isa<CXXOperatorCallExpr>(c) && isa_and_nonnull<CXXMethodDecl>(f)) first = 1;
    for (unsigned i = first; i < c->getNumArgs(); ++i) argument(c->getArg(i));
    return true;
  }
  bool VisitCXXConstructExpr(CXXConstructExpr* c) {
    for (Expr* a : c->arguments()) argument(a);
    return true;
  }
  bool VisitLambdaExpr(LambdaExpr* l) {
    for (const LambdaCapture& c : l->captures())
      if (c.capturesVariable() && c.getCaptureKind() == LCK_ByRef) out_.add(c.getCapturedVar());
    return true;
  }
  bool VisitImplicitCastExpr(ImplicitCastExpr* c) {
    if (c->getCastKind() == CK_ArrayToPointerDecay) decays_.insert(c);
    return true;
  }
  bool VisitArraySubscriptExpr(ArraySubscriptExpr* a) {
    if (auto* c = dyn_cast<ImplicitCastExpr>(a->getBase()->IgnoreParens())) subscripted_.insert(c);
    return true;
  }

  void finish() {
    for (const ImplicitCastExpr* c : decays_)
      if (!subscripted_.count(c)) mark(c->getSubExpr());
  }

 private:
  // An argument that is still a glvalue binds to a reference parameter; binding to a
  // reference-to-const shows as a NoOp cast that adds const.
  void argument(const Expr* a) {
    if (!a->isGLValue()) return;
    if (const auto* c = dyn_cast<ImplicitCastExpr>(a))
      if (c->getCastKind() == CK_NoOp && c->getType().isConstQualified()) return;
    mark(a);
  }
  void mark(const Expr* e) {
    llvm::SmallVector<const ValueDecl*, 2> vars;
    roots(e, vars);
    for (const ValueDecl* v : vars) out_.add(v);
  }

  EscapeSet& out_;
  llvm::DenseSet<const ImplicitCastExpr*> decays_;
  llvm::DenseSet<const ImplicitCastExpr*> subscripted_;
};

}  // namespace

bool in_std(const clang::Decl& d) {
  for (const clang::DeclContext* dc = d.getDeclContext(); dc; dc = dc->getParent())
    if (dc->isStdNamespace()) return true;
  return false;
}

void find_escapes(clang::Stmt* root, EscapeSet& out) {
  if (!root) return;
  EscapeFinder finder(out);
  finder.TraverseStmt(root);
  finder.finish();
}

}  // namespace weft_instrument
