// The replay strategy: answers each choice from a recorded schedule, and notices when the
// program asks for a choice the schedule cannot answer (the program or its inputs changed).
#include <string>

#include "strategy.hpp"

namespace weft::detail {

namespace {
class ReplayStrategy final : public Strategy {
 public:
  explicit ReplayStrategy(ScheduleTape tape) : tape_(std::move(tape)) {}
  bool begin_iteration(std::uint64_t i) override { return i == 0; }
  std::size_t pick_goroutine(const RunQueue& runnable, const G*) override {
    return next(runnable.size());
  }
  std::size_t pick_value(std::size_t n) override { return next(n); }
  // Checked when the iteration ends: a choice the token could not answer, or choices the
  // program never asked for (the token belongs to another program or version).
  std::string divergence() const override {
    if (!divergence_.empty()) return divergence_;
    if (!tape_.at_end())
      return "the program ended after choice " + std::to_string(tape_.position()) +
             " but the token holds " + std::to_string(tape_.size()) + " (" +
             std::to_string(tape_.size() - tape_.position()) + " left over)";
    return {};
  }
  bool last_drawn(std::uint64_t& seed, std::uint64_t& index) const override {
    return tape_.last_drawn(seed, index);
  }

 private:
  std::size_t next(std::size_t n) {
    if (tape_.at_end()) {
      if (divergence_.empty())
        divergence_ = "the token ended at choice " + std::to_string(tape_.size()) +
                      ": the program asked for choice " + std::to_string(tape_.size() + 1);
      return 0;
    }
    std::uint64_t c = tape_.take(n);
    if (c >= n) {
      if (divergence_.empty())
        divergence_ = "choice " + std::to_string(tape_.position()) + " is " + std::to_string(c) +
                      " but only " + std::to_string(n) + " options exist there";
      return 0;
    }
    return c;
  }
  ScheduleTape tape_;
  std::string divergence_;
};
}  // namespace

std::unique_ptr<Strategy> make_replay_strategy(ScheduleTape tape) {
  return std::make_unique<ReplayStrategy>(std::move(tape));
}

}  // namespace weft::detail
