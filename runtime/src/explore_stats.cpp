// Exploration statistics; see explore_stats.hpp.
#include "explore_stats.hpp"

namespace weft::detail {

ExploreStats::ExploreStats(std::string fixed_name)
    : fixed_name_(std::move(fixed_name)), seen_(64, 0) {}

bool ExploreStats::insert(std::uint64_t h) {
  if (h == 0) h = 1;
  if (2 * (distinct_ + 1) > seen_.size()) {
    std::vector<std::uint64_t> old(seen_.size() * 2, 0);
    old.swap(seen_);
    distinct_ = 0;
    for (std::uint64_t v : old)
      if (v != 0) insert(v);
  }
  const std::size_t mask = seen_.size() - 1;
  for (std::size_t i = (h * 0x9e3779b97f4a7c15ull) >> 7 & mask;; i = (i + 1) & mask) {
    if (seen_[i] == h) return false;
    if (seen_[i] == 0) {
      seen_[i] = h;
      ++distinct_;
      return true;
    }
  }
}

ExploreResult::StrategyStats& ExploreStats::slot(const char* member) {
  const char* name = member ? member : fixed_name_.c_str();
  for (ExploreResult::StrategyStats& s : per_strategy_)
    if (s.name == name) return s;
  per_strategy_.push_back({name, 0, 0});
  return per_strategy_.back();
}

void ExploreStats::add(const IterationOutcome& out, const char* member) {
  insert(out.schedule_hash);
  if (out.peak_goroutines > peak_) peak_ = out.peak_goroutines;
  ExploreResult::StrategyStats& s = slot(member);
  ++s.iterations;
  if (out.failure) ++s.failures;
}

void ExploreStats::finish(ExploreResult& r) const {
  r.distinct_schedules = distinct_;
  r.peak_goroutines = peak_;
  r.per_strategy = per_strategy_;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

}  // namespace weft::detail
