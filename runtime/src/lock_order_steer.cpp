// lock_order_steer.cpp — LockOrderSteer (lock_order_steer.hpp): remembering cycles, pausing
// the holders of their first locks, and telling closed cycles from warnings.
#include "lock_order_steer.hpp"

#include <algorithm>
#include <string_view>

#include "shrink.hpp"

namespace weft::detail {

void LockOrderSteer::cycle_found(Failure f) {
  if (!keys_.insert(failure_key(f)).second) return;
  for (const FailureLockEdge& e : f.cycle)
    if (!e.held_at.empty() && e.held_at.front().file)
      first_sites_.emplace(e.held_at.front().file, e.held_at.front().line);
  cycles_.push_back(std::move(f));
}

namespace {
bool same_place(const Location& a, const Location& b) {
  return a.line == b.line && a.file && b.file && std::string_view(a.file) == b.file;
}
// A deadlock closes the cycle when every acquisition the cycle waits at is among the places
// its report names (the blocked goroutines' waits).
bool closes(const Failure& deadlock, const Failure& cycle) {
  if (deadlock.kind != FailureKind::deadlock) return false;
  return std::all_of(cycle.cycle.begin(), cycle.cycle.end(), [&](const FailureLockEdge& e) {
    if (e.acquired_at.empty()) return false;
    return std::any_of(deadlock.locations.begin(), deadlock.locations.end(),
                       [&](const Location& l) { return same_place(l, e.acquired_at.front()); });
  });
}
}  // namespace

std::vector<Failure> LockOrderSteer::unclosed(const std::vector<const Failure*>& closers) const {
  std::vector<Failure> out;
  for (const Failure& c : cycles_) {
    if (std::none_of(closers.begin(), closers.end(),
                     [&](const Failure* d) { return d && closes(*d, c); }))
      out.push_back(c);
  }
  return out;
}

bool LockOrderSteer::begin_iteration(std::uint64_t i) {
  paused_.clear();
  moved_ = false;
  steering_ = may_steer_ && !first_sites_.empty() && i % 2 == 1;
  return inner_.begin_iteration(i);
}

std::size_t LockOrderSteer::pick_goroutine(const RunQueue& runnable, const G* current) {
  std::size_t pick = inner_.pick_goroutine(runnable, current);
  moved_ = false;
  if (paused_.empty()) return pick;
  auto is_paused = [&](const G* g) {
    return std::any_of(paused_.begin(), paused_.end(),
                       [&](const auto& p) { return p.first == g->id; });
  };
  if (!is_paused(runnable[pick])) return pick;
  for (std::size_t k = 1; k < runnable.size(); ++k) {
    const std::size_t other = (pick + k) % runnable.size();
    if (!is_paused(runnable[other])) {
      moved_ = true;
      return other;
    }
  }
  return pick;  // everyone runnable is paused: let the strategy's choice run
}

void LockOrderSteer::lock_acquired(GoId g, const void* mutex, bool, const Location& where) {
  if (!steering_ || !where.file) return;
  if (first_sites_.count({where.file, where.line})) paused_.emplace_back(g, mutex);
}

void LockOrderSteer::lock_released(GoId g, const void* mutex) {
  auto it = std::find(paused_.begin(), paused_.end(), std::pair<GoId, const void*>{g, mutex});
  if (it != paused_.end()) paused_.erase(it);
}

void LockOrderSteer::go_end(GoId g) {
  std::erase_if(paused_, [&](const auto& p) { return p.first == g; });
}

}  // namespace weft::detail
