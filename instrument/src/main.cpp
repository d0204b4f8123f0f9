// weft-instrument — rewrites C++ sources so that every access to memory that may be shared
// calls the hooks of weft/instr.hpp, for weft's race detector and controlled scheduler.
//
//   weft-instrument [options] FILE... [-- compiler args]
//   weft-instrument -p BUILD_DIR [options] FILE...
//
// Instrumented copies go to -o DIR, mirroring their paths under --root (default: the current
// directory); inputs are never overwritten unless --in-place is given.
#include <cstdlib>
#include <map>
#include <optional>
#include <string>

#include "clang/Tooling/ArgumentsAdjusters.h"
#include "clang/Tooling/CommonOptionsParser.h"
#include "clang/Tooling/CompilationDatabase.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "clang/Frontend/TextDiagnosticPrinter.h"

#include "action.hpp"

namespace {

namespace cl = llvm::cl;
using namespace weft_instrument;

cl::OptionCategory category("weft-instrument options");

cl::opt<std::string> out_dir("o", cl::desc("Directory for the instrumented copies"),
                             cl::value_desc("dir"), cl::cat(category));
cl::opt<bool> in_place("in-place", cl::desc("Rewrite the input files themselves"),
                       cl::cat(category));
cl::opt<std::string> root("root",
                          cl::desc("Copies mirror paths relative to this directory "
                                   "(default: the current directory)"),
                          cl::value_desc("dir"), cl::cat(category));
cl::opt<std::string> header_filter(
    "header-filter",
    cl::desc("Also instrument the headers whose real path matches this regular expression "
             "(default: none; system headers and weft's own never)"),
    cl::value_desc("regex"), cl::cat(category));
cl::list<std::string> prefix_map(
    "prefix-map",
    cl::desc("OLD=NEW: write file names starting with OLD with NEW instead, in #line "
             "directives and Site records (like -fdebug-prefix-map)"),
    cl::value_desc("old=new"), cl::cat(category));
cl::opt<bool> stats("report-stats", cl::desc("Print what was instrumented and skipped"),
                    cl::cat(category));
cl::opt<bool> explain("explain",
                      cl::desc("List every access left uninstrumented, with its location and "
                               "why (also WEFT_INSTRUMENT_DEBUG=1)"),
                      cl::cat(category));
cl::opt<bool> strict("strict",
                     cl::desc("Fail (exit 1, no copies written) if any access cannot be "
                              "instrumented"),
                     cl::cat(category));

cl::extrahelp more_help(R"(
Rewrites reads, writes and read-modify-writes of globals, statics, members, memory reached
through pointers, references, arrays and container iterators, and locals whose address
escapes, into weft::instr::read/write/update(lvalue, site); gives every function body a
weft::instr::Frame. Compile the copies with weft's include directory and link weft::weft.
)");

std::string absolute(std::string p) {
  llvm::SmallString<256> s(p);
  llvm::sys::fs::make_absolute(s);
  llvm::SmallString<256> real;
  if (!llvm::sys::fs::real_path(s, real)) return std::string(real);
  llvm::sys::path::remove_dots(s, true);
  return std::string(s);
}

bool has_arg(const clang::tooling::CommandLineArguments& args, llvm::StringRef prefix) {
  for (const std::string& a : args)
    if (llvm::StringRef(a).startswith(prefix)) return true;
  return false;
}

// Parsing needs Clang's resource headers, C++20 unless the build says otherwise, and no
// warnings (instrumenting is not compiling: only errors matter).
clang::tooling::ArgumentsAdjuster parse_settings() {
  return [](const clang::tooling::CommandLineArguments& args, llvm::StringRef) {
    clang::tooling::CommandLineArguments out;
    if (args.empty()) return out;
    out.push_back(args.front());
    // Up front, not at the end: a command from a database may end with `-- FILE`.
    out.push_back("-w");
    if (!has_arg(args, "-resource-dir")) out.push_back("-resource-dir=" WEFT_CLANG_RESOURCE_DIR);
    if (!has_arg(args, "-std=") && !has_arg(args, "--std")) out.push_back("-std=c++20");
    out.insert(out.end(), args.begin() + 1, args.end());
    return out;
  };
}

void print_stats(const Stats& s) {
  llvm::errs() << "weft-instrument: " << s.reads << " reads, " << s.writes << " writes, "
               << s.updates << " updates, " << s.bitfields << " bit-field accesses, "
               << s.frames << " frames, " << s.calls << " call sites, " << s.atomics
               << " atomic operations, " << s.locals << " thread_local uses; files: " << s.files_written << " written, "
               << s.files_unchanged << " unchanged\n"
               << "weft-instrument: skipped " << s.skipped_macro << " in macro expansions, "
               << s.skipped_system_macro << " in system macros, " << s.skipped_disagreement
               << " where template instantiations disagree, " << s.skipped_conflict
               << " conflicting, " << s.skipped_bitfield << " unsupported bit-fields, "
               << s.skipped_atomic_ref << " atomic operations not modelled\n";
}

// Prints diagnostics as Clang does and counts the errors, including those about the command
// line itself (an option Clang rejects), after which Clang would go on with a default.
class CountingPrinter : public clang::TextDiagnosticPrinter {
 public:
  using TextDiagnosticPrinter::TextDiagnosticPrinter;
  void HandleDiagnostic(clang::DiagnosticsEngine::Level level,
                        const clang::Diagnostic& info) override {
    if (level >= clang::DiagnosticsEngine::Error) ++errors;
    TextDiagnosticPrinter::HandleDiagnostic(level, info);
  }
  unsigned errors = 0;
};

// The one-line summary of what was left uninstrumented (nothing when everything was), and
// with `list` every such access. Returns how many there were.
std::size_t print_skipped(const Stats& s, bool list) {
  if (s.skipped.empty()) return 0;
  std::map<std::string, unsigned> by_why;
  for (const auto& [where, why] : s.skipped) ++by_why[why];
  llvm::errs() << "weft-instrument: " << s.skipped.size() << " access"
               << (s.skipped.size() == 1 ? "" : "es") << " not instrumented (";
  const char* sep = "";
  for (const auto& [why, n] : by_why) {
    llvm::errs() << sep << n << " " << why;
    sep = "; ";
  }
  llvm::errs() << ")";
  if (!list) {
    llvm::errs() << "; --explain lists them\n";
    return s.skipped.size();
  }
  llvm::errs() << ":\n";
  for (const auto& [where, why] : s.skipped) llvm::errs() << "  " << where << ": " << why << "\n";
  return s.skipped.size();
}

// The directory given with -p, if any (as LLVM's option parser accepts it: -p DIR, -p=DIR,
// --p=DIR), looking only before `--`.
std::optional<std::string> build_path_arg(int argc, const char** argv) {
  for (int i = 1; i < argc; ++i) {
    const llvm::StringRef a(argv[i]);
    if (a == "--") break;
    if ((a == "-p" || a == "--p") && i + 1 < argc) return std::string(argv[i + 1]);
    for (llvm::StringRef prefix : {"-p=", "--p="})
      if (a.startswith(prefix)) return a.drop_front(prefix.size()).str();
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, const char** argv) {
  // Clang's option parser falls back to "running without flags" when -p names no usable
  // compilation database; an explicit -p that cannot be honoured is an error here.
  if (std::optional<std::string> dir = build_path_arg(argc, argv)) {
    std::string why;
    if (!clang::tooling::CompilationDatabase::autoDetectFromDirectory(*dir, why)) {
      llvm::errs() << "weft-instrument: -p " << *dir
                   << ": no compile_commands.json there or in a directory above it\n"
                   << "  configure the build with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON so it writes "
                      "compile_commands.json, or drop -p and give the flags after --\n";
      return 2;
    }
  }
  auto parser = clang::tooling::CommonOptionsParser::create(argc, argv, category,
                                                            cl::OneOrMore);
  if (!parser) {
    llvm::errs() << parser.takeError();
    return 2;
  }
  if (out_dir.empty() == !in_place) {
    llvm::errs() << "weft-instrument: give exactly one of -o DIR and --in-place\n";
    return 2;
  }

  Session session;
  Options& opt = session.options;
  opt.in_place = in_place;
  if (!in_place) opt.out_dir = absolute(out_dir);
  opt.root = absolute(root.empty() ? "." : root.getValue());
  if (!header_filter.empty()) {
    opt.header_filter.emplace(header_filter.getValue());
    std::string error;
    if (!opt.header_filter->isValid(error)) {
      llvm::errs() << "weft-instrument: bad --header-filter: " << error << "\n";
      return 2;
    }
  }
  for (const std::string& m : prefix_map) {
    const auto [from, to] = llvm::StringRef(m).split('=');
    opt.prefix_map.emplace_back(from.str(), to.str());
  }

  clang::tooling::ClangTool tool(parser->getCompilations(), parser->getSourcePathList());
  tool.appendArgumentsAdjuster(parse_settings());
  llvm::IntrusiveRefCntPtr<clang::DiagnosticOptions> diag_opts(new clang::DiagnosticOptions());
  CountingPrinter printer(llvm::errs(), diag_opts.get());
  tool.setDiagnosticConsumer(&printer);
  const int rc = tool.run(make_action_factory(session).get());
  // The counts are printed last, once the copies are written, so "written" counts them.
  struct PrintStats {
    const Session& session;
    bool on;
    ~PrintStats() {
      if (on) print_stats(session.stats);
    }
  } print_at_exit{session, stats};
  const std::size_t skipped = print_skipped(session.stats, explain || std::getenv("WEFT_INSTRUMENT_DEBUG"));
  // All or nothing: a unit that did not parse, or --strict with a skipped access, writes no
  // copy at all, so a build never goes on with a stale or partial set.
  if (rc != 0 || session.failed || printer.errors > 0) {
    llvm::errs() << "weft-instrument: no copies written: "
                 << "a file could not be parsed or instrumented (errors above)\n";
    return 1;
  }
  if (strict && skipped > 0) {
    llvm::errs() << "weft-instrument: no copies written: --strict and " << skipped
                 << " access" << (skipped == 1 ? "" : "es") << " not instrumented\n";
    return 1;
  }
  return write_outputs(session) ? 0 : 1;
}
