// lock_order_steer.hpp — the lock_order = warn mode (ExploreOptions::lock_order): a
// lock-order inversion does not fail the iteration; the explorer tries to close the cycle
// into a real deadlock and, if no schedule did, warns.
//
// How it steers: a cycle A→B (taken at "a1" then "b1") and B→A ("b2" then "a2") deadlocks
// when both goroutines hold their first lock at once. So in every other iteration (the odd
// ones; the even ones are the strategy's own) a goroutine that takes a lock at the site
// where some known cycle's edge took its first lock is *paused*: while it holds that lock,
// the scheduler runs other goroutines whenever one is runnable. The strategy still chooses;
// a choice of a paused goroutine is moved to the next runnable one (by id) that is not
// paused, and such a choice is not reported as one of the strategy's random draws. The
// schedule records the goroutine that ran, so a deadlock found this way replays without the
// steering. Not used with dfs (its search tree is the strategy's own bookkeeping) or replay.
//
// Invariants: cycles are kept once each (failure_key); `paused_` holds only goroutines of the
// current iteration and is emptied by begin_iteration.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "strategy.hpp"
#include "weft/events.hpp"
#include "weft/explore.hpp"

namespace weft::detail {

class LockOrderSteer final : public Strategy, public EventSink {
 public:
  // `may_steer` false: only collect cycles (dfs, replay).
  LockOrderSteer(Strategy& inner, bool may_steer) : inner_(inner), may_steer_(may_steer) {}

  // The race detector found this cycle (a lock_order failure) in the running iteration.
  void cycle_found(Failure f);
  // The cycles no failure in `closers` closed (a deadlock whose blocked goroutines wait at
  // every acquisition the cycle names), as warnings.
  std::vector<Failure> unclosed(const std::vector<const Failure*>& closers) const;

  // Strategy: forwards to `inner`, moving picks off paused goroutines.
  bool begin_iteration(std::uint64_t i) override;
  std::size_t pick_goroutine(const RunQueue& runnable, const G* current) override;
  std::size_t pick_value(std::size_t n) override { return inner_.pick_value(n); }
  void on_spawn(const G& g) override { inner_.on_spawn(g); }
  void on_poll(const G& g) override { inner_.on_poll(g); }
  void on_exit(const G& g) override { inner_.on_exit(g); }
  void end_iteration(std::uint64_t steps) override { inner_.end_iteration(steps); }
  std::string divergence() const override { return inner_.divergence(); }
  bool exhausted() const override { return inner_.exhausted(); }
  bool counts_last_iteration() const override { return inner_.counts_last_iteration(); }
  const char* member_name() const override { return inner_.member_name(); }
  bool last_drawn(std::uint64_t& seed, std::uint64_t& index) const override {
    return !moved_ && inner_.last_drawn(seed, index);
  }

  // EventSink: who holds a cycle's first lock.
  void lock_acquired(GoId g, const void* mutex, bool exclusive, const Location& where) override;
  void lock_released(GoId g, const void* mutex) override;
  void go_end(GoId g) override;

 private:
  Strategy& inner_;
  const bool may_steer_;
  std::vector<Failure> cycles_;
  std::set<std::string> keys_;                           // failure_key of cycles_
  std::set<std::pair<std::string, std::uint32_t>> first_sites_;  // (file, line)
  bool steering_ = false;                                // this iteration steers
  std::vector<std::pair<GoId, const void*>> paused_;     // goroutine, the lock it took
  bool moved_ = false;                                   // the last pick was moved
};

}  // namespace weft::detail
