// The portfolio: iterations rotate over several strategies, so no single strategy's blind
// spot is weft's. Iteration i runs member i mod m on that member's own iteration i / m; a
// member sees only its own iterations (PCT learns its step estimate from them). The members
// and their order (kMembers) were chosen by measurement: bench/strategy_bench.
#include <vector>

#include "strategy.hpp"

namespace weft::detail {

namespace {

class PortfolioStrategy final : public Strategy {
 public:
  explicit PortfolioStrategy(std::uint64_t seed) {
    members_.push_back(make_random_strategy(seed));
    members_.push_back(make_pct_strategy(seed, 3));
    members_.push_back(make_pos_strategy(seed));
    members_.push_back(make_pct_strategy(seed + 1, 2));
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
  void end_iteration(std::uint64_t steps) override { active_->end_iteration(steps); }
  bool last_drawn(std::uint64_t& seed, std::uint64_t& index) const override {
    return active_->last_drawn(seed, index);
  }
  const char* member_name() const override { return active_name_; }

 private:
  static constexpr const char* kNames[] = {"random", "pct:3", "pos", "pct:2"};  // as members_
  const char* active_name_ = nullptr;
  std::vector<std::unique_ptr<Strategy>> members_;
  Strategy* active_ = nullptr;
};

}  // namespace

std::unique_ptr<Strategy> make_portfolio_strategy(std::uint64_t seed) {
  return std::make_unique<PortfolioStrategy>(seed);
}

}  // namespace weft::detail
