// Strategies: who decides, at each scheduling point, which goroutine runs next and which
// nondeterministic value (a select case, the order of simultaneous timers) is taken.
//
// The controlled scheduler calls a strategy only where there is a real choice (n >= 2);
// each answer is appended to the schedule, which serialises to the replay token. So a
// strategy must be a pure function of its seed and the choices asked so far: nothing may
// depend on addresses, hash order, real time or threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "goroutine.hpp"
#include "schedule.hpp"
#include "weft/explore.hpp"

namespace weft::detail {

// The strategy's name in reports ("random", ...); a literal, safe in a signal handler.
constexpr const char* strategy_text(StrategyKind k) noexcept {
  switch (k) {
    case StrategyKind::random: return "random";
    case StrategyKind::pct: return "pct";
    case StrategyKind::dfs: return "dfs";
    case StrategyKind::replay: return "replay";
  }
  return "?";
}

// The value of one base64url character, or -1 (shared by the w1 and w2 token codecs).
int base64url_value(char c) noexcept;

class Strategy {
 public:
  virtual ~Strategy() = default;
  // Prepares iteration `i`; false when there is nothing more to explore.
  virtual bool begin_iteration(std::uint64_t i) = 0;
  // Picks one of `runnable` (size >= 2). `current` is the goroutine that reached the
  // scheduling point if it can continue (it is then among `runnable`), else nullptr.
  virtual std::size_t pick_goroutine(std::span<G* const> runnable, const G* current) = 0;
  // Picks a value in [0, n), n >= 2.
  virtual std::size_t pick_value(std::size_t n) = 0;
  // A goroutine was created (PCT assigns priorities here).
  virtual void on_spawn(const G& /*g*/) {}
  // The iteration ended after `steps` scheduling steps.
  virtual void end_iteration(std::uint64_t /*steps*/) {}
  // Why a replay stopped matching the program, if it did.
  virtual std::string divergence() const { return {}; }
  // Whether the choice just made was draw number `index` of Rng(seed), reduced to the
  // options as Rng::below does; the schedule then records it in a few bytes (schedule.hpp).
  virtual bool last_drawn(std::uint64_t& /*seed*/, std::uint64_t& /*index*/) const {
    return false;
  }
};

std::unique_ptr<Strategy> make_random_strategy(std::uint64_t seed);
std::unique_ptr<Strategy> make_replay_strategy(ScheduleTape tape);

// Deterministic 64-bit generator (splitmix64 seeding, xoshiro256** stream).
class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0) { reseed(seed); }
  void reseed(std::uint64_t seed) noexcept;
  std::uint64_t next() noexcept;
  // Uniform in [0, n), n >= 1.
  std::size_t below(std::size_t n) noexcept;

 private:
  std::uint64_t s_[4];
};
std::uint64_t mix64(std::uint64_t x) noexcept;

// Version 1 replay tokens (read, no longer written; version 2 is in schedule.hpp): "w1-" followed by the choices as unsigned LEB128 in base64url.
std::string encode_token(std::span<const std::uint32_t> choices);
// Throws std::invalid_argument naming what is wrong with the token.
std::vector<std::uint32_t> decode_token(const std::string& token);

}  // namespace weft::detail
