// action.cpp — instrumenting one translation unit: choose the files it may rewrite, walk
// every function body there (each template instantiation, each lambda), reconcile the edits
// and write the copies. Nothing is written for a translation unit that did not compile.
#include "action.hpp"

#include <map>
#include <optional>

#include "clang/AST/ASTConsumer.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendAction.h"
#include "clang/Lex/Lexer.h"
#include "clang/Lex/MacroInfo.h"
#include "clang/Lex/PPCallbacks.h"
#include "clang/Lex/Preprocessor.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "access.hpp"
#include "escape.hpp"

namespace weft_instrument {
namespace {

using namespace clang;

std::string real_path(llvm::StringRef p) {
  llvm::SmallString<256> out;
  if (llvm::sys::fs::real_path(p, out)) return p.str();
  return std::string(out);
}

std::string fnv_hex(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  char buf[17];
  snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// Which files of this translation unit may be rewritten, and by whom.
class FilePolicy {
 public:
  FilePolicy(const SourceManager& sm, Session& s) : sm_(sm), session_(s) {}

  bool instrumentable(FileID fid) {
    auto [it, fresh] = cache_.try_emplace(fid, false);
    if (fresh) it->second = decide(fid);
    return it->second;
  }
  // Whether code in this file is instrumented by this run, in this translation unit or in
  // another one (a header written by an earlier unit): the files whose functions have frames.
  bool in_scope(FileID fid) {
    auto [it, fresh] = scope_cache_.try_emplace(fid, false);
    if (fresh) it->second = scope(fid);
    return it->second;
  }
  const std::string& path(FileID fid) const { return paths_.at(fid); }
  // A file entered twice (no include guard) has two texts' worth of edits: leave it alone.
  bool entered_once(FileID fid) const { return !reentered_.count(paths_.at(fid)); }

 private:
  bool scope(FileID fid) {
    if (fid.isInvalid()) return false;
    OptionalFileEntryRef fe = sm_.getFileEntryRefForID(fid);
    if (!fe || sm_.isInSystemHeader(sm_.getLocForStartOfFile(fid))) return false;
    std::string p = real_path(fe->getName());
    if (p.find("/include/weft/") != std::string::npos) return false;  // weft's own headers
    if (fid == sm_.getMainFileID()) return true;
    const auto& filter = session_.options.header_filter;
    return filter && filter->match(p);
  }

  bool decide(FileID fid) {
    if (!in_scope(fid)) return false;
    std::string p = real_path(sm_.getFileEntryRefForID(fid)->getName());
    if (session_.claimed.count(p)) return false;  // written by an earlier translation unit
    auto [it, fresh] = first_.try_emplace(p, fid);
    if (!fresh && it->second != fid) reentered_.insert(p);
    paths_[fid] = p;
    return true;
  }

  const SourceManager& sm_;
  Session& session_;
  std::map<FileID, bool> cache_;
  std::map<FileID, bool> scope_cache_;
  std::map<FileID, std::string> paths_;
  std::map<std::string, FileID> first_;
  std::set<std::string> reentered_;
};


// Finds every body to instrument: ordinary functions, each instantiation of a template, each
// lambda (each specialisation of a generic one).
class Collector : public RecursiveASTVisitor<Collector> {
  using Base = RecursiveASTVisitor<Collector>;

 public:
  Collector(ASTContext& ctx, FilePolicy& files, Stats& stats)
      : ctx_(ctx), sm_(ctx.getSourceManager()), files_(files), stats_(stats) {}

  bool shouldVisitTemplateInstantiations() const { return true; }

  bool TraverseDecl(Decl* d) {
    if (!d) return true;
    if (!isa<TranslationUnitDecl, NamespaceDecl, LinkageSpecDecl>(d)) {
      SourceLocation loc = sm_.getExpansionLoc(d->getLocation());
      if (loc.isValid() && !files_.instrumentable(sm_.getFileID(loc))) return true;
    }
    return Base::TraverseDecl(d);
  }

  bool VisitFunctionDecl(FunctionDecl* fd) {
    if (!fd->doesThisDeclarationHaveABody() || fd->isDependentContext() || fd->isImplicit() ||
        fd->isDefaulted() || fd->isDeleted() || fd->isConstexpr())
      return true;
    if (const auto* m = dyn_cast<CXXMethodDecl>(fd); m && m->getParent()->isLambda())
      return true;  // see VisitLambdaExpr
    if (inside_constexpr(fd) || fd->getQualifiedNameAsString().rfind("weft_instrument_::", 0) == 0)
      return true;  // compile-time code, or the helpers of an instrumented copy
    instrument(fd);
    return true;
  }

  bool VisitLambdaExpr(LambdaExpr* l) {
    if (l->getLambdaClass()->isDependentContext() || explicitly_constexpr(*l) ||
        inside_constexpr(l->getCallOperator()))
      return true;
    if (FunctionTemplateDecl* generic = l->getDependentCallOperator()) {
      for (FunctionDecl* spec : generic->specializations())
        if (spec->doesThisDeclarationHaveABody()) instrument(spec);
    } else {
      instrument(l->getCallOperator());
    }
    return true;
  }

  // A default member initialiser runs in the constructors that do not initialise the member,
  // so in whichever goroutine constructs the object. Each instantiation of a class template
  // that used the initialiser is one instance of the written text, as for function bodies.
  bool VisitFieldDecl(FieldDecl* f) {
    Expr* init = f->getInClassInitializer();
    const auto* rd = dyn_cast<CXXRecordDecl>(f->getParent());
    if (!init || !rd || rd->isDependentContext() || rd->isLambda()) return true;
    const CXXRecordDecl* pattern = rd->getTemplateInstantiationPattern();
    if (!pattern) pattern = rd;
    const std::string cls = pattern->getQualifiedNameAsString();
    instrument_initializer(init, pattern->getIdentifier() ? cls + "::" + pattern->getName().str()
                                                          : cls);
    return true;
  }

  // A default argument (`void f(int v = g)`) is evaluated by each call that omits it, in the
  // caller's goroutine; its text is written once, at the declaration.
  bool VisitParmVarDecl(ParmVarDecl* p) {
    if (!p->hasDefaultArg() || p->hasUnparsedDefaultArg() || p->hasUninstantiatedDefaultArg())
      return true;
    const auto* fd = dyn_cast_or_null<FunctionDecl>(p->getDeclContext());
    if (!fd || fd->isDependentContext()) return true;
    if (Expr* init = p->getDefaultArg()) instrument_initializer(init, function_name(fd));
    return true;
  }

  std::map<FileID, EditCollector>& edits() { return edits_; }

  // The expansions of one macro that proposed an edit in its body: (file, begin, end, hook)
  // -> expansions.
  using MacroKey = std::tuple<FileID, unsigned, unsigned, Hook>;
  const std::map<MacroKey, std::set<unsigned>>& macro_proposals() const { return macro_; }

 private:
  void instrument(FunctionDecl* fd) {
    Stmt* body = fd->getBody();
    if (!body || !visited_.insert(fd).second) return;
    std::optional<BodySink> sink = begin_instance(body->getBeginLoc());
    if (!sink) return;
    if (!fd->getTemplateInstantiationPattern()) sink->allow = nullptr;  // one instance only
    find_escapes(body, escapes_);
    if (const auto* ctor = dyn_cast<CXXConstructorDecl>(fd))
      for (const CXXCtorInitializer* init : ctor->inits())
        if (init->isWritten()) find_escapes(init->getInit(), escapes_);
    walk_body(ctx_, *fd, body, escapes_, function_name(fd), *sink, stats_);
  }

  // An expression that runs as part of other code (a default member initialiser or a
  // default argument): its edits are reconciled across instantiations like a body's.
  void instrument_initializer(Expr* init, const std::string& name) {
    if (!visited_init_.insert(init).second) return;
    std::optional<BodySink> sink = begin_instance(init->getBeginLoc());
    if (!sink) return;
    find_escapes(init, escapes_);
    walk_initializer(ctx_, init, escapes_, name, *sink, stats_);
  }

  // Starts one instance of the written code that begins at `begin` (one instantiation of
  // it, for templates) and returns where its edits go; nothing if its file is not ours.
  std::optional<BodySink> begin_instance(SourceLocation begin) {
    const SourceLocation at = sm_.getExpansionLoc(begin);
    const FileID fid = sm_.getFileID(at);
    if (!files_.instrumentable(fid)) return std::nullopt;
    const unsigned key = sm_.getFileOffset(at);
    EditCollector& collector = edits_[fid];
    collector.begin_instance(key);
    return BodySink{[this](FileID f) { return files_.instrumentable(f); },
                    [this](FileID f) { return files_.in_scope(f); },
                    [this, &collector, fid, key](FileID f, const Edit& e) {
                      if (f != fid) return;
                      collector.propose(key, e);
                      if (e.macro_body) macro_[{f, e.begin, e.end, e.hook}].insert(e.macro_use);
                    },
                    [&collector, fid, key](FileID f, const Edit& e) {
                      if (f == fid) collector.allow(key, e);
                    },
                    [&collector, fid, key](FileID f, unsigned offset) {
                      if (f == fid) collector.saw(key, offset);
                    }};
  }

  // Code that may run at compile time (constexpr functions and what they enclose) is left
  // alone, as README.md promises.
  static bool inside_constexpr(const FunctionDecl* fd) {
    for (const DeclContext* dc = fd->getParent(); dc; dc = dc->getParent())
      if (const auto* outer = dyn_cast<FunctionDecl>(dc)) {
        const auto* m = dyn_cast<CXXMethodDecl>(outer);
        if (outer->isConstexpr() && !(m && m->getParent()->isLambda())) return true;
      }
    return false;
  }

  // Lambdas are implicitly constexpr when they can be; only a written constexpr counts.
  bool explicitly_constexpr(const LambdaExpr& l) const {
    const SourceRange head(l.getIntroducerRange().getEnd(), l.getBody()->getBeginLoc());
    const llvm::StringRef text = Lexer::getSourceText(CharSourceRange::getCharRange(head), sm_,
                                                      ctx_.getLangOpts());
    return text.contains("constexpr") || text.contains("consteval");
  }

  ASTContext& ctx_;
  const SourceManager& sm_;
  FilePolicy& files_;
  Stats& stats_;
  EscapeSet escapes_;
  llvm::DenseSet<const FunctionDecl*> visited_;
  llvm::DenseSet<const Expr*> visited_init_;
  std::map<FileID, EditCollector> edits_;
  std::map<MacroKey, std::set<unsigned>> macro_;
};

// Counts the expansions of each macro (by the raw location of its body's first token), so
// an edit in a macro body is kept only if every expansion proposed it: one the walk never
// reached (a global initialiser, a constexpr function, an unevaluated operand, another
// macro's body) or where the text is no access keeps the #define unchanged.
class MacroExpansions : public PPCallbacks {
 public:
  explicit MacroExpansions(std::map<unsigned, unsigned>& counts) : counts_(counts) {}
  void MacroExpands(const Token&, const MacroDefinition& md, SourceRange,
                    const MacroArgs*) override {
    const MacroInfo* mi = md.getMacroInfo();
    if (mi && mi->getNumTokens() > 0) ++counts_[mi->tokens_begin()->getLocation().getRawEncoding()];
  }

 private:
  std::map<unsigned, unsigned>& counts_;
};

// Writes `text` to `path` through a temporary file and a rename, unless it is already there.
bool write_if_changed(const std::string& path, const std::string& text, Stats& stats) {
  if (auto old = llvm::MemoryBuffer::getFile(path); old && (*old)->getBuffer() == text) {
    ++stats.files_unchanged;
    return true;
  }
  llvm::sys::fs::create_directories(llvm::sys::path::parent_path(path));
  int fd = -1;
  llvm::SmallString<256> tmp;
  if (std::error_code ec = llvm::sys::fs::createUniqueFile(path + ".tmp-%%%%%%", fd, tmp)) {
    llvm::errs() << "weft-instrument: cannot write " << path << ": " << ec.message() << "\n";
    return false;
  }
  {
    llvm::raw_fd_ostream out(fd, /*shouldClose=*/true);
    out << text;
  }
  if (std::error_code ec = llvm::sys::fs::rename(tmp, path)) {
    llvm::sys::fs::remove(tmp);
    llvm::errs() << "weft-instrument: cannot write " << path << ": " << ec.message() << "\n";
    return false;
  }
  ++stats.files_written;
  return true;
}

}  // namespace

bool write_outputs(Session& session) {
  bool ok = true;
  for (const auto& [path, text] : session.outputs)
    ok = write_if_changed(path, text, session.stats) && ok;
  return ok;
}

namespace {

class Consumer : public ASTConsumer {
 public:
  Consumer(Session& s, const std::map<unsigned, unsigned>& expansions)
      : session_(s), expansions_(expansions) {}

  void HandleTranslationUnit(ASTContext& ctx) override {
    if (ctx.getDiagnostics().hasErrorOccurred()) {
      session_.failed = true;
      return;
    }
    const SourceManager& sm = ctx.getSourceManager();
    FilePolicy files(sm, session_);
    Collector collector(ctx, files, session_.stats);
    collector.TraverseDecl(ctx.getTranslationUnitDecl());

    // Every instrumentable file of this unit is written, edited or not, so the copies
    // never go stale and quoted includes between copies resolve to copies.
    std::vector<FileID> outputs{sm.getMainFileID()};
    for (auto it = sm.fileinfo_begin(); it != sm.fileinfo_end(); ++it) {
      FileID fid = sm.translateFile(it->first);
      if (fid.isValid() && fid != sm.getMainFileID()) outputs.push_back(fid);
    }
    for (FileID fid : outputs) {
      if (!files.instrumentable(fid) || !files.entered_once(fid)) continue;
      std::vector<Edit> edits;
      if (auto it = collector.edits().find(fid); it != collector.edits().end())
        edits = it->second.agreed(session_.stats, files.path(fid));
      keep_whole_macros(collector, fid, files.path(fid), edits);
      if (!emit(sm, fid, files.path(fid), std::move(edits))) session_.failed = true;
    }
  }

 private:
  // Drops the macro-body edits that not every expansion of their macro proposed.
  void keep_whole_macros(const Collector& collector, FileID fid, const std::string& path,
                         std::vector<Edit>& edits) {
    std::vector<Edit> kept;
    for (Edit& e : edits) {
      if (e.macro_body) {
        const auto it = collector.macro_proposals().find({fid, e.begin, e.end, e.hook});
        const auto n = expansions_.find(e.macro_body);
        const std::size_t proposed = it == collector.macro_proposals().end() ? 0 : it->second.size();
        if (n == expansions_.end() || proposed < n->second) {
          session_.stats.skip(session_.stats.skipped_macro,
                              path + ":" + std::to_string(e.line) + ":" + std::to_string(e.column),
                              "in a macro body");
          continue;
        }
      }
      kept.push_back(std::move(e));
    }
    edits = std::move(kept);
  }

  bool emit(const SourceManager& sm, FileID fid, const std::string& path,
            std::vector<Edit> edits) {
    const Options& opt = session_.options;
    session_.claimed.insert(path);
    std::string target = path;
    if (!opt.in_place) {
      llvm::StringRef rel(path);
      if (!rel.consume_front(opt.root) || !(rel.empty() || rel.startswith("/"))) {
        llvm::errs() << "weft-instrument: " << path << " is outside --root " << opt.root << "\n";
        return false;
      }
      target = opt.out_dir + rel.str();
    }
    const std::string text = sm.getBufferData(fid).str();
    std::string output;
    if (is_instrumented(text)) {
      output = text;  // already weft-instrument output: nothing more to do
    } else {
      for (const Edit& e : edits) count(e);
      std::string display = path;
      for (const auto& [from, to] : opt.prefix_map)
        if (llvm::StringRef(display).startswith(from)) {
          display = to + display.substr(from.size());
          break;
        }
      output = render({text, display, "weft_sites_" + fnv_hex(display) + "_", std::move(edits)});
    }
    // Written by write_outputs() once every unit has parsed: all copies or none.
    session_.outputs.emplace_back(target, std::move(output));
    return true;
  }

  void count(const Edit& e) {
    Stats& s = session_.stats;
    switch (e.hook) {
      case Hook::read: ++s.reads; break;
      case Hook::write: ++s.writes; break;
      case Hook::update: ++s.updates; break;
      case Hook::frame: ++s.frames; break;
      case Hook::call: ++s.calls; break;
      case Hook::read_elements: ++s.reads; break;
      case Hook::update_elements: ++s.updates; break;
      case Hook::atomic:
      case Hook::atomic_via:
      case Hook::atomic_free: ++s.atomics; break;
      case Hook::local: ++s.locals; break;
      default: ++s.bitfields; break;
    }
  }

  Session& session_;
  const std::map<unsigned, unsigned>& expansions_;
};

class Action : public ASTFrontendAction {
 public:
  explicit Action(Session& s) : session_(s) {}
  std::unique_ptr<ASTConsumer> CreateASTConsumer(CompilerInstance&, llvm::StringRef) override {
    return std::make_unique<Consumer>(session_, expansions_);
  }
  bool BeginSourceFileAction(CompilerInstance& ci) override {
    ci.getPreprocessor().addPPCallbacks(std::make_unique<MacroExpansions>(expansions_));
    return true;
  }

 private:
  Session& session_;
  std::map<unsigned, unsigned> expansions_;
};

class Factory : public tooling::FrontendActionFactory {
 public:
  explicit Factory(Session& s) : session_(s) {}
  std::unique_ptr<FrontendAction> create() override { return std::make_unique<Action>(session_); }

 private:
  Session& session_;
};

}  // namespace

std::unique_ptr<tooling::FrontendActionFactory> make_action_factory(Session& session) {
  return std::make_unique<Factory>(session);
}

}  // namespace weft_instrument
