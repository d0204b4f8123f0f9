// Locks held per goroutine; see held_locks.hpp.
#include "held_locks.hpp"

#include <algorithm>

namespace weft::detail {

void HeldLocks::acquired(const G& g, const void* mutex, bool exclusive, Location where) {
  // In place: a lock and unlock per operation of a loop.
  HeldLock& h = held_.emplace_back(mutex, g.id, exclusive, where);
  h.ncalls = std::min<std::uint32_t>(g.ncalls, static_cast<std::uint32_t>(g.calls.size()));
  for (std::uint32_t i = 0; i < h.ncalls; ++i) h.calls[i] = g.calls[i].site;
}

void HeldLocks::released(GoId g, const void* mutex) {
  // Usually the latest lock taken is the first released.
  if (!held_.empty() && held_.back().mutex == mutex && held_.back().holder == g) {
    held_.pop_back();
    return;
  }
  auto mine = std::find_if(held_.rbegin(), held_.rend(), [&](const HeldLock& h) {
    return h.mutex == mutex && h.holder == g;
  });
  if (mine == held_.rend())
    mine = std::find_if(held_.rbegin(), held_.rend(),
                        [&](const HeldLock& h) { return h.mutex == mutex; });
  if (mine != held_.rend()) held_.erase(std::next(mine).base());
}

}  // namespace weft::detail
