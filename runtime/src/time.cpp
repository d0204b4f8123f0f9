// sleep, Timer, Ticker, after and the clock. Timers are owned by the scheduler (a heap
// ordered by deadline, then arming order). A sleeping goroutine parks on a TimerEntry on
// its own stack; a Timer or Ticker keeps its state alive while it is armed, since a Go
// timer fires even when the program dropped every reference to it.
#include "weft/time.hpp"

#include "scheduler.hpp"
#include "weft/panic.hpp"

namespace weft {

Clock::time_point Clock::now() noexcept {
  const detail::OutsideOp outside;  // on a thread with no scheduler: the run stays whole
  if (detail::Scheduler* s = detail::scheduler_here()) return time_point(s->now());
  return time_point(std::chrono::duration_cast<Duration>(
      std::chrono::steady_clock::now().time_since_epoch()));
}

void sleep(Duration d, std::source_location where) {
  const Location loc = Location::from(where);
  detail::visible(loc);
  if (d <= Duration::zero()) return;
  detail::G* self = detail::current();  // throws where no goroutine runs
  detail::Scheduler* s = detail::current_scheduler();
  struct Sleep {
    detail::Scheduler* s;
    detail::TimerEntry t;
  } sl{s, {}};
  sl.t.when = s->now() + d;
  sl.t.fn = [](void* g) { detail::ready(static_cast<detail::G*>(g)); };
  sl.t.arg = self;
  // Armed once the goroutine is committed to parking (park's unlock step), so that under
  // the parallel scheduler a timer firing on another processor never readies it early.
  auto arm = [](void* p) {
    auto* x = static_cast<Sleep*>(p);
    x->s->add_timer(&x->t);
  };
  if (detail::park(detail::WaitReason::sleep, loc, arm, &sl) == detail::Wake::killed) {
    detail::TimerEntry& t = sl.t;
    s->remove_timer(&t);
    detail::exit_killed();
  }
}

namespace detail {

// invariant: keep_alive is set exactly while entry is pending in `sched`'s heap.
struct TimerState {
  TimerEntry entry;
  Chan<Clock::time_point> ch = Chan<Clock::time_point>::make(1);
  Duration period{0};  // > 0 for a ticker
  Scheduler* sched = nullptr;
  std::shared_ptr<TimerState> keep_alive;

  static void fire(void* p) {
    auto* t = static_cast<TimerState*>(p);
    std::shared_ptr<TimerState> hold = std::move(t->keep_alive);
    Clock::time_point now(t->sched->now());
    ChanAccess::raw(t->ch)->offer(&now);
    if (t->period > Duration::zero()) {
      t->entry.when += t->period;
      t->keep_alive = std::move(hold);
      t->sched->add_timer(&t->entry);
    }
  }
  static void drop(void* p) { static_cast<TimerState*>(p)->keep_alive.reset(); }

  void arm(const std::shared_ptr<TimerState>& self, Duration d) {
    sched = scheduler_here();  // (the caller holds an OutsideOp on a thread with none)
    // The run ended under the caller (a thread with no scheduler): the timer is dropped, as
    // every timer pending at the end is.
    if (sched == nullptr) return;
    ChanAccess::raw(ch)->arm_edge(current_or_outside());
    entry.when = sched->now() + (d > Duration::zero() ? d : Duration::zero());
    entry.fn = &fire;
    entry.drop = &drop;
    entry.arg = this;
    keep_alive = self;
    sched->add_timer(&entry);
  }
  // remove_timer decides (under the parallel scheduler, under the heap's lock): the timer
  // may be firing on another processor right now.
  bool disarm() {
    // A timer armed in an earlier run was dropped with it (and its scheduler is gone).
    if (!sched || sched != scheduler_here() || !sched->remove_timer(&entry)) return false;
    keep_alive.reset();
    return true;
  }
};

}  // namespace detail

Timer::Timer(Duration d, std::source_location where) : s_(std::make_shared<detail::TimerState>()) {
  const detail::OutsideOp outside;  // on a thread with no scheduler: the run stays whole
  detail::visible(Location::from(where));
  s_->arm(s_, d);
}

RecvChan<Clock::time_point> Timer::c() const { return s_->ch; }

bool Timer::stop(std::source_location where) {
  const detail::OutsideOp outside;  // on a thread with no scheduler: the run stays whole
  detail::visible(Location::from(where));
  return s_->disarm();
}

bool Timer::reset(Duration d, std::source_location where) {
  const detail::OutsideOp outside;  // on a thread with no scheduler: the run stays whole
  detail::visible(Location::from(where));
  bool was_active = s_->disarm();
  s_->arm(s_, d);
  return was_active;
}

Ticker::Ticker(Duration d, std::source_location where) : s_(std::make_shared<detail::TimerState>()) {
  const detail::OutsideOp outside;  // on a thread with no scheduler: the run stays whole
  const Location loc = Location::from(where);
  if (d <= Duration::zero()) throw Panic("non-positive interval for NewTicker", loc);
  detail::visible(loc);
  s_->period = d;
  s_->arm(s_, d);
}

RecvChan<Clock::time_point> Ticker::c() const { return s_->ch; }

void Ticker::stop(std::source_location where) {
  const detail::OutsideOp outside;  // on a thread with no scheduler: the run stays whole
  detail::visible(Location::from(where));
  s_->disarm();
}

void Ticker::reset(Duration d, std::source_location where) {
  const detail::OutsideOp outside;  // on a thread with no scheduler: the run stays whole
  const Location loc = Location::from(where);
  if (d <= Duration::zero()) throw Panic("non-positive interval for Ticker.Reset", loc);
  detail::visible(loc);
  s_->disarm();
  s_->period = d;
  s_->arm(s_, d);
}

RecvChan<Clock::time_point> after(Duration d, std::source_location where) {
  return Timer(d, where).c();
}

}  // namespace weft
