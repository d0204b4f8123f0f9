// Which goroutine holds which lock, and where it took it: the controlled scheduler keeps
// this so a deadlock, leak or step-limit report can say, per goroutine, the locks it holds
// (with the call chain at each lock) and who holds the mutex a goroutine waits for.
//
// Invariants:
//  - one entry per (mutex, holder) acquisition not yet released, in acquisition order;
//  - a release by a goroutine that does not hold the mutex (Go allows unlocking a Mutex
//    another goroutine locked) drops the latest entry of that mutex, whoever holds it.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "goroutine.hpp"

namespace weft::detail {

struct HeldLock {
  // Each member set by itself: value-initialising the whole record (emplace_back()) zeroed
  // it first with a string store, on every lock of an explored run.
  HeldLock(const void* m, GoId h, bool e, const Location& w)
      : mutex(m), holder(h), exclusive(e), where(w) {}
  const void* mutex = nullptr;
  GoId holder = 0;
  bool exclusive = true;
  Location where;
  // The holder's marked calls then (G::calls), innermost last: its call chain at the lock.
  // Only calls[0, ncalls) are set (and read).
  std::array<const void*, 8> calls;
  std::uint32_t ncalls = 0;
};

class HeldLocks {
 public:
  // Inline: the controlled scheduler calls both on every lock and unlock.
  void acquired(const G& g, const void* mutex, bool exclusive, const Location& where) {
    // In place: a lock and unlock per operation of a loop.
    HeldLock& h = held_.emplace_back(mutex, g.id, exclusive, where);
    h.ncalls = std::min<std::uint32_t>(g.ncalls, static_cast<std::uint32_t>(g.calls.size()));
    for (std::uint32_t i = 0; i < h.ncalls; ++i) h.calls[i] = g.calls[i].site;
  }
  void released(GoId g, const void* mutex) {
    // Usually the latest lock taken is the first released.
    if (!held_.empty() && held_.back().mutex == mutex && held_.back().holder == g) [[likely]] {
      held_.pop_back();
      return;
    }
    released_elsewhere(g, mutex);
  }
  const std::vector<HeldLock>& all() const noexcept { return held_; }

 private:
  void released_elsewhere(GoId g, const void* mutex);

  std::vector<HeldLock> held_;
};

}  // namespace weft::detail
