// What a `weft explore` run found, as data: per exploration, the iterations covered (as
// half-open ranges, so shards and workers can be checked for overlap and gaps) and the
// findings, each with the seed, iteration and token that reproduce it. Serialised as JSON
// with schema "weft.run/1" (tools/PROTOCOL.md); `weft report` reads it back, merges shards,
// and also accepts a single weft::explore result ("weft.explore/1", WEFT_REPORT).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace weft::cli {

// Exit codes of every command.
constexpr int kExitClean = 0;     // no finding
constexpr int kExitFindings = 1;  // at least one finding
constexpr int kExitUsage = 2;     // bad usage, or an environment error (nothing trustworthy ran)

// A source location a report names (a frame of weft.explore/1's failure fields).
struct SourceLocation {
  std::string file;
  std::uint64_t line = 0;
  std::uint64_t column = 0;
  std::string function;
};

struct Finding {
  std::string kind;  // a weft failure kind ("deadlock", "data race", ...), "crash", "hang",
                     // or "test failure" (the binary failed outside weft's reports)
  std::optional<std::uint64_t> iteration;  // 0-based, when known
  std::uint64_t seed = 0;
  std::string strategy;
  std::string token;   // replay token; empty when the failure has none
  std::string report;  // the runtime's report text
  // The failure as data (weft::Failure, through the worker's JSON): its first line, the
  // locations that identify it (where it happened first), and the rest of its fields
  // ("goroutines", "goroutines_omitted", "accesses", "cycle") as the worker wrote them.
  // Empty for findings that have no such data (a worker that died outside an iteration,
  // a test failure, reports of an older weft).
  std::string message;
  std::vector<SourceLocation> locations;
  nlohmann::json details = nlohmann::json::object();
  std::string ended;   // how the worker ended when that is part of the finding ("signal ...")
  std::string replay;  // the command that replays it
  std::string trace;   // the HTML timeline of its schedule (weft explore --trace-dir)
  // With --expect (expect.hpp): whether this finding is one the expectations list.
  std::optional<bool> expected;
};

// Iterations [first, end).
struct Range {
  std::uint64_t first = 0;
  std::uint64_t end = 0;
  bool operator==(const Range&) const = default;
};

// Adds `r` to the sorted, disjoint, merged `ranges`; returns how many of its iterations
// were already there (0 when the ranges do not overlap).
std::uint64_t add_range(std::vector<Range>& ranges, Range r);
std::uint64_t range_total(const std::vector<Range>& ranges);
struct ExplorationResult;
// The iterations an exploration ran: its covered ranges, or the schedules of its search.
std::uint64_t iterations_run(const ExplorationResult& e);
// The parts of [first, end) not in `ranges`.
std::vector<Range> gaps(const std::vector<Range>& ranges, Range whole);

// Shard k of n of [0, total): contiguous, and the n shards partition [0, total).
Range shard_slice(std::uint64_t total, std::uint64_t k, std::uint64_t n);

struct ExplorationResult {
  std::string name;
  std::vector<Range> covered;
  // With dfs: the schedules run, which are parts of a search tree rather than iteration
  // ranges (covered stays empty).
  std::uint64_t searched = 0;
  std::uint64_t steps = 0;
  std::vector<Finding> findings;
  std::vector<std::string> notes;
  // With --expect: the kinds listed for this exploration (empty: it must find nothing), and
  // whether none of them was found (judged only over every shard's iterations).
  std::set<std::string> expected_kinds{};
  bool missing = false;
};

struct RunResult {
  std::string binary;
  std::vector<std::string> args;
  std::string protocol;
  std::string strategy = "random";
  std::uint64_t seed = 1;
  std::uint64_t iterations = 0;  // per exploration, over all shards
  std::vector<Range> shards;     // the shard slices this result holds (merged)
  std::uint64_t shard_count = 1;
  bool budget_exhausted = false;
  double seconds = 0;
  std::vector<ExplorationResult> explorations;
  std::vector<std::string> errors;  // environment errors (exit 2)
  // With --expect: the file, and whether missing findings could be judged (every shard's
  // iterations are in this result). Then exit_code() is 1 only for a new or missing finding.
  std::string expect_file;
  bool missing_judged = false;

  std::size_t finding_count() const;
  std::size_t new_finding_count() const;  // with --expect: findings not expected
  std::size_t missing_count() const;      // with --expect: explorations whose bug was not found
  int exit_code() const;
};

nlohmann::ordered_json to_json(const RunResult& r);
// The failure fields of a weft.explore/1 (or weft.run/1) failure object into `f`: message,
// locations and details. Frames that are not objects with "file" and "line" are skipped.
void read_failure_fields(const nlohmann::json& failure, Finding& f);
// The locations that identify a finding: its own, or (no data) those its text names.
std::vector<SourceLocation> finding_locations(const Finding& f);

// Reads weft.run/1 or weft.explore/1 (the latter becomes one exploration named `name`).
// Throws UsageError naming `source` and the problem.
RunResult from_json(const nlohmann::json& j, const std::string& source, const std::string& name);
// Merges results of the same run (same binary, strategy, seed, iterations), such as the
// shards of a CI matrix: explorations by name, ranges united, findings concatenated.
// Overlapping coverage is recorded as a note. Throws UsageError on results that differ.
RunResult merge(const std::vector<RunResult>& parts);

}  // namespace weft::cli
