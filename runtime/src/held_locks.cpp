// Locks held per goroutine; see held_locks.hpp.
#include "held_locks.hpp"

#include <algorithm>

namespace weft::detail {

// released() when the latest entry is not this one: another lock was taken since, or
// another goroutine locked this one.
void HeldLocks::released_elsewhere(GoId g, const void* mutex) {
  auto mine = std::find_if(held_.rbegin(), held_.rend(), [&](const HeldLock& h) {
    return h.mutex == mutex && h.holder == g;
  });
  if (mine == held_.rend())
    mine = std::find_if(held_.rbegin(), held_.rend(),
                        [&](const HeldLock& h) { return h.mutex == mutex; });
  if (mine != held_.rend()) held_.erase(std::next(mine).base());
}

}  // namespace weft::detail
