// Bounded exhaustive search: depth first over every choice (which goroutine runs, which
// ready select case, the order of timers due together), with iterative preemption
// bounding (Musuvathi, Qadeer: "Iterative Context Bounding for Systematic Testing of
// Multithreaded Programs", PLDI 2007).
//
// A preemption is a choice, at a scheduling point where the goroutine that reached it
// could go on, of another goroutine. Choices after a goroutine blocked or ended, select
// cases and timer orders are free. Level b runs every schedule with exactly b preemptions
// (level 0 also those with none): while exploring level b, an alternative that would make
// b + 1 is not run but queued, as a prefix, for level b + 1, which explores the subtree
// under each queued prefix. So no schedule runs twice, and when level `bound` is done every
// schedule with at most `bound` preemptions has run: the search reports exhaustion.
//
// Stateless: each iteration re-runs the program from the start, following `plan_` for its
// first choices and the default after them (the current goroutine if it can go on, else
// option 0), and records every choice in `path_`. end_iteration() backtracks to the deepest
// choice at or below `floor_` with an untried alternative and makes that the next plan.
// Invariants: path_[j].preemptions counts the preemptions before choice j; the choices
// above floor_ are fixed by the work item being explored.
//
// Sharding (ExploreOptions::dfs_shard / dfs_shards): a schedule belongs to the shard its
// first kSplitDepth choices (all of them, if it has fewer) hash to. A plan of at least
// kSplitDepth choices fixes that key for its whole subtree, so a shard drops the plans
// (and deferred prefixes) of other shards without running them. A shorter plan's subtree
// mixes shards: every shard runs it, to discover the choices below it, and counts the
// schedule only if it is its own (counts_last_iteration). So each schedule is counted by
// exactly one shard, and a shard runs at most the schedules of the tree's top kSplitDepth
// choices besides its own.
#include <algorithm>
#include <deque>
#include <vector>

#include "strategy.hpp"

namespace weft::detail {

namespace {

class DfsStrategy final : public Strategy {
 public:
  DfsStrategy(unsigned bound, std::uint64_t shard, std::uint64_t shards)
      : max_bound_(bound), shard_(shard), shards_(shards == 0 ? 1 : shards) {}

  bool begin_iteration(std::uint64_t) override {
    if (done_) return false;
    path_.clear();
    return true;
  }

  std::size_t pick_goroutine(const RunQueue& runnable, const G* current) override {
    return decide(runnable.size(),
                  current ? static_cast<std::ptrdiff_t>(runnable.index_of(current)) : -1);
  }

  std::size_t pick_value(std::size_t n) override { return decide(n, -1); }

  void end_iteration(std::uint64_t) override {
    std::vector<std::uint32_t> choices;
    choices.reserve(path_.size());
    for (const Node& nd : path_) choices.push_back(nd.chosen);
    const std::uint32_t run = keep_run(std::move(choices));
    own_last_ = owns(Prefix{run, static_cast<std::uint32_t>(runs_[run].size()), 0, false});
    const bool more = backtrack(run);
    if (refs_[run] == 0) drop_run(run);  // no deferred prefix names it
    if (!more) next_work_item();
  }

  bool exhausted() const override { return done_; }
  bool counts_last_iteration() const override { return own_last_; }

 private:
  // A prefix of choices: the first `len` choices of kept run `run` (runs_), then `last` if
  // `more`. Prefixes branching off one run share its choices, so deferring every
  // alternative of a run of n choices costs O(n), not O(n^2). refs_ counts the prefixes in
  // deferred_ and work_ that name each run; a run none names is dropped.
  struct Prefix {
    std::uint32_t run = 0;
    std::uint32_t len = 0;
    std::uint32_t last = 0;
    bool more = false;
    std::size_t size() const noexcept { return len + (more ? 1 : 0); }
  };
  std::uint32_t choice_at(const Prefix& p, std::size_t j) const noexcept {
    return j < p.len ? runs_[p.run][j] : p.last;
  }
  std::vector<std::uint32_t> choices_of(const Prefix& p) const {
    std::vector<std::uint32_t> v(runs_[p.run].begin(), runs_[p.run].begin() + p.len);
    if (p.more) v.push_back(p.last);
    return v;
  }
  std::uint32_t keep_run(std::vector<std::uint32_t> choices) {
    std::uint32_t slot;
    if (free_runs_.empty()) {
      slot = static_cast<std::uint32_t>(runs_.size());
      runs_.emplace_back();
      refs_.push_back(0);
    } else {
      slot = free_runs_.back();
      free_runs_.pop_back();
    }
    runs_[slot] = std::move(choices);
    refs_[slot] = 0;
    return slot;
  }
  void drop_run(std::uint32_t run) {
    runs_[run] = std::vector<std::uint32_t>();
    free_runs_.push_back(run);
  }

  struct Node {
    std::uint32_t n;            // options
    std::uint32_t chosen;
    std::int32_t current;       // the option that continues the current goroutine, or -1
    std::uint32_t preemptions;  // before this choice
  };

  // The default first, then the others in index order.
  static std::uint32_t option_at(std::uint32_t pos, std::uint32_t def) {
    if (pos == 0) return def;
    return pos - 1 < def ? pos - 1 : pos;
  }
  static std::uint32_t position_of(std::uint32_t c, std::uint32_t def) {
    if (c == def) return 0;
    return c < def ? c + 1 : c;
  }
  static std::uint32_t default_of(const Node& nd) {
    return nd.current >= 0 ? static_cast<std::uint32_t>(nd.current) : 0;
  }
  static bool preempts(const Node& nd, std::uint32_t c) {
    return nd.current >= 0 && c != static_cast<std::uint32_t>(nd.current);
  }

  std::size_t decide(std::size_t n, std::ptrdiff_t cur) {
    Node nd{static_cast<std::uint32_t>(n), 0, static_cast<std::int32_t>(cur), 0};
    if (!path_.empty()) {
      const Node& last = path_.back();
      nd.preemptions = last.preemptions + (preempts(last, last.chosen) ? 1 : 0);
    }
    const std::size_t depth = path_.size();
    nd.chosen = depth < plan_.size() ? std::min<std::uint32_t>(plan_[depth], nd.n - 1)
                                     : default_of(nd);
    path_.push_back(nd);
    return nd.chosen;
  }

  static constexpr std::size_t kSplitDepth = 4;

  // Whether the schedules starting with `prefix` are this shard's; true for a prefix too
  // short to decide (shorter than kSplitDepth), which must be run to be split.
  bool decided_elsewhere(const Prefix& prefix) const {
    return shards_ > 1 && prefix.size() >= kSplitDepth && !owns(prefix);
  }
  // The shard of a schedule (or of every schedule under a prefix of kSplitDepth or more).
  bool owns(const Prefix& choices) const {
    if (shards_ <= 1) return true;
    std::uint64_t h = 1469598103934665603ull;  // FNV-1a over the key's choices
    const std::size_t n = std::min(choices.size(), kSplitDepth);
    for (std::size_t j = 0; j < n; ++j) {
      h ^= choice_at(choices, j) + 1;
      h *= 1099511628211ull;
    }
    h ^= n;
    h *= 1099511628211ull;
    return h % shards_ == shard_;
  }

  // Makes plan_ the next schedule of the current work item; false when it has none left.
  // `run` is the kept run of the iteration that just ended (path_'s choices).
  bool backtrack(std::uint32_t run) {
    while (path_.size() > floor_) {
      Node& nd = path_.back();
      const std::uint32_t def = default_of(nd);
      for (std::uint32_t pos = position_of(nd.chosen, def) + 1; pos < nd.n; ++pos) {
        const std::uint32_t c = option_at(pos, def);
        Prefix prefix{run, static_cast<std::uint32_t>(path_.size() - 1), c, true};
        if (decided_elsewhere(prefix)) continue;  // another shard's subtree
        if (nd.preemptions + (preempts(nd, c) ? 1 : 0) <= bound_) {
          plan_ = choices_of(prefix);
          return true;
        }
        // One preemption too many for this level: the next level explores it.
        ++refs_[run];
        deferred_.push_back(prefix);
      }
      path_.pop_back();
    }
    return false;
  }

  void next_work_item() {
    while (work_.empty()) {
      if (deferred_.empty() || bound_ >= max_bound_) {
        done_ = true;
        return;
      }
      ++bound_;
      work_.assign(deferred_.begin(), deferred_.end());
      deferred_.clear();
    }
    plan_ = choices_of(work_.front());
    if (--refs_[work_.front().run] == 0) drop_run(work_.front().run);
    work_.pop_front();
    floor_ = plan_.size();
  }

  unsigned max_bound_;
  std::uint64_t shard_ = 0, shards_ = 1;
  bool own_last_ = true;                         // the last schedule is this shard's
  unsigned bound_ = 0;                           // the level being explored
  std::vector<std::uint32_t> plan_;              // choices to follow from the start
  std::size_t floor_ = 0;                        // plan_ choices fixed by the work item
  std::vector<Node> path_;                       // this iteration's choices
  std::deque<Prefix> work_;                      // prefixes of this level still to explore
  std::vector<Prefix> deferred_;                 // prefixes for the next level
  std::vector<std::vector<std::uint32_t>> runs_;  // the runs prefixes branch from, by slot
  std::vector<std::size_t> refs_;                // by slot: prefixes naming the run
  std::vector<std::uint32_t> free_runs_;         // slots of dropped runs
  bool done_ = false;
};

}  // namespace

std::unique_ptr<Strategy> make_dfs_strategy(unsigned preemption_bound, std::uint64_t shard,
                                            std::uint64_t shards) {
  return std::make_unique<DfsStrategy>(preemption_bound, shard, shards);
}

}  // namespace weft::detail
