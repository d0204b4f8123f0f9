// POS, partial order sampling (Yuan, Yang, Gu: "Partial Order Aware Concurrency Sampling",
// CAV 2018).
//
// Every goroutine's next operation carries a random priority; the runnable goroutine with
// the highest one runs. After it ran, its own next operation and every runnable
// goroutine's pending operation that conflicts with the one just executed (conflicts() in
// strategy.hpp: the same channel, mutex or address with a write) draw fresh priorities.
// Operations that commute keep their order of priority, so the many interleavings that
// only reorder independent operations are not sampled again and again: schedules are
// spread far more evenly over the partial orders than a random walk spreads them.
//
// Polls: a goroutine that polls (a yield, a select that took default, a failed try_lock,
// try_recv or compare-exchange) may spin until another goroutine acts. Its priority then
// drops below every goroutine that has not polled (drawn priorities have the top bit set)
// and below every earlier poller (a counter going down): on the first poll of a streak half
// the time, so a single yield is explored both ways, and on every poll that continues a
// streak (PollStreaks), so a spin lets the others run after two polls at most. Several
// spinners take turns, the one that polled longest ago first: a spinner that redrew a
// random low priority at each poll would, sooner or later, outrank one that waits with a
// low draw for as long as the step limit allows.
//
// Cost per decision, with n goroutines alive: the highest priority is kept in a tree
// (TopByKey, O(log n)); the runnable goroutines are indexed by pending object, so the
// conflicting ones are found without a scan. Where more than kRefreshMax runnable goroutines
// conflict with the operation (200,000 goroutines queued on one mutex), kRefreshMax of them
// draw fresh priorities, in turn, instead of all: O(kRefreshMax log n) a decision.
// Invariants: top_ holds the priority of each goroutine's pending operation; a queued
// goroutine is in the index under the kind and object its pending operation had when it was
// queued (a goroutine changes its pending operation only while it runs).
#include <algorithm>
#include <unordered_map>
#include <vector>

#include "dcheck.hpp"
#include "rng.hpp"
#include "strategy.hpp"
#include "strategy_top.hpp"

namespace weft::detail {

namespace {

constexpr std::size_t kRefreshMax = 64;
// Objects whose emptied IdSet is kept (no free and allocation each time a goroutine queues
// on it): beyond that many, an emptied one is freed (a program that touches millions of
// addresses).
constexpr std::size_t kKeptSets = 1024;
constexpr std::uint64_t kHighBand = std::uint64_t{1} << 63;

bool is_chan(OpKind k) {
  return k == OpKind::chan_send || k == OpKind::chan_recv || k == OpKind::chan_close ||
         k == OpKind::select;
}

// Goroutine ids in no particular order, with O(1) insert and erase (where_ tracks the
// position of each id) and a cursor that visits them in turn.
class IdSet {
 public:
  bool empty() const noexcept { return ids_.empty(); }
  std::size_t size() const noexcept { return ids_.size(); }
  void insert(GoId id, std::vector<std::uint32_t>& where) {
    if (where.size() <= id) where.resize(id + 1, 0);
    where[id] = static_cast<std::uint32_t>(ids_.size());
    ids_.push_back(id);
  }
  void erase(GoId id, std::vector<std::uint32_t>& where) noexcept {
    const std::uint32_t i = where[id];
    ids_[i] = ids_.back();
    where[ids_[i]] = i;
    ids_.pop_back();
  }
  // Makes an emptied set like a new one (the cursor at the start), keeping its memory.
  void restart() noexcept { cursor_ = 0; }
  // Up to `max` ids from the cursor on, moving the cursor past them.
  template <class F>
  void take_turns(std::size_t max, F&& f) {
    const std::size_t n = std::min(max, ids_.size());
    for (std::size_t j = 0; j < n; ++j) {
      if (cursor_ >= ids_.size()) cursor_ = 0;
      f(ids_[cursor_++]);
    }
  }
  template <class F>
  void for_each(F&& f) const {
    for (GoId id : ids_) f(id);
  }

 private:
  std::vector<GoId> ids_;
  std::size_t cursor_ = 0;
};

class PosStrategy final : public Strategy, public RunQueueWatcher {
 public:
  explicit PosStrategy(std::uint64_t seed) : seed_(seed) {}

  bool begin_iteration(std::uint64_t i) override {
    rng_.reseed(seed_ ^ mix64(i ^ 0x9051));
    top_.reset();
    streaks_.reset();
    poll_floor_ = kHighBand - 1;
    by_obj_.clear();
    chans_ = IdSet{};
    selects_ = IdSet{};
    kind_.clear();
    obj_.clear();
    return true;
  }

  void on_spawn(const G& g) override { refresh(g.id); }

  void on_poll(const G& g) override {
    if (streaks_.polled(g) >= 2 || rng_.below(2) == 0) top_.set_key(g.id, poll_floor_--);
  }

  RunQueueWatcher* watcher() override { return this; }

  std::size_t pick_goroutine(const RunQueue& runnable, const G*) override {
    const G* run = top_.top();
    WEFT_DCHECK(run != nullptr, "POS watches the run queue it picks from");
    refresh_conflicting(*run);
    refresh(run->id);
    return runnable.index_of(run);
  }

  std::size_t pick_value(std::size_t n) override { return rng_.below(n); }

  void queued(const G& g) override {
    top_.queued(g);
    if (kind_.size() <= g.id) kind_.resize(g.id + 1, OpKind::none), obj_.resize(g.id + 1, nullptr);
    kind_[g.id] = g.pending;
    obj_[g.id] = g.pending_obj;
    if (g.pending == OpKind::none) return;
    if (g.pending != OpKind::select && g.pending_obj) by_obj_[g.pending_obj].insert(g.id, at_obj_);
    if (is_chan(g.pending)) chans_.insert(g.id, at_chan_);
    if (g.pending == OpKind::select) selects_.insert(g.id, at_select_);
  }

  void dequeued(const G& g) noexcept override {
    top_.dequeued(g);
    if (g.id >= kind_.size()) return;
    const OpKind k = kind_[g.id];
    const void* obj = obj_[g.id];
    kind_[g.id] = OpKind::none;
    if (k == OpKind::none) return;
    if (k != OpKind::select && obj) {
      auto it = by_obj_.find(obj);
      it->second.erase(g.id, at_obj_);
      if (it->second.empty()) {  // kept for the object's next waiter, up to kKeptSets objects
        if (by_obj_.size() <= kKeptSets)
          it->second.restart();
        else
          by_obj_.erase(it);
      }
    }
    if (is_chan(k)) chans_.erase(g.id, at_chan_);
    if (k == OpKind::select) selects_.erase(g.id, at_select_);
  }

 private:
  void refresh(GoId id) { top_.set_key(id, rng_.next() | kHighBand); }

  // Fresh priorities for the runnable goroutines whose pending operation conflicts with
  // run's. With at most kRefreshMax of them, in id order (as a scan of the run queue
  // meets them); with more, kRefreshMax of them in turn.
  void refresh_conflicting(const G& run) {
    const OpKind k = run.pending;
    if (k == OpKind::none) return;
    IdSet* sets[2] = {nullptr, nullptr};
    if (k == OpKind::select) {
      sets[0] = &chans_;
    } else if (run.pending_obj) {
      if (auto it = by_obj_.find(run.pending_obj); it != by_obj_.end()) sets[0] = &it->second;
      if (is_chan(k)) sets[1] = &selects_;
    }
    auto conflicting = [&](GoId id) {
      return id != run.id && conflicts(kind_[id], obj_[id], k, run.pending_obj);
    };
    std::size_t total = 0;
    for (IdSet* s : sets)
      if (s) total += s->size();
    if (total == 0) return;  // a yield, or no one waits on the object
    if (total <= kRefreshMax + 1) {  // run itself may be among them
      few_.clear();
      for (IdSet* s : sets)
        if (s) s->for_each([&](GoId id) {
            if (conflicting(id)) few_.push_back(id);
          });
      std::sort(few_.begin(), few_.end());
      few_.erase(std::unique(few_.begin(), few_.end()), few_.end());
      for (GoId id : few_) refresh(id);
      return;
    }
    std::size_t budget = kRefreshMax;
    for (IdSet* s : sets) {
      if (!s || budget == 0) continue;
      const std::size_t share = sets[1] && s == sets[0] ? (budget + 1) / 2 : budget;
      s->take_turns(share, [&](GoId id) {
        if (conflicting(id)) refresh(id);
      });
      budget -= std::min(share, budget);
    }
  }

  std::uint64_t seed_;
  Rng rng_;
  TopByKey top_;  // priorities by goroutine id
  PollStreaks streaks_;
  std::uint64_t poll_floor_ = 0;  // the next poller's priority: below every earlier one
  // The queued goroutines by pending operation: under its object (not selects; an emptied
  // set may stay, see kKeptSets), among the channel operations (selects too), among the
  // selects.
  std::unordered_map<const void*, IdSet> by_obj_;
  IdSet chans_, selects_;
  std::vector<std::uint32_t> at_obj_, at_chan_, at_select_;  // by id: position in its set
  std::vector<OpKind> kind_;       // by id: the pending operation when queued (none: not queued)
  std::vector<const void*> obj_;
  std::vector<GoId> few_;
};

}  // namespace

std::unique_ptr<Strategy> make_pos_strategy(std::uint64_t seed) {
  return std::make_unique<PosStrategy>(seed);
}

}  // namespace weft::detail
