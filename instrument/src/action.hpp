// action.hpp — one weft-instrument session: the options, the files already written (a header
// included by many translation units is rewritten once, by the first one that reaches it),
// the running statistics, and the frontend action that instruments one translation unit.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "clang/Tooling/Tooling.h"
#include "llvm/Support/Regex.h"

#include "edits.hpp"

namespace weft_instrument {

struct Options {
  std::string out_dir;                  // where copies go (mirroring paths under root)
  bool in_place = false;                // rewrite the inputs themselves
  std::string root;                     // absolute; outputs mirror paths relative to it
  std::optional<llvm::Regex> header_filter;  // headers to instrument besides main files
  std::vector<std::pair<std::string, std::string>> prefix_map;  // for #line and Site names
};

struct Session {
  Options options;
  std::set<std::string> claimed;  // real paths of files already written this session
  Stats stats;
  bool failed = false;            // some translation unit could not be instrumented
  // The instrumented copies (target path, text), written only if the whole run succeeds.
  std::vector<std::pair<std::string, std::string>> outputs;
};

std::unique_ptr<clang::tooling::FrontendActionFactory> make_action_factory(Session& session);

// Writes every copy in session.outputs (through a temporary file and a rename, leaving
// unchanged copies untouched); false, with a message, if one could not be written.
bool write_outputs(Session& session);

}  // namespace weft_instrument
