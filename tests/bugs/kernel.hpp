// The bug-kernel corpus (tests/bugs/): small programs, each reproducing one class of
// concurrency bug seen in real Go and C++ systems, each beside its fixed twin. Written for
// weft; none is a port of a public benchmark suite.
//
// Each kernel states its class and its depth: the number of ordering constraints between
// goroutines the failing schedule must meet (PCT's d). Depth 1: one goroutine must reach a
// point before another does (most schedules or a coin flip); depth 0: every schedule fails
// once the path is taken. A "deep" kernel needs one goroutine to run many steps before
// another is scheduled at all, which a uniform random walk almost never does.
//
// Invariants of every kernel:
//   - it is a function run as the main goroutine of weft::explore, deterministic given the
//     schedule (no real time, no addresses, no unseeded randomness);
//   - goroutines that may outlive main (leaks) capture only handles and shared_ptrs, never
//     main's locals;
//   - the fixed twin has the same shape and goroutines, and no failure in any schedule.
// (A guard held across Cond::wait is fine: SyncCond.GuardAroundWaitInADeadlockedIteration...
// checks that teardown's unwinding through it reports the deadlock.)
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "weft/explore.hpp"

namespace weft_bugs {

// Classes, after the public studies of Go concurrency bugs: blocking bugs (resource
// deadlock on locks, communication deadlock on channels, mixed) and non-blocking ones
// (traditional atomicity/order violations and data races, and misuse of Go's primitives).
inline constexpr std::string_view kResourceDeadlock = "resource deadlock";
inline constexpr std::string_view kCommunicationDeadlock = "communication deadlock";
inline constexpr std::string_view kMixedDeadlock = "mixed deadlock";
inline constexpr std::string_view kLeak = "goroutine leak";
inline constexpr std::string_view kAtomicity = "atomicity violation";
inline constexpr std::string_view kOrder = "order violation";
inline constexpr std::string_view kDataRace = "data race";
inline constexpr std::string_view kChannelMisuse = "channel misuse";
inline constexpr std::string_view kSyncMisuse = "sync misuse";  // WaitGroup, Once, Cond, Mutex
inline constexpr std::string_view kContextMisuse = "context misuse";
inline constexpr std::string_view kTimerMisuse = "timer misuse";
inline constexpr std::string_view kSelectMisuse = "select misuse";
inline constexpr std::string_view kDeepOrder = "deep ordering";

struct Kernel {
  std::string_view name;
  std::string_view bug_class;
  unsigned depth;
  void (*buggy)();
  void (*fixed)();
  // What exploring the buggy kernel reports, with the race detector on or off as `races`
  // says (off where the bug itself — the assertion or deadlock — is what must be found).
  weft::FailureKind expect;
  bool races;
  bool deep = false;            // needs a long prefix of one goroutine (see above)
  std::uint64_t max_steps = 0;  // the step limit for a livelock kernel; 0: the default
  // A second kind the same bug may show as first, in some schedules.
  std::optional<weft::FailureKind> also = std::nullopt;

  bool expected(weft::FailureKind k) const { return k == expect || (also && k == *also); }
};

// Every kernel, in a stable order (names unique).
const std::vector<Kernel>& kernels();

// The kernel of that name, or nullptr.
const Kernel* find_kernel(std::string_view name);

// The options a kernel is explored with: `races` for the buggy kernel, the race detector
// always on for the fixed twin (so a fix must also be race-free), the environment ignored.
weft::ExploreOptions options_for(const Kernel& k, bool fixed);

// The parts of the registry, one per file.
void add_channel_kernels(std::vector<Kernel>& out);
void add_lock_kernels(std::vector<Kernel>& out);
void add_sync_kernels(std::vector<Kernel>& out);
void add_atomicity_kernels(std::vector<Kernel>& out);
void add_context_time_kernels(std::vector<Kernel>& out);
void add_deep_kernels(std::vector<Kernel>& out);

}  // namespace weft_bugs
