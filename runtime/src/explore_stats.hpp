// The statistics explore() gathers over its iterations (ExploreResult: distinct schedules,
// peak goroutines, per-strategy counts, time).
//
// Invariant: seen_ is an open-addressing set of schedule hashes, at most half full, with 0
// marking an empty slot (a hash of 0 is stored as 1).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "controlled.hpp"
#include "weft/explore.hpp"

namespace weft::detail {

class ExploreStats {
 public:
  // `fixed_name`: the per-strategy name when the strategy has no members ("pct:3").
  explicit ExploreStats(std::string fixed_name);
  // One explored iteration, run by `member` (the portfolio's member, or nullptr).
  void add(const IterationOutcome& out, const char* member);
  // Writes the statistics into `r`.
  void finish(ExploreResult& r) const;

 private:
  bool insert(std::uint64_t h);
  ExploreResult::StrategyStats& slot(const char* member);

  std::string fixed_name_;
  std::vector<std::uint64_t> seen_;
  std::uint64_t distinct_ = 0;
  std::size_t peak_ = 0;
  std::vector<ExploreResult::StrategyStats> per_strategy_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace weft::detail
