// sleep and the clock. Timers are owned by the scheduler (a heap ordered by deadline, then
// by creation); a sleeping goroutine parks on a TimerEntry that lives on its own stack.
#include "weft/time.hpp"

#include "scheduler.hpp"

namespace weft {

Clock::time_point Clock::now() noexcept {
  if (detail::Scheduler* s = detail::current_scheduler())
    return time_point(s->now());
  return time_point(std::chrono::duration_cast<Duration>(
      std::chrono::steady_clock::now().time_since_epoch()));
}

void sleep(Duration d, std::source_location where) {
  const Location loc = Location::from(where);
  detail::visible(loc);
  if (d <= Duration::zero()) return;
  detail::Scheduler* s = detail::current_scheduler();
  detail::G* self = detail::current();
  detail::TimerEntry t;
  t.when = s->now() + d;
  t.fn = [](void* g) { detail::ready(static_cast<detail::G*>(g)); };
  t.arg = self;
  s->add_timer(&t);
  if (detail::park(detail::WaitReason::sleep, loc, nullptr, nullptr) == detail::Wake::killed) {
    s->remove_timer(&t);
    detail::exit_killed();
  }
}

}  // namespace weft
