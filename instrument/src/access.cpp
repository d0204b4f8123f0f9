// access.cpp — classifying lvalues and proposing edits for one function body (see access.hpp).
#include "access.hpp"

#include <cstdlib>
#include <optional>

#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/ExprConcepts.h"
#include "clang/AST/RecordLayout.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Lex/Lexer.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/raw_ostream.h"

namespace weft_instrument {

using namespace clang;

std::string function_name(const FunctionDecl* fd) {
  if (const auto* m = dyn_cast<CXXMethodDecl>(fd); m && m->getParent()->isLambda()) {
    const DeclContext* dc = m->getParent()->getDeclContext();
    while (dc && !isa<FunctionDecl>(dc)) dc = dc->getParent();
    if (const auto* outer = dyn_cast_or_null<FunctionDecl>(dc))
      return function_name(outer) + "::<lambda>";
    return "<lambda>";
  }
  const FunctionDecl* pattern = fd->getTemplateInstantiationPattern();
  return (pattern ? pattern : fd)->getQualifiedNameAsString();
}

bool is_hook_call(const CallExpr& call) {
  const FunctionDecl* f = call.getDirectCallee();
  if (!f) return false;
  const std::string n = f->getQualifiedNameAsString();
  return llvm::StringRef(n).startswith("weft::instr::") ||
         llvm::StringRef(n).startswith("weft_instrument_::");
}

namespace {

// Standard containers (and the like) whose member functions run in system headers, so the
// call site records the access to the object: a read, or a write for the modifiers.
bool is_std_container(QualType t) {
  const CXXRecordDecl* rd = t.getNonReferenceType()->getAsCXXRecordDecl();
  if (!rd || !rd->isInStdNamespace() || !rd->getIdentifier()) return false;
  static const llvm::StringSet<> names = {
      "vector", "deque", "list", "forward_list", "array", "basic_string", "map", "multimap",
      "set", "multiset", "unordered_map", "unordered_multimap", "unordered_set",
      "unordered_multiset", "queue", "stack", "priority_queue", "optional", "span",
      "basic_string_view", "bitset", "valarray"};
  return names.contains(rd->getName());
}

// weft's channel and context handles: a handle is data (a pointer to the channel), so a
// member call on one (send, recv, close, len, done ...) reads the handle variable, and an
// assignment writes it. Overwriting a handle while another goroutine uses it is a race.
bool is_weft_handle(QualType t) {
  const CXXRecordDecl* rd = t.getNonReferenceType()->getAsCXXRecordDecl();
  if (!rd || !rd->getIdentifier()) return false;
  const auto* ns = dyn_cast<NamespaceDecl>(rd->getDeclContext());
  if (!ns || !ns->getIdentifier() || ns->getName() != "weft" ||
      !isa<TranslationUnitDecl>(ns->getDeclContext()))
    return false;
  static const llvm::StringSet<> names = {"Chan", "SendChan", "RecvChan", "Context"};
  return names.contains(rd->getName());
}

// std::atomic<T> and std::atomic_flag, whose operations are inline builtins that no
// interposed function sees: each operation gets the proxy of weft/instr_atomic.hpp.
bool is_std_atomic(QualType t) {
  const CXXRecordDecl* rd = t.getNonReferenceType()->getAsCXXRecordDecl();
  if (!rd || !rd->isInStdNamespace() || !rd->getIdentifier()) return false;
  return rd->getName() == "atomic" || rd->getName() == "atomic_flag";
}
bool is_std_atomic_ref(QualType t) {
  const CXXRecordDecl* rd = t.getNonReferenceType()->getAsCXXRecordDecl();
  return rd && rd->isInStdNamespace() && rd->getIdentifier() && rd->getName() == "atomic_ref";
}

// The free functions of <atomic> that weft/instr_atomic.hpp's weft::instr::hooked::std
// defines.
bool is_atomic_free_function(const FunctionDecl& f) {
  if (!f.getIdentifier() || !f.isInStdNamespace()) return false;
  static const llvm::StringSet<> names = {
      "atomic_load", "atomic_load_explicit", "atomic_store", "atomic_store_explicit",
      "atomic_exchange", "atomic_exchange_explicit", "atomic_compare_exchange_weak",
      "atomic_compare_exchange_weak_explicit", "atomic_compare_exchange_strong",
      "atomic_compare_exchange_strong_explicit", "atomic_fetch_add", "atomic_fetch_add_explicit",
      "atomic_fetch_sub", "atomic_fetch_sub_explicit", "atomic_fetch_and",
      "atomic_fetch_and_explicit", "atomic_fetch_or", "atomic_fetch_or_explicit",
      "atomic_fetch_xor", "atomic_fetch_xor_explicit", "atomic_wait", "atomic_wait_explicit",
      "atomic_notify_one", "atomic_notify_all", "atomic_flag_test_and_set",
      "atomic_flag_test_and_set_explicit", "atomic_flag_clear", "atomic_flag_clear_explicit",
      "atomic_flag_test", "atomic_flag_test_explicit", "atomic_flag_wait",
      "atomic_flag_wait_explicit", "atomic_flag_notify_one", "atomic_flag_notify_all",
      "atomic_thread_fence"};
  return names.contains(f.getName());
}

bool inserts_on_subscript(QualType t) {
  const CXXRecordDecl* rd = t.getNonReferenceType()->getAsCXXRecordDecl();
  return rd && (rd->getName() == "map" || rd->getName() == "unordered_map");
}

// What a call of `m` on a standard container does to the container object itself, if
// anything. std::array holds its elements inline: its object is its elements, so reading
// "the object" for a[i], begin() or data() would conflict with a write of any other element
// (goroutines filling distinct slots). Only the whole-array modifiers count there; the
// element access through the returned reference is recorded where it happens.
std::optional<Hook> container_hook(const CXXMethodDecl& m, QualType object) {
  const CXXRecordDecl* rd = object.getNonReferenceType()->getAsCXXRecordDecl();
  if (rd && rd->getName() == "array") {
    const bool whole = m.isCopyAssignmentOperator() || m.isMoveAssignmentOperator() ||
                       (m.getIdentifier() && (m.getName() == "fill" || m.getName() == "swap"));
    return whole ? std::optional<Hook>(Hook::write) : std::nullopt;
  }
  if (m.isConst()) return Hook::read;
  static const llvm::StringSet<> modifiers = {
      "push_back", "push_front", "pop_back", "pop_front", "push", "pop", "emplace",
      "emplace_back", "emplace_front", "emplace_hint", "insert", "insert_or_assign",
      "try_emplace", "erase", "clear", "resize", "reserve", "shrink_to_fit", "assign", "swap",
      "append", "replace", "merge", "splice", "remove", "remove_if", "unique", "sort",
      "reverse", "extract", "reset", "rehash", "fill", "set", "flip", "remove_prefix",
      "remove_suffix"};
  if (m.isOverloadedOperator()) {
    const OverloadedOperatorKind op = m.getOverloadedOperator();
    if (op == OO_Subscript) return inserts_on_subscript(object) ? Hook::write : Hook::read;
    if (op == OO_Call || op == OO_Arrow || op == OO_Star) return Hook::read;
    return Hook::write;  // =, +=, <<= ...
  }
  if (!m.getIdentifier()) return Hook::read;
  return modifiers.contains(m.getName()) ? Hook::write : Hook::read;
}

// Standard functions that only pass a reference on, or hand it to code that is instrumented
// where it is written: what they bind is not an access of theirs.
bool passes_references_on(const FunctionDecl& f) {
  // A type-erased call (std::function, packaged_task) hands its arguments to user code,
  // which records its own accesses. A templated call operator (ranges algorithms, bind,
  // reference_wrapper) takes forwarding references: reads only, see VisitCallExpr.
  if (const auto* m = dyn_cast<CXXMethodDecl>(&f);
      m && m->getOverloadedOperator() == OO_Call && !m->getPrimaryTemplate())
    return true;
  if (!f.getIdentifier()) return false;
  static const llvm::StringSet<> names = {
      "move", "move_if_noexcept", "forward", "as_const", "addressof", "__addressof", "ref",
      "cref", "launder", "get", "get_if", "tie", "forward_as_tuple", "declval", "to_address",
      "invoke", "invoke_r", "apply", "visit", "bind", "bind_front", "bind_back", "call_once",
      "lock", "try_lock", "begin", "end", "cbegin", "cend", "rbegin", "rend", "crbegin",
      "crend", "data"};
  return names.contains(f.getName());
}

// Standard algorithms that touch every element of the range they are given, by how: the
// elements of `std::sort(v.begin(), v.end())` are read and written inside the library, so
// the call records them. Algorithms that may stop early (find, any_of, binary_search ...)
// are not listed: recording the whole range would report elements they never touch.
std::optional<Hook> whole_range_algorithm(const FunctionDecl& f) {
  if (!f.getIdentifier() || !f.isInStdNamespace()) return std::nullopt;
  static const llvm::StringSet<> reads = {
      "accumulate", "reduce", "count", "count_if", "for_each", "copy", "copy_if", "transform",
      "min_element", "max_element", "minmax_element", "inner_product", "transform_reduce",
      "partial_sum", "adjacent_difference", "is_sorted", "equal"};
  static const llvm::StringSet<> updates = {
      "sort", "stable_sort", "partial_sort", "nth_element", "reverse", "rotate", "shuffle",
      "fill", "generate", "iota", "replace", "replace_if", "remove", "remove_if", "unique",
      "partition", "stable_partition", "make_heap", "sort_heap", "inplace_merge"};
  if (updates.contains(f.getName())) return Hook::update_elements;
  if (reads.contains(f.getName())) return Hook::read_elements;
  return std::nullopt;
}

// If `e` is `X.begin()`-like (begin, cbegin, rbegin, crbegin; end likewise when `end`) on a
// standard container, or `std::begin(X)`, the container expression X.
const Expr* range_end_of(const Expr* e, bool end) {
  e = e->IgnoreImplicit();
  if (const auto* c = dyn_cast<CXXConstructExpr>(e); c && c->getNumArgs() == 1)
    e = c->getArg(0)->IgnoreImplicit();  // an iterator copied or converted
  const auto* call = dyn_cast<CallExpr>(e);
  const FunctionDecl* f = call ? call->getDirectCallee() : nullptr;
  if (!f || !f->getIdentifier()) return nullptr;
  const llvm::StringRef n = f->getName();
  const bool named = end ? (n == "end" || n == "cend" || n == "rend" || n == "crend")
                         : (n == "begin" || n == "cbegin" || n == "rbegin" || n == "crbegin");
  if (!named) return nullptr;
  const Expr* object = nullptr;
  if (const auto* m = dyn_cast<CXXMemberCallExpr>(call)) object = m->getImplicitObjectArgument();
  else if (f->isInStdNamespace() && call->getNumArgs() == 1) object = call->getArg(0);
  if (!object || !is_std_container(object->getType())) return nullptr;
  return object;
}

// Whether two expressions name the same object: the same variable, or the same member of
// the same object (`v`, `this->v`, `s.items`, `p->items`).
bool same_object(const Expr* a, const Expr* b) {
  a = a->IgnoreParenImpCasts();
  b = b->IgnoreParenImpCasts();
  if (const auto* x = dyn_cast<DeclRefExpr>(a))
    if (const auto* y = dyn_cast<DeclRefExpr>(b)) return x->getDecl() == y->getDecl();
  if (isa<CXXThisExpr>(a) && isa<CXXThisExpr>(b)) return true;
  if (const auto* x = dyn_cast<MemberExpr>(a))
    if (const auto* y = dyn_cast<MemberExpr>(b))
      return x->getMemberDecl() == y->getMemberDecl() && x->isArrow() == y->isArrow() &&
             same_object(x->getBase(), y->getBase());
  return false;
}

// Which parameters of `f` are forwarding references (`T&&`, T deduced) in the template it
// was instantiated from: they bind a non-const lvalue as `T&` without meaning a write.
llvm::SmallVector<bool, 8> forwarding_params(const FunctionDecl& f) {
  llvm::SmallVector<bool, 8> out(f.getNumParams(), false);
  const FunctionTemplateDecl* tmpl = f.getPrimaryTemplate();
  if (!tmpl) return out;
  const FunctionDecl* pattern = tmpl->getTemplatedDecl();
  const unsigned depth = tmpl->getTemplateParameters()->getDepth();
  unsigned packs = 0;
  for (const ParmVarDecl* p : pattern->parameters()) packs += p->isParameterPack();
  if (packs > 1 || f.getNumParams() + packs < pattern->getNumParams()) {
    out.assign(f.getNumParams(), true);  // cannot map the packs: assume reads only
    return out;
  }
  const unsigned pack_size = f.getNumParams() + packs - pattern->getNumParams();
  unsigned i = 0;
  for (const ParmVarDecl* p : pattern->parameters()) {
    QualType t = p->getType();
    if (const auto* pe = t->getAs<PackExpansionType>()) t = pe->getPattern();
    bool fwd = false;
    if (const auto* r = t->getAs<RValueReferenceType>()) {
      const QualType pointee = r->getPointeeTypeAsWritten();
      const auto* parm = pointee->getAs<TemplateTypeParmType>();
      fwd = parm && !pointee.hasQualifiers() && parm->getDepth() == depth;
    }
    for (unsigned k = 0, n = p->isParameterPack() ? pack_size : 1; k < n && i < out.size(); ++k)
      out[i++] = fwd;
  }
  return out;
}

// Whether the lvalue `e` may designate memory another goroutine can reach.
class Classifier {
 public:
  explicit Classifier(const EscapeSet& escapes) : escapes_(escapes) {}

  bool shared(const Expr* e) const {
    e = e->IgnoreParens();
    if (const auto* ref = dyn_cast<DeclRefExpr>(e)) return shared_decl(*ref);
    if (const auto* m = dyn_cast<MemberExpr>(e)) {
      const ValueDecl* d = m->getMemberDecl();
      if (const auto* v = dyn_cast<VarDecl>(d)) return !v->getType().isConstQualified();
      if (!isa<FieldDecl, IndirectFieldDecl>(d)) return false;
      if (d->getType()->isReferenceType() || m->isArrow()) return true;
      return shared(m->getBase());
    }
    if (const auto* a = dyn_cast<ArraySubscriptExpr>(e)) {
      if (const auto* c = dyn_cast<ImplicitCastExpr>(a->getBase()->IgnoreParens()))
        if (c->getCastKind() == CK_ArrayToPointerDecay) return shared(c->getSubExpr());
      return true;
    }
    if (const auto* c = dyn_cast<CastExpr>(e)) return shared(c->getSubExpr());
    if (const auto* u = dyn_cast<UnaryOperator>(e))
      return u->getOpcode() == UO_Deref || shared(u->getSubExpr());
    if (const auto* call = dyn_cast<CallExpr>(e)) {
      if (is_hook_call(*call)) return false;
      // An element of a container that lives in a private local is private too.
      const Expr* obj = nullptr;
      if (const auto* m = dyn_cast<CXXMemberCallExpr>(call))
        obj = m->getImplicitObjectArgument();
      else if (isa<CXXOperatorCallExpr>(call) &&
               isa_and_nonnull<CXXMethodDecl>(call->getDirectCallee()) && call->getNumArgs() > 0)
        obj = call->getArg(0);
      if (obj && obj->isLValue() && is_std_container(obj->getType())) return shared(obj);
      return true;
    }
    if (const auto* c = dyn_cast<ConditionalOperator>(e))
      return shared(c->getTrueExpr()) || shared(c->getFalseExpr());
    if (const auto* b = dyn_cast<BinaryOperator>(e)) {
      if (b->isAssignmentOp()) return shared(b->getLHS());
      if (b->getOpcode() == BO_Comma) return shared(b->getRHS());
      return b->isPtrMemOp();
    }
    return false;  // literals, temporaries, __func__ ...
  }

 private:
  bool shared_decl(const DeclRefExpr& ref) const {
    if (ref.isNonOdrUse() != NOUR_None) return false;  // a constant folded in place
    if (const auto* v = dyn_cast<VarDecl>(ref.getDecl())) {
      if (v->getType()->isReferenceType()) return true;
      if (v->getType().isConstQualified()) return false;  // constants never race
      if (v->hasLocalStorage()) return escapes_.contains(v);
      return true;  // globals, statics, thread_locals
    }
    if (const auto* b = dyn_cast<BindingDecl>(ref.getDecl())) {
      if (b->getHoldingVar()) return true;  // tuple-like: may be a reference to anything
      const auto* d = dyn_cast_or_null<VarDecl>(b->getDecomposedDecl());
      if (!d || d->getType()->isReferenceType() || !d->hasLocalStorage()) return true;
      return escapes_.contains(d);
    }
    return false;  // functions, enumerators, template parameters
  }

  const EscapeSet& escapes_;
};

class Walker : public RecursiveASTVisitor<Walker> {
  using Base = RecursiveASTVisitor<Walker>;

 public:
  Walker(ASTContext& ctx, const EscapeSet& escapes, const std::string& fn, BodySink& sink,
         Stats& stats)
      : ctx_(ctx), sm_(ctx.getSourceManager()), classify_(escapes), function_(fn),
        sink_(sink), stats_(stats) {}

  // --- what is not walked -----------------------------------------------------------------
  bool TraverseUnaryExprOrTypeTraitExpr(UnaryExprOrTypeTraitExpr*) { return true; }
  bool TraverseCXXNoexceptExpr(CXXNoexceptExpr*) { return true; }
  bool TraverseCXXTypeidExpr(CXXTypeidExpr* e) {
    return e->isPotentiallyEvaluated() ? Base::TraverseCXXTypeidExpr(e) : true;
  }
  bool TraverseRequiresExpr(RequiresExpr*) { return true; }
  bool TraverseConceptSpecializationExpr(ConceptSpecializationExpr*) { return true; }
  bool TraverseConstantExpr(ConstantExpr*) { return true; }
  bool TraverseStaticAssertDecl(StaticAssertDecl*) { return true; }
  bool TraverseTypeLoc(TypeLoc) { return true; }  // decltype, array bounds, template args
  bool TraverseTemplateArgumentLoc(const TemplateArgumentLoc&) { return true; }
  bool TraverseCXXRecordDecl(CXXRecordDecl*) { return true; }  // local classes: own bodies
  // `co_yield x` is `co_await promise.yield_value(x)`, a call the compiler wrote at the
  // keyword: only x is the user's code (marking the call would wrap the keyword alone).
  bool TraverseCoyieldExpr(CoyieldExpr* e) {
    Expr* op = e->getOperand();
    if (const auto* call = dyn_cast_or_null<CallExpr>(op ? op->IgnoreImplicit() : nullptr)) {
      for (const Expr* a : call->arguments())
        if (!TraverseStmt(const_cast<Expr*>(a))) return false;
      return true;
    }
    return op ? TraverseStmt(op) : true;
  }
  bool TraverseVarDecl(VarDecl* v) { return v->isConstexpr() ? true : Base::TraverseVarDecl(v); }
  bool TraverseCallExpr(CallExpr* c) { return is_hook_call(*c) ? true : Base::TraverseCallExpr(c); }
  bool TraverseLambdaExpr(LambdaExpr* l) {  // the body is instrumented as a function of its own
    for (unsigned i = 0; i < l->capture_size(); ++i)
      if (l->isInitCapture(l->capture_begin() + i)) TraverseStmt(l->capture_init_begin()[i]);
    return true;
  }
  // Only the semantic form of a braced list carries the implicit lvalue-to-rvalue casts.
  bool TraverseInitListExpr(InitListExpr* e) {
    InitListExpr* sem = e->isSemanticForm() ? e : e->getSemanticForm();
    for (Stmt* child : (sem ? sem : e)->children()) TraverseStmt(child);
    return true;
  }
  bool TraverseCXXForRangeStmt(CXXForRangeStmt* s) {
    if (s->getInit()) TraverseStmt(s->getInit());
    // The loop variable's initialiser is the implicit *__begin; the range is read.
    if (Expr* range = s->getRangeInit()) {
      access(range, Hook::read);
      TraverseStmt(range);
    }
    return TraverseStmt(s->getBody());
  }

  // --- the accesses -----------------------------------------------------------------------
  bool VisitStmt(Stmt* st) {
    // A discarded `if constexpr` branch is instantiated as a NullStmt where it was written:
    // no code, so no say.
    if (!sink_.saw || isa<NullStmt>(st)) return true;
    const SourceLocation b = st->getBeginLoc();
    if (b.isInvalid()) return true;
    // Both where the text is (a macro argument's spelling) and where it is expanded.
    for (const SourceLocation at : {sm_.getFileLoc(b), sm_.getExpansionLoc(b)}) {
      const auto [file, offset] = sm_.getDecomposedLoc(at);
      sink_.saw(file, offset);
    }
    return true;
  }

  // A use of a thread_local: under a controlled run every std::thread is a goroutine on one
  // OS thread, so it becomes the running goroutine's own copy, goroutine_local(x)
  // (weft/instr_local.hpp). Unevaluated uses (sizeof, decltype) are left as they are.
  bool VisitDeclRefExpr(DeclRefExpr* r) {
    const auto* v = dyn_cast<VarDecl>(r->getDecl());
    if (!v || v->getTLSKind() == VarDecl::TLS_None || r->isNonOdrUse() != NOUR_None) return true;
    if (sm_.isInSystemHeader(sm_.getSpellingLoc(v->getLocation()))) return true;
    if (std::optional<Span> s = span(r->getSourceRange())) {
      Edit e = make_edit(s->loc, Hook::local);
      e.begin = s->begin;
      e.end = s->end;
      sink_.accept(s->file, e);
    }
    return true;
  }

  bool VisitImplicitCastExpr(ImplicitCastExpr* c) {
    if (c->getCastKind() == CK_LValueToRValue) access(c->getSubExpr(), Hook::read);
    return true;
  }
  bool VisitBinaryOperator(BinaryOperator* b) {
    if (b->isAssignmentOp())
      access(b->getLHS(), b->getOpcode() == BO_Assign ? Hook::write : Hook::update);
    return true;
  }
  bool VisitUnaryOperator(UnaryOperator* u) {
    if (u->isIncrementDecrementOp()) access(u->getSubExpr(), Hook::update);
    return true;
  }
  // Standard-library code is not instrumented, so what a std function does through a
  // reference parameter is recorded at the call: a read through a reference to const or a
  // forwarding reference (max, make_pair, push_back, ==), a read-modify-write through any
  // other (swap, exchange, getline, >>). Only data is recorded, scalars and standard
  // containers: streams, mutexes and callables passed by reference are not.
  bool VisitCallExpr(CallExpr* c) {
    mark_call(*c);
    const FunctionDecl* f = c->getDirectCallee();
    if (f && is_atomic_free_function(*f)) return atomic_free(*c);
    if (f) whole_range(*c, *f);
    if (!f || !in_std(*f) || passes_references_on(*f)) return true;
    const unsigned first = isa<CXXOperatorCallExpr>(c) && isa<CXXMethodDecl>(f) ? 1 : 0;
    const llvm::SmallVector<bool, 8> forwarding = forwarding_params(*f);
    for (unsigned i = first; i < c->getNumArgs() && i - first < f->getNumParams(); ++i) {
      const QualType param = f->getParamDecl(i - first)->getType();
      const Expr* arg = c->getArg(i);
      if (!param->isReferenceType() || isa<CXXDefaultArgExpr>(arg)) continue;
      if (!arg->getType()->isScalarType() && !is_std_container(arg->getType())) continue;
      const bool reads = param->getPointeeType().isConstQualified() || forwarding[i - first] ||
                         f->getOverloadedOperator() == OO_Call;
      access(arg, reads ? Hook::read : Hook::update);
    }
    return true;
  }
  bool VisitCXXMemberCallExpr(CXXMemberCallExpr* c) {
    if (ranged_.count(c)) return true;  // the container is recorded by whole_range()
    const CXXMethodDecl* m = c->getMethodDecl();
    const Expr* obj = c->getImplicitObjectArgument();
    const auto* callee = dyn_cast<MemberExpr>(c->getCallee()->IgnoreParens());
    if (m && obj && callee && atomic_operation(*m, *obj, callee->isArrow())) return true;
    if (!m || !obj || !callee || callee->isArrow()) return true;
    // send() and len() are members of the handle's bases: look through the base conversion.
    if (is_weft_handle(obj->IgnoreImpCasts()->getType())) {
      access(obj, Hook::read);  // the handle is read to reach its channel or context
      return true;
    }
    if (!is_std_container(obj->getType())) return true;
    if (std::optional<Hook> hook = container_hook(*m, obj->getType())) access(obj, *hook);
    return true;
  }
  bool VisitCXXOperatorCallExpr(CXXOperatorCallExpr* c) {
    const auto* m = dyn_cast_or_null<CXXMethodDecl>(c->getDirectCallee());
    if (!m || c->getNumArgs() == 0) return true;
    const Expr* obj = c->getArg(0);
    if (atomic_operation(*m, *obj, false)) return true;
    // `std::tie(a, b) = t;` assigns a and b inside the tuple's operator=.
    if (const auto* tie = dyn_cast<CallExpr>(obj->IgnoreImplicit());
        tie && m->getOverloadedOperator() == OO_Equal) {
      const FunctionDecl* f = tie->getDirectCallee();
      if (f && in_std(*f) && f->getIdentifier() && f->getName() == "tie")
        for (const Expr* a : tie->arguments()) access(a, Hook::write);
    }
    if (is_std_container(obj->getType())) {
      if (std::optional<Hook> hook = container_hook(*m, obj->getType())) access(obj, *hook);
    } else if ((m->isCopyAssignmentOperator() || m->isMoveAssignmentOperator()) &&
               !m->isUserProvided()) {
      // A defaulted assignment copies member by member outside any instrumented body.
      access(obj, Hook::write);
      if (c->getNumArgs() > 1) access(c->getArg(1), Hook::read);
    }
    return true;
  }
  bool VisitCXXConstructExpr(CXXConstructExpr* c) {
    const CXXConstructorDecl* ctor = c->getConstructor();
    if (!ctor || !ctor->isCopyOrMoveConstructor() || c->getNumArgs() == 0) return true;
    const Expr* from = c->getArg(0);
    if (!ctor->isUserProvided() || is_std_container(from->getType())) access(from, Hook::read);
    return true;
  }

  // An operation on a std::atomic, std::atomic_flag or std::atomic_ref (a member call, an
  // operator, the conversion to T): the object expression gets the proxy,
  // `atomic(a, site).op(...)`, or for `p->op(...)` the pointer, `atomic_via(p, site)->op(...)`.
  // True if `obj` is one.
  bool atomic_operation(const CXXMethodDecl& m, const Expr& obj, bool arrow) {
    const Expr* core = obj.IgnoreImpCasts();  // through the conversion to __atomic_base
    QualType t = core->getType();
    if (arrow) t = t->isPointerType() ? t->getPointeeType() : QualType();
    if (t.isNull()) return false;
    const bool ref = is_std_atomic_ref(t);
    if (!ref && !is_std_atomic(t)) return false;
    if (isa<CXXConstructorDecl, CXXDestructorDecl>(m) ||
        (m.getIdentifier() && m.getName() == "is_lock_free"))
      return true;
    if (!arrow && !ref) {
      access(core, Hook::atomic);
      return true;
    }
    // The pointee of `p->` may be shared whatever p is, and so may the object an atomic_ref
    // (often a local or a temporary) refers to: always wrapped. The pointer's own read, if
    // any, is its own (inner) edit on the same text.
    if (std::optional<Span> s = span(core->getSourceRange())) {
      Edit e = make_edit(s->loc, arrow ? Hook::atomic_via : Hook::atomic);
      e.begin = s->begin;
      e.end = s->end;
      sink_.accept(s->file, e);
    }
    return true;
  }

  // `std::atomic_fetch_add(&a, 1)` -> `::weft::instr::hooked::std::atomic_fetch_add(&a, 1)`:
  // the prefix depends on how the name is written (`std::x`, `::std::x`, or `x`).
  bool atomic_free(const CallExpr& c) {
    const auto* ref = dyn_cast<DeclRefExpr>(c.getCallee()->IgnoreImpCasts());
    if (!ref) {
      stats_.skip(stats_.skipped_atomic_ref, where(c.getBeginLoc()),
                  "atomic free function called through a pointer");
      return true;
    }
    std::optional<Span> s = span(ref->getSourceRange());
    if (!s) return true;
    Edit e = make_edit(s->loc, Hook::atomic_free);
    e.begin = e.end = s->begin;
    const NestedNameSpecifier* q = ref->getQualifier();
    if (!q) {
      e.prefix = "::weft::instr::hooked::std::";
    } else if (q->getKind() == NestedNameSpecifier::Namespace && q->getPrefix() &&
               q->getPrefix()->getKind() == NestedNameSpecifier::Global) {
      e.prefix = "::weft::instr::hooked";
    } else if (q->getKind() == NestedNameSpecifier::Namespace && !q->getPrefix() &&
               q->getAsNamespace()->getName() == "std") {
      e.prefix = "::weft::instr::hooked::";
    } else {
      stats_.skip(stats_.skipped_atomic_ref, where(c.getBeginLoc()),
                  "atomic free function named through an alias or a using-declaration");
      return true;
    }
    sink_.accept(s->file, e);
    return true;
  }

  // `std::sort(X.begin(), X.end())` and the like: the algorithm reads (or reads and writes)
  // every element of X inside the library; X is wrapped to record them. Only a range that is
  // exactly one container's begin and end counts.
  void whole_range(const CallExpr& c, const FunctionDecl& f) {
    const std::optional<Hook> hook = whole_range_algorithm(f);
    if (!hook || c.getNumArgs() < 2) return;
    for (unsigned i = 0; i + 1 < c.getNumArgs(); ++i) {
      const Expr* first = range_end_of(c.getArg(i), false);
      const Expr* last = range_end_of(c.getArg(i + 1), true);
      if (!first || !last || !same_object(first, last)) continue;
      if (const auto* begin = dyn_cast<CXXMemberCallExpr>(c.getArg(i)->IgnoreImplicit()))
        ranged_.insert(begin);
      access(first, *hook);
      return;  // the first range only: an output range's extent is not known
    }
  }

  // A call of a function that weft-instrument gives a frame (a non-constexpr function with a
  // declaration in an instrumented file) is marked with its site, so the callee's frame
  // knows the line it was called from.
  void mark_call(const CallExpr& c) {
    const FunctionDecl* f = c.getDirectCallee();
    if (!f || is_hook_call(c) || f->isConstexpr() || f->isDeleted() || in_std(*f) ||
        f->getBuiltinID() != 0)
      return;
    if (const auto* m = dyn_cast<CXXMethodDecl>(f); m && (m->isDefaulted() || isa<CXXDestructorDecl>(m)))
      return;
    bool ours = false;
    for (const FunctionDecl* d : f->redecls()) {
      const SourceLocation at = sm_.getExpansionLoc(d->getLocation());
      if (at.isValid() && sink_.in_scope(sm_.getFileID(at))) ours = true;
    }
    if (!ours) return;
    const std::string callee = function_name(f);
    if (llvm::StringRef(callee).startswith("weft::")) return;
    if (std::optional<Span> s = span(c.getSourceRange(), /*count=*/false)) {
      Edit e = make_edit(s->loc, Hook::call);
      e.begin = s->begin;
      e.end = s->end;
      e.callee = callee;
      sink_.accept(s->file, e);
    }
  }

  void frame(const Stmt* body) {
    const auto* compound = dyn_cast_or_null<CompoundStmt>(body);
    if (!compound || compound->getLBracLoc().isMacroID()) return;
    if (!compound->body_empty())
      if (const auto* d = dyn_cast<DeclStmt>(compound->body_front()))
        if (d->isSingleDecl())
          if (const auto* v = dyn_cast<VarDecl>(d->getSingleDecl()))
            if (v->getName() == "weft_frame_") return;  // already instrumented
    const auto [file, offset] = sm_.getDecomposedLoc(compound->getLBracLoc());
    if (!sink_.instrumentable(file)) return;
    Edit e = make_edit(compound->getLBracLoc(), Hook::frame);
    e.begin = e.end = offset + 1;
    sink_.accept(file, e);
  }

 private:
  struct Span {
    FileID file;
    unsigned begin, end;
    SourceLocation loc;
    unsigned macro_body = 0;  // in a macro body: its first token (raw location), else 0
    unsigned macro_use = 0;   // and the expansion
  };

  void access(const Expr* lv, Hook hook) {
    if (!lv->isLValue()) return;
    if (hook == Hook::read) {  // reading the result of `x = v` or `++x`: x is recorded already
      const Expr* core = lv->IgnoreParens();
      if (const auto* b = dyn_cast<BinaryOperator>(core); b && b->isAssignmentOp()) return;
      if (const auto* u = dyn_cast<UnaryOperator>(core); u && u->isIncrementDecrementOp()) return;
    }
    if (lv->refersToBitField()) return bitfield(lv, hook);
    if (lv->getType()->isFunctionType()) return;
    const bool shared = classify_.shared(lv);
    if (!shared && !sink_.allow) return;
    std::optional<Span> s = span(lv->getSourceRange(), /*count=*/false);
    // (x) where the parentheses come from a macro body and x from its argument.
    if (!s && lv->IgnoreParens() != lv) s = span(lv->IgnoreParens()->getSourceRange(), false);
    // Written inside the body of a macro of the user's: the hook goes into the #define.
    if (!s) s = macro_span(lv->getSourceRange());
    if (!s) {  // counted: why it could not be rewritten
      span(lv->IgnoreParens() != lv ? lv->IgnoreParens()->getSourceRange() : lv->getSourceRange(),
           shared);
      return;
    }
    Edit e = make_edit(s->loc, hook);
    e.begin = s->begin;
    e.end = s->end;
    e.macro_body = s->macro_body;
    e.macro_use = s->macro_use;
    // A macro body's hook serves every expansion: each must be able to take it (the
    // translation unit's check, see Collector), whether or not this one needs it.
    if (shared || s->macro_body)
      sink_.accept(s->file, e);
    else
      sink_.allow(s->file, e);
  }

  // The text of `r` in the #define of the macro whose body it was expanded from, when both
  // ends lie in one expansion, not nested in another, of a macro written in an instrumentable
  // file (a macro argument counts at its parameter's place in the body). The hook written
  // there serves every expansion; the translation unit keeps it only if each expansion of
  // the macro proposed it (action.cpp).
  std::optional<Span> macro_span(SourceRange r) {
    if (r.isInvalid() || in_system_macro(r.getBegin()) || in_system_macro(r.getEnd()))
      return std::nullopt;
    struct End {
      SourceLocation spelling;
      FileID expansion;
    };
    auto body = [&](SourceLocation l) -> std::optional<End> {
      if (!l.isMacroID()) return std::nullopt;
      if (sm_.isMacroArgExpansion(l)) {
        l = sm_.getImmediateExpansionRange(l).getBegin();  // the parameter in the body
        if (!l.isMacroID() || sm_.isMacroArgExpansion(l)) return std::nullopt;
      }
      const SourceLocation spelling = sm_.getImmediateSpellingLoc(l);
      if (spelling.isMacroID()) return std::nullopt;  // a body another macro wrote
      if (sm_.getImmediateExpansionRange(l).getBegin().isMacroID())
        return std::nullopt;  // an expansion inside another macro's expansion
      return End{spelling, sm_.getFileID(l)};
    };
    const std::optional<End> b = body(r.getBegin());
    const std::optional<End> e = body(r.getEnd());
    if (!b || !e || b->expansion != e->expansion) return std::nullopt;
    const auto [file, begin] = sm_.getDecomposedLoc(b->spelling);
    const auto [end_file, last] = sm_.getDecomposedLoc(e->spelling);
    const unsigned end = last + Lexer::MeasureTokenLength(e->spelling, sm_, ctx_.getLangOpts());
    if (file != end_file || end <= begin || !sink_.instrumentable(file)) return std::nullopt;
    const SrcMgr::ExpansionInfo& x = sm_.getSLocEntry(b->expansion).getExpansion();
    Span s{file, begin, end, b->spelling};
    s.macro_body = x.getSpellingLoc().getRawEncoding();
    s.macro_use = b->expansion.getHashValue();
    return s;
  }

  // A bit-field has no address: record the bytes of its memory location (the maximal run of
  // adjacent non-zero-width bit-fields) through the enclosing object.
  void bitfield(const Expr* lv, Hook hook) {
    const auto* m = dyn_cast<MemberExpr>(lv->IgnoreParenImpCasts());
    const auto* field = m ? dyn_cast<FieldDecl>(m->getMemberDecl()) : nullptr;
    if (!field || field->getParent()->isAnonymousStructOrUnion()) {
      stats_.skip(stats_.skipped_bitfield, where(lv->getBeginLoc()),
                  "bit-field of an anonymous struct or union");
      return;
    }
    Edit e;
    e.mode = hook == Hook::read ? Mode::read : hook == Hook::write ? Mode::write : Mode::update;
    location_of(*field, e.bits_offset, e.bits_size);
    const Decl* parent = field->getParent()->getCanonicalDecl();
    if (m->isImplicitAccess()) {
      if (m->getMemberLoc().isMacroID())
        return stats_.skip(stats_.skipped_macro, where(m->getMemberLoc()),
                           "bit-field named in a macro body");
      const auto [file, offset] = sm_.getDecomposedLoc(m->getMemberLoc());
      if (!sink_.instrumentable(file)) return;
      Edit x = make_edit(m->getMemberLoc(), Hook::bits_this);
      x.mode = e.mode;
      x.bits_offset = e.bits_offset;
      x.bits_size = e.bits_size;
      x.begin = x.end = offset;
      return sink_.accept(file, x);
    }
    const Expr* base = m->getBase()->IgnoreParenImpCasts();
    if (const auto* call = dyn_cast<CallExpr>(base); call && is_hook_call(*call)) return;
    QualType object = m->isArrow() ? base->getType()->getPointeeType() : base->getType();
    const RecordDecl* rd = object.isNull() ? nullptr : object->getAsRecordDecl();
    if (!rd || rd->getCanonicalDecl() != parent)
      return stats_.skip(stats_.skipped_bitfield, where(lv->getBeginLoc()),
                         "bit-field reached through a base class");
    if (!m->isArrow() && (!base->isLValue() || !classify_.shared(base))) return;
    if (std::optional<Span> s = span(base->getSourceRange())) {
      Edit x = make_edit(s->loc, m->isArrow() ? Hook::bits_via : Hook::bits_at);
      x.mode = e.mode;
      x.bits_offset = e.bits_offset;
      x.bits_size = e.bits_size;
      x.begin = s->begin;
      x.end = s->end;
      sink_.accept(s->file, x);
    }
  }

  void location_of(const FieldDecl& field, unsigned& offset, unsigned& size) {
    const RecordDecl* rd = field.getParent();
    const ASTRecordLayout& layout = ctx_.getASTRecordLayout(rd);
    uint64_t run_begin = 0, run_end = 0;
    bool in_run = false, found = false;
    for (const FieldDecl* f : rd->fields()) {
      const bool bits = f->isBitField() && f->getBitWidthValue(ctx_) > 0;
      if (!bits) {
        if (found) break;
        in_run = false;
        continue;
      }
      const uint64_t at = layout.getFieldOffset(f->getFieldIndex());
      if (!in_run) run_begin = at;
      in_run = true;
      run_end = at + f->getBitWidthValue(ctx_);
      if (f == &field) found = true;
    }
    offset = static_cast<unsigned>(run_begin / 8);
    size = static_cast<unsigned>((run_end + 7) / 8 - run_begin / 8);
  }

  bool in_system_macro(SourceLocation l) const {
    while (l.isMacroID()) {
      if (sm_.isInSystemMacro(l)) return true;
      if (sm_.isMacroArgExpansion(l)) {
        SourceLocation use = sm_.getSLocEntry(sm_.getFileID(l)).getExpansion().getExpansionLocStart();
        if (sm_.isInSystemHeader(sm_.getSpellingLoc(use))) return true;
        l = sm_.getImmediateSpellingLoc(l);
      } else {
        l = sm_.getImmediateExpansionRange(l).getBegin();
      }
    }
    return false;
  }

  // The file text of `r`, or nothing (counted) when it cannot be edited as one piece.
  std::optional<Span> span(SourceRange r, bool count = true) {
    if (r.isInvalid()) return std::nullopt;
    if (in_system_macro(r.getBegin()) || in_system_macro(r.getEnd())) {
      if (count)
        stats_.skip(stats_.skipped_system_macro, where(r.getBegin()),
                    "in an argument of a system-header macro");
      return std::nullopt;
    }
    const CharSourceRange cr = Lexer::makeFileCharRange(CharSourceRange::getTokenRange(r), sm_,
                                                        ctx_.getLangOpts());
    if (cr.isInvalid()) {
      if (count)
        stats_.skip(stats_.skipped_macro, where(r.getBegin()),
                    "in a macro body");
      return std::nullopt;
    }
    const auto [file, begin] = sm_.getDecomposedLoc(cr.getBegin());
    const auto [end_file, end] = sm_.getDecomposedLoc(cr.getEnd());
    if (file != end_file || end <= begin || !sink_.instrumentable(file)) return std::nullopt;
    return Span{file, begin, end, cr.getBegin()};
  }

  // "file:line:column" of l where the user wrote it (a macro's use, for its body).
  std::string where(SourceLocation l) const {
    const PresumedLoc p = sm_.getPresumedLoc(sm_.getExpansionLoc(l));
    if (p.isInvalid()) return "<unknown>";
    return std::string(p.getFilename()) + ":" + std::to_string(p.getLine()) + ":" +
           std::to_string(p.getColumn());
  }

  Edit make_edit(SourceLocation loc, Hook hook) const {
    Edit e;
    e.hook = hook;
    e.function = function_;
    const SourceLocation at = sm_.getFileLoc(loc);
    const PresumedLoc p = sm_.getPresumedLoc(at);
    if (p.isValid()) {
      e.line = p.getLine();
      e.column = p.getColumn();
    }
    e.site_offset = sm_.getFileOffset(at);
    return e;
  }

  ASTContext& ctx_;
  const SourceManager& sm_;
  llvm::DenseSet<const CXXMemberCallExpr*> ranged_;
  Classifier classify_;
  const std::string& function_;
  BodySink& sink_;
  Stats& stats_;
};

}  // namespace

void walk_body(ASTContext& ctx, const FunctionDecl& fn, Stmt* body, const EscapeSet& escapes,
               const std::string& function_name, BodySink& sink, Stats& stats) {
  Walker w(ctx, escapes, function_name, sink, stats);
  if (const auto* ctor = dyn_cast<CXXConstructorDecl>(&fn))
    for (const CXXCtorInitializer* init : ctor->inits())
      if (init->isWritten()) w.TraverseStmt(init->getInit());
  w.TraverseStmt(body);
  w.frame(body);
}

void walk_initializer(ASTContext& ctx, Expr* init, const EscapeSet& escapes,
                      const std::string& function_name, BodySink& sink, Stats& stats) {
  Walker w(ctx, escapes, function_name, sink, stats);
  w.TraverseStmt(init);
}

}  // namespace weft_instrument
