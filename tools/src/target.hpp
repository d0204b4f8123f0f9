// The test binary the CLI drives, and the protocol it speaks (tools/PROTOCOL.md):
//  - gtest: a GoogleTest binary. Listing is `--gtest_list_tests`; exploration NAME
//    (Suite.Test) runs with `--gtest_filter=NAME`.
//  - weft:  any other program (weft-examples). Listing is `--list` (one exploration per
//    line, its name first, then optional text); NAME runs with `--only NAME`.
// Either way the exploration reads the WEFT_* variables the CLI sets (worker_environment)
// and writes its result to WEFT_REPORT, as weft::explore does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "process.hpp"

namespace weft::cli {

// The most of one unit a WEFT_* duration takes (WEFT_TIME_BUDGET=1000000000ms, ...:
// runtime/src/watchdog.cpp); so the longest --time-budget is 10^9 minutes.
inline constexpr std::uint64_t kMaxUnits = 1'000'000'000;

// A duration as a worker's WEFT_TIME_BUDGET / WEFT_HANG_TIMEOUT takes it: in ms while that
// is at most 10^9 of them, then in seconds when whole, else in (whole) minutes.
std::string worker_duration(std::uint64_t ms);

enum class Protocol { gtest, weft };
const char* protocol_name(Protocol p) noexcept;

struct Target {
  std::string binary;             // resolved path
  std::vector<std::string> args;  // given after the binary
  Protocol protocol = Protocol::gtest;
};

// `protocol` is "auto", "gtest" or "weft"; auto picks gtest when the binary contains
// GoogleTest's --gtest_list_tests flag. Throws UsageError.
Target make_target(const std::vector<std::string>& command, const std::string& protocol);

struct Exploration {
  std::string name;
  std::string description;  // may be empty
};

// Parses the output of --gtest_list_tests / --list.
std::vector<Exploration> parse_gtest_list(const std::string& text);
std::vector<Exploration> parse_weft_list(const std::string& text);

// Runs the listing command; throws UsageError (with the binary's stderr) when it fails.
std::vector<Exploration> list_explorations(const Target& t, const Environment& env,
                                           const std::string& scratch_dir);

// argv that runs exploration `name` of `t`.
std::vector<std::string> exploration_argv(const Target& t, const std::string& name);

// What one worker is asked to do.
struct WorkerRequest {
  std::string strategy = "portfolio";
  std::uint64_t seed = 1;
  std::uint64_t first = 0;
  std::uint64_t count = 1;
  std::string exploration;  // its name (WEFT_EXPLORATION: the test named in its tokens)
  std::string replay;  // a token: replay instead of exploring
  bool minimize = false;  // with replay: shrink it if it fails (WEFT_MINIMIZE)
  std::optional<unsigned> minimize_replays;  // WEFT_MINIMIZE_REPLAYS
  std::string report_path;
  std::string trace_path;  // WEFT_TRACE, replay only
  std::optional<std::uint64_t> time_budget_ms;
  std::string dfs_shard;  // "K/N": this worker's part of a dfs search (WEFT_DFS_SHARD)
  std::string progress_path;  // WEFT_PROGRESS: an 8-byte file the worker maps (explore only)
};

// The variables the CLI owns are removed from `base` (a user's WEFT_SEED must not change
// what a worker explores; GTEST_TOTAL_SHARDS would make GoogleTest skip the test), then set
// from `req`. Other WEFT_* variables (WEFT_SUPPRESS, WEFT_MAX_STEPS, ...) pass through.
Environment worker_environment(const Environment& base, const WorkerRequest& req);

// The command line that re-runs iteration `iteration` of exploration `name` alone (strategy
// and seed in WEFT_* variables): for a finding whose worker died without writing its
// schedule, since the iteration's schedule depends only on them.
std::string rerun_command(const Target& t, const std::string& name, const std::string& strategy,
                          std::uint64_t seed, std::uint64_t iteration);

// A shell-quoted command line (for the replay hints the CLI prints).
std::string shell_quote(const std::string& s);
std::string command_line(const std::vector<std::string>& argv);

}  // namespace weft::cli
