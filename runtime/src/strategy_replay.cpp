// The replay strategy: answers each choice from a recorded schedule, and notices when the
// program asks for a choice the schedule cannot answer (the program or its inputs changed).
#include <string>

#include "strategy.hpp"

namespace weft::detail {

namespace {
class ReplayStrategy final : public Strategy {
 public:
  explicit ReplayStrategy(std::vector<std::uint32_t> choices) : choices_(std::move(choices)) {}
  bool begin_iteration(std::uint64_t i) override { return i == 0; }
  std::size_t pick_goroutine(std::span<G* const> runnable, const G*) override {
    return next(runnable.size());
  }
  std::size_t pick_value(std::size_t n) override { return next(n); }
  // Checked when the iteration ends: a choice the token could not answer, or choices the
  // program never asked for (the token belongs to another program or version).
  std::string divergence() const override {
    if (!divergence_.empty()) return divergence_;
    if (pos_ < choices_.size())
      return "the program ended after choice " + std::to_string(pos_) + " but the token holds " +
             std::to_string(choices_.size()) + " (" + std::to_string(choices_.size() - pos_) +
             " left over)";
    return {};
  }

 private:
  std::size_t next(std::size_t n) {
    if (pos_ >= choices_.size()) {
      if (divergence_.empty())
        divergence_ = "the token ended at choice " + std::to_string(choices_.size()) +
                      ": the program asked for choice " + std::to_string(choices_.size() + 1);
      return 0;
    }
    std::uint32_t c = choices_[pos_++];
    if (c >= n) {
      if (divergence_.empty())
        divergence_ = "choice " + std::to_string(pos_) + " is " + std::to_string(c) +
                      " but only " + std::to_string(n) + " options exist there";
      return 0;
    }
    return c;
  }
  std::vector<std::uint32_t> choices_;
  std::size_t pos_ = 0;
  std::string divergence_;
};
}  // namespace

std::unique_ptr<Strategy> make_replay_strategy(std::vector<std::uint32_t> choices) {
  return std::make_unique<ReplayStrategy>(std::move(choices));
}

}  // namespace weft::detail
