// Strategies: who decides, at each scheduling point, which goroutine runs next and which
// nondeterministic value (a select case, the order of simultaneous timers) is taken.
//
// The controlled scheduler calls a strategy only where there is a real choice (n >= 2);
// each answer is appended to the schedule, which serialises to the replay token. So a
// strategy must be a pure function of its seed and of what it was told so far (choices,
// spawns, polls, the runnable goroutines and their pending operations): nothing may depend
// on addresses, hash order, real time or threads. Addresses appear in pending operations
// only to be compared for equality within one iteration.
//
// One file per strategy (strategy_random.cpp, _replay, _pct, _pos, _surw, _mutate, _dfs,
// _portfolio); the
// name table and make_strategy() are in strategy_registry.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "goroutine.hpp"
#include "run_queue.hpp"
#include "schedule.hpp"
#include "weft/explore.hpp"

namespace weft::detail {

// Each strategy's name as WEFT_STRATEGY spells it, and the name of its parameter (the part
// after ':'), or nullptr when it takes none.
struct StrategyName {
  StrategyKind kind;
  const char* name;
  const char* parameter;
};
inline constexpr StrategyName kStrategyNames[] = {
    {StrategyKind::random, "random", nullptr},
    {StrategyKind::pct, "pct", "depth"},
    {StrategyKind::pos, "pos", nullptr},
    {StrategyKind::surw, "surw", nullptr},
    {StrategyKind::urw, "urw", nullptr},
    {StrategyKind::mutate, "mutate", nullptr},
    {StrategyKind::dfs, "dfs", "preemption bound"},
    {StrategyKind::portfolio, "portfolio", nullptr},
    {StrategyKind::replay, "replay", "token"},
};

// The strategy's name in reports ("random", ...); a literal, safe in a signal handler.
constexpr const char* strategy_text(StrategyKind k) noexcept {
  for (const StrategyName& n : kStrategyNames)
    if (n.kind == k) return n.name;
  return "?";
}

// Applies a strategy spec ("random", "pct", "pct:3", "pos", "dfs:2", "portfolio",
// "replay:<token>") to `o` (strategy, pct_depth, dfs_preemption_bound, replay). Throws
// std::invalid_argument naming `source` and what is wrong.
void apply_strategy_spec(std::string_view spec, ExploreOptions& o, const char* source);

// Whether two pending operations may not commute: the same channel (or a select, against
// any channel operation), the same mutex, the same address with at least one write. A
// goroutine with no known pending operation conflicts with nothing.
bool conflicts(OpKind a, const void* a_obj, OpKind b, const void* b_obj) noexcept;

class Strategy {
 public:
  virtual ~Strategy() = default;
  // Prepares iteration `i`; false when there is nothing more to explore.
  virtual bool begin_iteration(std::uint64_t i) = 0;
  // Picks one of `runnable` (size >= 2, ordered by goroutine id; each G's `pending` and
  // `last_op` describe the operation it performs if picked) by its index. `current` is the
  // goroutine that reached the scheduling point if it can continue (it is then among
  // `runnable`), else nullptr; picking another one then is a preemption.
  virtual std::size_t pick_goroutine(const RunQueue& runnable, const G* current) = 0;
  // Picks a value in [0, n), n >= 2.
  virtual std::size_t pick_value(std::size_t n) = 0;
  // A goroutine was created (PCT assigns priorities here).
  virtual void on_spawn(const G& /*g*/) {}
  // `g` polled: it yielded, took a select's default, or a try_lock / try_recv failed; it
  // may spin until another goroutine acts, so a priority strategy should let others run.
  virtual void on_poll(const G& /*g*/) {}
  // The strategy's own index of the runnable goroutines, told of every goroutine queued and
  // taken during an iteration (the scheduler attaches it after begin_iteration), so a
  // decision need not scan them all; nullptr when the strategy keeps none.
  virtual RunQueueWatcher* watcher() { return nullptr; }
  // `g`'s function returned, threw, or was unwound by teardown; g.ops is its final count.
  virtual void on_exit(const G& /*g*/) {}
  // The iteration ended after `steps` scheduling steps.
  virtual void end_iteration(std::uint64_t /*steps*/) {}
  // Why a replay stopped matching the program, if it did.
  virtual std::string divergence() const { return {}; }
  // Whether the iteration that just ended is one of this strategy's schedules; false for a
  // sharded dfs's run of another shard's schedule, which it needed only to find its own
  // (explore() then neither counts, checks nor reports it).
  virtual bool counts_last_iteration() const { return true; }
  // After begin_iteration returned false: true if that is because every schedule in the
  // strategy's space was run (exhaustive search), not because it gave up.
  virtual bool exhausted() const { return false; }
  // The portfolio: the name of the member running this iteration ("pct:3"); others nullptr.
  virtual const char* member_name() const { return nullptr; }
  // The strategy that answers this iteration's calls from the scheduler (pick_goroutine,
  // pick_value, on_spawn, on_poll, on_exit, watcher, last_drawn, divergence): itself, or one
  // to which this one forwards each of them unchanged (the portfolio's running member).
  // Asked after begin_iteration; the controlled scheduler then calls it directly, without a
  // second virtual call per decision.
  virtual Strategy& deciding() { return *this; }
  // Whether the choice just made was draw number `index` of Rng(seed), reduced to the
  // options as Rng::below does; the schedule then records it in a few bytes (schedule.hpp).
  virtual bool last_drawn(std::uint64_t& /*seed*/, std::uint64_t& /*index*/) const {
    return false;
  }
};

// The strategy `o` names (after apply_strategy_spec / validation). Throws
// std::invalid_argument for a replay token that does not decode.
std::unique_ptr<Strategy> make_strategy(const ExploreOptions& o);

std::unique_ptr<Strategy> make_random_strategy(std::uint64_t seed);
std::unique_ptr<Strategy> make_replay_strategy(ScheduleTape tape);
std::unique_ptr<Strategy> make_pct_strategy(std::uint64_t seed, unsigned depth);
std::unique_ptr<Strategy> make_pos_strategy(std::uint64_t seed);
// URW (selective = false) or SURW (selective = true): strategy_surw.cpp.
std::unique_ptr<Strategy> make_surw_strategy(std::uint64_t seed, bool selective);
std::unique_ptr<Strategy> make_mutate_strategy(std::uint64_t seed);
// Shard `shard` of `shards` of the search (ExploreOptions::dfs_shard, strategy_dfs.cpp).
std::unique_ptr<Strategy> make_dfs_strategy(unsigned preemption_bound, std::uint64_t shard = 0,
                                            std::uint64_t shards = 1);
std::unique_ptr<Strategy> make_portfolio_strategy(std::uint64_t seed);

}  // namespace weft::detail
