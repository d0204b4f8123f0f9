// What weft does with a failing schedule before it reports it: replays it once to check
// that it reproduces (the nondeterminism check), then shrinks it (README, "Shrinking").
//
// A failing schedule found by a random strategy is full of preemptions that have nothing to
// do with the bug. The shrinker describes a schedule by its *deviations* from a default
// rule — at every choice, let the goroutine that reached it go on if it can, else run the
// runnable goroutine with the lowest id; take option 0 of a select or a timer order — and
// keys each deviation not by its position in the choice stream but by the point the running
// goroutine had reached (its id and its count of visible operations: TracedChoice).
// Dropping one deviation then leaves the others at the same points of their goroutines' progress, so a candidate stays
// meaningful although the choice stream around it changed. A candidate runs leniently: a
// deviation whose key is never reached is skipped, and so is one whose goroutine is not
// runnable there, except that a preemption still preempts, to the lowest id that can run
// (what often matters is that the running goroutine stops there, and the goroutine the
// preemption favoured may not exist yet in the candidate). A candidate is kept only if it
// fails the same way (kind and source locations) with fewer preemptions, or as many and
// fewer deviations, or as many and fewer steps. The run
// records its choices as plain indices, so the kept candidate's token is an exact, strict
// one; it is replayed strictly once more before it replaces the original.
//
// Invariants: every candidate costs one replay and the replays never exceed the budget;
// the reported token is either the original or one that replayed strictly to a failure
// with the same kind and report.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "controlled.hpp"
#include "strategy.hpp"

namespace weft::detail {

// The same failure: the kind and the set of source locations its report names (goroutine
// ids, steps and values may differ). Keep-going deduplicates findings by it too.
std::string failure_key(const Failure& f);

// One choice of a traced run.
struct TracedChoice {
  bool value = false;        // a select case or a timer order, not a goroutine
  std::uint32_t n = 0;       // options
  // Where the choice fell in the program, however the other goroutines were scheduled: the
  // goroutine that reached it (or that ran last, when it blocked or ended), its visible
  // operations then (G::ops; when it ran last, as it was picked), and how many choices
  // came before this one at that same (running, ops). The three are unique in a run.
  GoId running = 0;
  std::uint64_t ops = 0;
  std::uint32_t sub = 0;
  GoId current = 0;          // the goroutine that could go on (0: none; picking another preempts)
  std::uint32_t chosen = 0;  // the option taken
  GoId chosen_id = 0;        // goroutine choices: the goroutine picked
  std::size_t first = 0;     // goroutine choices: its runnable set in Trace::runnable
  std::uint32_t stored = 0;  // how many of the n runnable goroutines are kept there (at most
                             // kTracedRunnable: a trace stays linear in the choices made, also
                             // with thousands of runnable goroutines)
};

inline constexpr std::uint32_t kTracedRunnable = 32;

struct RunnableAt {
  GoId id;
  Location where;  // its pending operation
};

struct Trace {
  std::vector<TracedChoice> choices;
  std::vector<RunnableAt> runnable;
  std::uint64_t preemptions() const noexcept;
  // "goroutine 1 at a.cpp:12, goroutine 2 at b.cpp:30 could run; 2 ran" for choice k.
  std::string describe(std::size_t k) const;
};

// One iteration of the program under `strategy` (explore() supplies it: same options, the
// race detector, no user sinks).
using RunIteration = std::function<IterationOutcome(Strategy&)>;

struct ShrinkSettings {
  bool check_determinism = true;
  unsigned max_replays = 50;
};

// `failure` and `token` came from one iteration. Replays the token (check.replayed) and
// fills check.nondeterminism if it does not fail the same way; else shrinks within the
// budget and, when something smaller replays to the same failure, replaces `failure` and
// `token` with it (check.shrunk, the sizes before and after).
void check_and_shrink(const RunIteration& run, Failure& failure, std::string& token,
                      ScheduleCheck& check, const ShrinkSettings& settings);

}  // namespace weft::detail
