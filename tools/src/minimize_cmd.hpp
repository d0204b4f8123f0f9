// `weft minimize`: shrinks a failing schedule of a test binary from outside, by running the
// binary with WEFT_MINIMIZE=<token> (the explorer's own shrinker, tools/PROTOCOL.md).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace weft::cli {

struct MinimizeConfig {
  std::vector<std::string> command;  // the binary and its arguments
  std::string protocol = "auto";
  std::string exploration;           // may be empty when the binary has exactly one
  std::string token;
  std::optional<unsigned> replays;   // WEFT_MINIMIZE_REPLAYS; the binary's default otherwise
  bool show_output = false;          // print the worker's own stdout/stderr too
};

// Replays the token, shrinks it if it fails, prints the shrunk token and the report;
// returns the exit code (0 the schedule does not fail, 1 it fails, 2 usage or environment).
int run_minimize(const MinimizeConfig& cfg, std::ostream& out, std::ostream& err);

}  // namespace weft::cli
