// After main returns, the other goroutines get a grace period to finish before leaks are
// judged (as goleak gives them). Main's locals are gone by then, so a goroutine that still
// uses them through a reference would read destroyed objects. While the grace period runs,
// main's stack is made inaccessible: such a goroutine faults at once, and weft says why,
// instead of silently reading garbage or hanging.
#pragma once

#include "fiber.hpp"
#include "weft/events.hpp"

namespace weft::detail {

class MainStackGuard {
 public:
  MainStackGuard() = default;
  MainStackGuard(const MainStackGuard&) = delete;
  MainStackGuard& operator=(const MainStackGuard&) = delete;
  ~MainStackGuard() { release(); }

  void protect(const Stack& s, GoId main_id);
  void release();
  bool active() const noexcept { return stack_.bottom != nullptr; }

 private:
  Stack stack_;
};

}  // namespace weft::detail
