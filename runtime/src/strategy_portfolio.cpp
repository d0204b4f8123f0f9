// The portfolio: iterations rotate over several strategies, so no single strategy's blind
// spot is weft's. Iteration i runs member i mod m on that member's own iteration i / m; a
// member sees only its own iterations (URW and SURW learn their event estimates from them).
// The members and their order (kMembers) were chosen by measurement over the bug corpus
// (bench/bug_corpus_bench) and bench/strategy_bench: URW first (the lowest schedules to the
// first failure over the corpus), POS (data-structure bugs such as the ABA stack, where URW
// needs about a thousand schedules), PCT with depth 3 (its guarantee for ordering bugs of
// known depth) and SURW.
//
// URW and SURW are adaptive, so the iterations they run depend on the earlier iterations of
// the same exploration, not only on (seed, i): run alone from first_iteration, such an
// iteration is not the same schedule. The other members' iterations are.
#include <vector>

#include "strategy.hpp"

namespace weft::detail {

namespace {

class PortfolioStrategy final : public Strategy {
 public:
  explicit PortfolioStrategy(std::uint64_t seed) {
    members_.push_back(make_surw_strategy(seed, false));
    members_.push_back(make_pos_strategy(seed));
    members_.push_back(make_pct_strategy(seed, 3));
    members_.push_back(make_surw_strategy(seed + 1, true));
  }

  bool begin_iteration(std::uint64_t i) override {
    active_name_ = kNames[i % members_.size()];
    active_ = members_[i % members_.size()].get();
    return active_->begin_iteration(i / members_.size());
  }
  std::size_t pick_goroutine(const RunQueue& runnable, const G* current) override {
    return active_->pick_goroutine(runnable, current);
  }
  std::size_t pick_value(std::size_t n) override { return active_->pick_value(n); }
  void on_spawn(const G& g) override { active_->on_spawn(g); }
  void on_poll(const G& g) override { active_->on_poll(g); }
  void on_exit(const G& g) override { active_->on_exit(g); }
  RunQueueWatcher* watcher() override { return active_->watcher(); }
  void end_iteration(std::uint64_t steps) override { active_->end_iteration(steps); }
  bool last_drawn(std::uint64_t& seed, std::uint64_t& index) const override {
    return active_->last_drawn(seed, index);
  }
  const char* member_name() const override { return active_name_; }
  // Every scheduler call above but divergence is forwarded to the member, and neither the
  // portfolio nor its members report a divergence.
  Strategy& deciding() override { return active_->deciding(); }

 private:
  static constexpr const char* kNames[] = {"urw", "pos", "pct:3", "surw"};  // as members_
  const char* active_name_ = nullptr;
  std::vector<std::unique_ptr<Strategy>> members_;
  Strategy* active_ = nullptr;
};

}  // namespace

std::unique_ptr<Strategy> make_portfolio_strategy(std::uint64_t seed) {
  return std::make_unique<PortfolioStrategy>(seed);
}

}  // namespace weft::detail
