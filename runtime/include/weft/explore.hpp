// weft/explore.hpp — running a body under the controlled scheduler, many times.
//
//   weft::ExploreOptions opt;
//   opt.iterations = 1000;
//   auto result = weft::explore([] {
//     auto c = weft::make_chan<int>();
//     weft::go([c] { c.send(1); });
//     weft::check(c.recv() == 1, "got the value");
//   }, opt);
//   if (!result.ok()) std::cerr << result;   // the failure, seed, iteration, replay token
//
// Each iteration runs `body` as the main goroutine on one OS thread, one goroutine at a
// time; at every visible operation a Strategy picks the goroutine that runs next. Time is
// virtual. The run stops at the first failure (unless keep_going). The environment
// overrides the options: WEFT_SEED, WEFT_FIRST_ITERATION, WEFT_ITERATIONS, WEFT_TIME_BUDGET,
// WEFT_STRATEGY (random|pct[:depth]|pos|dfs[:preemption bound]|portfolio|replay:<token>),
// WEFT_KEEP_GOING (0|1), WEFT_REPLAY=<token>, WEFT_EXPLORATION (the name in tokens),
// WEFT_MAX_STEPS, WEFT_COMPACT_STACKS (goroutines alive from which blocked stacks are
// compacted; 0 = never), WEFT_DETECT_RACES (0|1), WEFT_GUARD_MAIN_STACK (0|1), WEFT_SUPPRESS (comma-separated suppressions),
// WEFT_REPORT (write the result as JSON to this path), WEFT_HANG_TIMEOUT (10s, 500ms; 0 = off),
// WEFT_TRACE (on a replay: write every event to this path, runtime/src/trace.hpp),
// WEFT_CHECK_DETERMINISM (0|1), WEFT_MINIMIZE_REPLAYS (replays to shrink a failure; 0 = off),
// WEFT_MINIMIZE=<token> (replay that token and shrink it if it fails: `weft minimize`).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <source_location>
#include <string>
#include <vector>

#include "weft/events.hpp"
#include "weft/failure.hpp"

namespace weft {

// How the next goroutine is chosen (README, "Strategies"): random walk; PCT (priorities with
// pct_depth - 1 change points); POS (partial order sampling: random priorities, refreshed
// for the goroutines whose pending operation conflicts with the one that ran); bounded
// exhaustive search (depth first, at most dfs_preemption_bound preemptions, stops when
// every such schedule ran); URW and SURW (uniform random walks over interleavings: each
// goroutine weighted by its estimated remaining events, learned from the earlier iterations
// by stable goroutine identity; SURW only where conflicting operations can be reordered);
// a portfolio rotating over these by iteration (the default: in bench/strategy_bench it is
// the one strategy that finds every kernel); replay of a token.
// `mutate`: a grey-box fuzzer over choice streams (mutates the schedules that reached new
// coverage: new pairs of conflicting operations in a row, blocking states, select outcomes).
enum class StrategyKind { random, pct, dfs, replay, pos, portfolio, surw, urw, mutate };

// What a lock-order inversion (a cycle in the lock graph that no gate lock or happens-before
// rules out) does: `fail` the iteration at the acquisition that closed the cycle, or `warn`:
// keep running, steer later schedules to interleave the cycle's acquisitions, report the
// deadlock if one is reached, and otherwise list the cycle in ExploreResult::warnings.
enum class LockOrderMode { fail, warn };

struct ExploreOptions {
  StrategyKind strategy = StrategyKind::portfolio;
  std::uint64_t seed = 1;
  std::uint64_t iterations = 1000;
  // The index of the first iteration: iteration i's schedule depends only on (seed, i), so
  // runs over [first_iteration, first_iteration + iterations) split one seed's iterations
  // between processes or machines with no overlap and no gap (the weft CLI's --jobs, --shard).
  std::uint64_t first_iteration = 0;
  // Scheduling steps allowed in one iteration before it is reported as a livelock.
  std::uint64_t max_steps = 100'000;
  // Stop exploring (without failure) once this much real time has passed; 0 = no budget.
  std::chrono::milliseconds time_budget{0};
  // Real time the running goroutine may go without a visible operation before the
  // watchdog reports a hang and ends the process (exit status 124); 0 = no watchdog.
  std::chrono::milliseconds hang_timeout{10'000};
  // The replay token to run (strategy replay); WEFT_REPLAY sets both.
  std::string replay;
  // The exploration's name (a test's Suite.Name), kept as a 32-bit hash in the fingerprint
  // of every token it records: replaying a token under another name is refused, naming both,
  // instead of running some other schedule. WEFT_EXPLORATION sets it (the weft CLI sets that
  // to the exploration it runs); weft::gtest fills it in with the running test's name. Empty:
  // tokens name no test; they keep the explore() call instead (its file and function), and
  // a replay at another call is refused.
  std::string name;
  // PCT: the bug depth d (number of priority change points + 1), 1 or more.
  unsigned pct_depth = 3;
  // DFS: the most preemptions in one schedule; the search stops (and says so) when every
  // schedule within the bound has run, possibly before `iterations`.
  unsigned dfs_preemption_bound = 2;
  // DFS split across processes (WEFT_DFS_SHARD=K/N; the weft CLI's --shard and GoogleTest's
  // sharding set it): shard K of N explores only the schedules whose first choices hash to
  // K, so the N shards together run every schedule of the search exactly once. Each shard
  // also re-runs the few schedules it needs to discover those first choices; they are not
  // counted, checked or reported by it.
  std::uint64_t dfs_shard = 0;
  std::uint64_t dfs_shards = 1;
  // Keep exploring after a failure until `iterations`; each distinct failure (kind and
  // source locations) is reported once, in `ExploreResult::findings`. With WEFT_REPORT (and
  // use_environment), each new one is also written there the moment it is found (the result
  // so far, "partial": true), so that a process killed later still leaves it.
  bool keep_going = false;
  // Usable goroutine stack size in bytes (rounded up to whole pages; a guard page is added).
  // Reserved, not committed: only the pages a goroutine touches cost memory.
  std::size_t stack_size = 0;  // 0: 256 KiB, or 1 MiB under AddressSanitizer
  // Once this many goroutines are alive, a goroutine that blocks gives its stack pages back
  // to the system: the bytes it uses go to a heap copy and come back to the same addresses
  // before it runs again. 0: never. Needs Linux 6.13+ (guard markers); off under
  // AddressSanitizer and in an explore() nested in another.
  std::size_t compact_stacks_from = 10'000;
  // Goroutines still blocked when main returns are reported as a leak.
  bool report_leaks = true;
  // While the others finish after main returned, make main's stack inaccessible, so a
  // goroutine that still reaches main's (destroyed) locals through a reference stops the
  // program with an explanation. Costs two mprotect calls per iteration.
  bool guard_main_stack = false;
  // Run the happens-before race detector (data races, lock-order inversions). It adds no
  // scheduling point, but what a schedule reports depends on it: tokens record it, and a
  // replay with the other setting is refused, saying which to use.
  bool detect_races = true;
  // Lock-order inversions: fail at once, or try to close the cycle and warn if no schedule
  // did (WEFT_LOCK_ORDER=fail|warn). Recorded in tokens (with the detector) as detect_races.
  LockOrderMode lock_order = LockOrderMode::fail;
  // Make every recorded memory access (instrumented code, Shared, race::*) a scheduling
  // point, so interleavings at the granularity of plain memory are explored.
  bool schedule_accesses = true;
  // Race reports whose accesses (or lock acquisitions) match one of these are ignored: a
  // function name ("kv::Cache::get" or "get"; matched at a "::" boundary), a path suffix
  // matched at a '/' boundary ("src/cache.cpp", "cache.cpp") or "file:line". Never a bare
  // substring; a malformed entry is a configuration failure.
  std::vector<std::string> race_suppressions;
  // Before a failure is reported, replay its schedule once; if the replay does not fail the
  // same way (kind and source locations), the result says so (ExploreResult::check): the
  // program depends on something weft does not control. Failures only: no cost otherwise.
  bool check_determinism = true;
  // Then shrink the failing schedule (fewer preemptions, fewer steps), re-running at most
  // this many candidate schedules; the result's token and report are the shrunk ones.
  // 0 = report the schedule as found.
  unsigned minimize_replays = 50;
  // With strategy replay: check and shrink the replayed schedule too if it fails (what
  // `weft minimize` asks for through WEFT_MINIMIZE=<token>); otherwise a replay is reported
  // as it ran.
  bool minimize_replayed = false;
  // Apply WEFT_* environment variables on top of these options (and write WEFT_REPORT,
  // take WEFT_PROGRESS and WEFT_REPLAY's name from the environment).
  bool use_environment = true;
  // Set by a caller that applied the WEFT_* variables itself (apply_environment; weft::gtest's
  // sharding slices the iterations after that): explore() does not apply them again, and does
  // the rest use_environment asks for.
  bool environment_applied = false;
  // Observers of every event (tests use a recorder); not owned.
  std::vector<EventSink*> sinks;
};

// What weft did with a failing schedule before reporting it (README, "Shrinking").
struct ScheduleCheck {
  // The schedule was replayed once to check that it fails the same way.
  bool replayed = false;
  // Empty when the replay reproduced the failure; otherwise why not and where the runs
  // parted (the choice, the goroutines that could run there in each run).
  std::string nondeterminism;
  // Shrinking: the replays it ran (with the final check of the shrunk token), and the
  // failing schedule's size before and after. shrunk is false when nothing smaller failed
  // the same way (then before == after) or shrinking was off.
  bool shrunk = false;
  unsigned replays = 0;
  std::uint64_t preemptions_before = 0, preemptions_after = 0;
  std::uint64_t steps_before = 0, steps_after = 0;
  std::string original_token;  // the schedule as found, when shrunk
  bool deterministic() const noexcept { return nondeterminism.empty(); }
};

// Marked [[nodiscard]]: an exploration whose result is dropped reports nothing, so a
// `weft::explore(body);` that found a deadlock would pass silently.
struct [[nodiscard]] ExploreResult {
  std::optional<Failure> failure;
  StrategyKind strategy = StrategyKind::random;
  std::uint64_t seed = 0;
  std::uint64_t iteration = 0;     // the failing iteration (0-based), if any
  std::uint64_t iterations = 0;    // iterations run
  std::uint64_t steps = 0;         // scheduling steps over all iterations
  std::uint64_t decisions = 0;     // steps where the strategy had more than one choice
  std::string token;               // replay token of the failing schedule, if any
  bool budget_exhausted = false;   // stopped by time_budget
  // Exhaustive search (dfs) ran every schedule within its preemption bound.
  bool exhausted = false;
  unsigned preemption_bound = 0;   // dfs: the bound searched
  // Statistics of the whole exploration (the nondeterminism check's and the shrinker's
  // replays are not counted in them).
  std::uint64_t distinct_schedules = 0;  // iterations with a choice sequence not seen before
  std::size_t peak_goroutines = 0;       // the most goroutines alive at once in an iteration
  double seconds = 0;                    // real time explore() took
  double decisions_per_second() const noexcept { return seconds > 0 ? decisions / seconds : 0; }
  // Per strategy (the portfolio's members by name, e.g. "pct:3"; else the one strategy):
  // iterations it ran and how many of them failed.
  struct StrategyStats {
    std::string name;
    std::uint64_t iterations = 0;
    std::uint64_t failures = 0;
  };
  std::vector<StrategyStats> per_strategy;
  // The nondeterminism check and shrinking of `failure`.
  ScheduleCheck check;
  // With keep_going: every distinct failure found, the first one also in `failure`.
  struct Finding {
    Failure failure;
    std::uint64_t iteration = 0;
    std::string token;
    std::uint64_t count = 0;  // iterations that failed this way
    ScheduleCheck check;
  };
  std::vector<Finding> findings;
  // lock_order = warn: the lock-order inversions that no explored schedule closed into a
  // deadlock (kind lock_order; they do not make the result fail).
  std::vector<Failure> warnings;

  bool ok() const noexcept { return !failure.has_value(); }
  // The failure report with how to reproduce it, or a one-line summary when ok; then the
  // warnings.
  std::string to_string() const;
  // "stats: 1000 iterations, 987 distinct schedules, ..." (deterministic: no times).
  std::string stats_line() const;
  // The result as JSON (see README, "Report formats"); its "stats" object holds the
  // statistics, with the only fields that vary between runs of one seed: seconds and
  // decisions_per_second.
  std::string to_json() const;
};
std::ostream& operator<<(std::ostream& os, const ExploreResult& r);

// Explores `body`. Must not be called from inside a goroutine.
// A malformed option or WEFT_* variable is returned as a failure of kind `configuration`
// whose report names it (no exception). Throws std::logic_error only when called from a
// goroutine.
// `where` is left to its default, the call: an exploration with no name keeps a fingerprint
// of it (its file's name and its function, not the line) in its tokens, and a token replayed
// at another explore() call is refused, naming both, instead of running as some other
// program's schedule. A wrapper that explores for its callers may pass its own caller's.
[[nodiscard]] ExploreResult explore(std::function<void()> body, ExploreOptions options = {},
                                    std::source_location where = std::source_location::current());

// Applies the WEFT_* environment variables to `options`; throws std::invalid_argument with
// a message naming the variable on a malformed value (explore() turns that into a
// `configuration` failure).
void apply_environment(ExploreOptions& options);

}  // namespace weft
