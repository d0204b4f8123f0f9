// `weft explore`, `weft list` and `weft replay`: driving a test binary's explorations in
// worker processes.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "expect.hpp"
#include "run_result.hpp"
#include "target.hpp"

namespace weft::cli {

struct ExploreConfig {
  std::vector<std::string> command;  // the binary and its arguments
  std::string protocol = "auto";
  std::vector<std::string> only;     // exploration names (empty: all)
  std::string strategy = "portfolio";
  std::uint64_t seed = 1;
  std::uint64_t iterations = 1000;   // per exploration, over all shards
  std::uint64_t shard_index = 0, shard_count = 1;
  unsigned jobs = 1;
  std::uint64_t batch = 0;           // iterations per worker; 0 = chosen from jobs
  std::uint64_t max_findings = 10;   // per exploration; its remaining iterations are skipped
  std::uint64_t time_budget_ms = 0;  // 0 = none
  std::string hang_timeout;          // WEFT_HANG_TIMEOUT for the workers ("" = theirs)
  std::string max_steps;             // WEFT_MAX_STEPS for the workers ("" = theirs)
  bool progress = false;             // draw the progress line on stderr
  bool keep_temp = false;
  std::string trace_dir;             // replay each finding there and write its HTML timeline
  const Expectations* expect = nullptr;  // --expect: judge the findings against these
};

// Runs the exploration; prints nothing except the progress line (the caller renders the
// result). Throws UsageError on bad input or a binary that cannot be listed or run.
RunResult run_explore(const ExploreConfig& cfg);

// Reads and prints the explorations of `command` (one per line: name, then description).
int run_list(const std::vector<std::string>& command, const std::string& protocol, bool json,
             std::ostream& out);

struct ReplayConfig {
  std::vector<std::string> command;
  std::string protocol = "auto";
  std::string exploration;  // may be empty when the binary has exactly one
  std::string token;
  std::string trace_path;   // Chrome trace event JSON
  std::string html_path;    // the HTML timeline
  std::string events_path;  // the runtime's own trace (weft.trace/1 JSON Lines)
  bool show_output = false; // print the worker's own stdout/stderr too
};
// Throws UsageError unless `token` looks like a replay token (w1-/w2-/w3-).
void check_token(const std::string& token);
// The test a version 3 token was recorded for, as its fingerprint keeps it (test_fingerprint
// of its name; runtime/src/schedule.hpp), or 0 (unknown, an older token, or malformed).
std::uint32_t token_test(const std::string& token);
// Sets in `env` the settings a version 3 token says it was recorded with and a replay must
// use (the runtime refuses another): WEFT_SPURIOUS_WAKEUPS, WEFT_DETECT_RACES and
// WEFT_LOCK_ORDER; a variable the user set is left as it is.
void adopt_recorded_settings(Environment& env, const std::string& token);
std::uint32_t test_fingerprint(std::string_view name);
// The exploration a token is for: `name`, checked against the binary's list and against the
// token's fingerprint; with `name` empty, the one exploration whose name the token's
// fingerprint matches, or the binary's only one; throws UsageError otherwise.
std::string token_exploration(const Target& t, const Environment& base, const std::string& dir,
                              const std::string& name, const std::string& token);

// Re-runs one schedule and prints its report; returns the exit code.
int run_replay(const ReplayConfig& cfg, std::ostream& out, std::ostream& err);

// Converts a runtime trace (weft.trace/1) to Chrome trace JSON and/or HTML; returns 0.
int run_trace_export(const std::string& events_path, const std::string& chrome_path,
                     const std::string& html_path, const std::string& title, std::ostream& out);

// How the printed commands call weft: "weft", or the path it was run by (set by main, so
// `build/release/tools/weft explore` prints replay commands that work as they are).
std::string& weft_command();

// The command line that replays `token` of exploration `name`.
std::string replay_command(const Target& t, const std::string& name, const std::string& token);

}  // namespace weft::cli
