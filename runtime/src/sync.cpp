// Go's sync primitives on the scheduler's park/ready protocol.
//
// Mutex follows Go's normal mode: unlock wakes one waiter, which then competes with any
// goroutine arriving at lock() (barging), so exploration covers both outcomes. RWMutex
// hands ownership over on release instead, which is what gives writers their priority:
// a writer's Unlock admits every reader that queued behind it, the last reader's RUnlock
// admits one waiting writer, and while a writer waits no new reader gets in.
#include "weft/sync.hpp"

#include <exception>
#include <vector>

#include "hb.hpp"
#include "scheduler.hpp"
#include "weft/panic.hpp"

namespace weft {

namespace {
namespace hb = detail::hb;

// An iteration that ends while a goroutine waits in Cond::wait unwinds that goroutine from
// inside the wait, which does not take the user's lock again; a guard (std::unique_lock,
// scoped_lock) around the wait then unlocks a lock it does not hold. That unlock belongs to
// the teardown, not to the program, and a panic thrown while unwinding would terminate the
// process instead of reporting the iteration's failure (a deadlock), so it is let go.
bool unwinding_from_teardown() noexcept {
  return std::uncaught_exceptions() > 0 && detail::in_goroutine() && detail::current()->killed;
}

// The goroutine about to wait, with `lk` (which the caller holds) still held and nothing
// changed yet; on a thread of weft::run that runs no goroutine, unlocks lk and throws.
detail::G* waiter_self(detail::SpinLock& lk, detail::WaitReason reason, Location where)
    WEFT_NO_THREAD_SAFETY_ANALYSIS {
  detail::G* g = detail::current_or_outside();
  if (g == nullptr) {
    lk.unlock();
    detail::outside_cannot_wait(reason, where);
  }
  return g;
}

// Parks the current goroutine on `q` (guarded by `lk`, which the caller holds); returns
// whether it was granted (Waiter::success) by whoever woke it.
bool wait_on(detail::WaitQueue& q, detail::SpinLock& lk, detail::WaitReason reason,
             Location where) WEFT_RELEASE(lk) {
  detail::Waiter w;
  w.g = waiter_self(lk, reason, where);
  return detail::wait_in(q, w, lk, reason, where);
}

// Wakes the first waiter of q, marking it granted or not; returns it (to ready after the
// caller unlocks), or nullptr.
detail::G* wake_one(detail::WaitQueue& q, bool granted) {
  detail::Waiter* w = q.pop();
  if (!w) return nullptr;
  w->success = granted;
  return w->g;
}

void ready_all(const std::vector<detail::G*>& gs) {
  for (detail::G* g : gs) detail::ready(g);
}
}  // namespace

// ---- Mutex ----

Mutex::~Mutex() { hb::sync_free(this); }

namespace {
// Under weft::explore one OS thread runs every goroutine, and the running one gives the
// thread up only at a visible operation or a park: between the scheduling point and the
// end of the operation nobody else can look at state_. So an uncontended lock or unlock
// there is a plain load and store, without lk_ or a read-modify-write (each a full barrier
// that waits for every pending store, the detector's included). The first goroutine that
// waits takes the general path, which sets kWaiters, so the unlock that must wake it
// finds state_ != kLocked and takes it too.
bool controlled(const detail::Scheduler* s) noexcept { return s && !s->is_parallel(); }

}  // namespace

// lock() and unlock() (sync.hpp) try the uncontended compare-and-swap inline under weft::run
// without race detection (nothing observes a Mutex operation there: no scheduling point, no
// detector); here is the rest. With detection every operation takes lk_, and unlock records
// its release before the lock is free again, so the next lock's acquire, recorded once it
// holds the lock, always comes after it.
void Mutex::lock_slow(std::source_location where) {
  detail::Scheduler* const sched = detail::tls_scheduler;
  const Location loc = Location::from(where);
  if (controlled(sched)) {
    detail::controlled_visible(*sched, loc, detail::OpKind::lock, this);
    if (state_.load(std::memory_order_relaxed) == 0) {
      state_.store(kLocked, std::memory_order_relaxed);
      hb::mutex_locked(*sched, this, loc);
      return;
    }
  } else {
    detail::visible(loc, detail::OpKind::lock, this);
    // Under weft::run on several processors the holder is likely running on another one and
    // about to unlock: spin a little before queueing (Go's sync.Mutex does the same), since a
    // park and a wake-up cost far more than a short critical section.
    if (detail::tls_run_unobserved && !detail::tls_sole_processor) {
      for (int round = 0; round < 4; ++round) {
        for (int i = 0; i < 16; ++i) __builtin_ia32_pause();
        std::uint32_t s = state_.load(std::memory_order_relaxed);
        if (!(s & kLocked) &&
            state_.compare_exchange_strong(s, s | kLocked, std::memory_order_acquire))
          return;
      }
    }
  }
  lk_.lock();
  for (;;) {
    std::uint32_t s = state_.load(std::memory_order_relaxed);
    if (!(s & kLocked)) {
      if (state_.compare_exchange_weak(s, s | kLocked, std::memory_order_acquire)) break;
      continue;
    }
    // Announce the wait in the same step that sees it held: a holder's uncontended unlock
    // (0 from kLocked only) then fails and comes here to wake us.
    waiter_self(lk_, detail::WaitReason::mutex_lock, loc);  // only a goroutine can wait
    if (!state_.compare_exchange_weak(s, s | kWaiters, std::memory_order_relaxed)) continue;
    wait_on(waiters_, lk_, detail::WaitReason::mutex_lock, loc);
    lk_.lock();
  }
  lk_.unlock();
  hb::acquire(this);
  hb::lock_acquired(this, true, loc);
}

bool Mutex::try_lock(std::source_location where) {
  if (detail::tls_run_unobserved) {
    std::uint32_t s = 0;
    if (state_.compare_exchange_strong(s, kLocked, std::memory_order_acquire)) return true;
  }
  const Location loc = Location::from(where);
  detail::visible(loc, detail::OpKind::lock, this);
  detail::Scheduler* const sched = detail::tls_scheduler;
  // Free, but perhaps only since an unlock that was not a scheduling point: the try may
  // have come first (controlled.hpp, "Unlocks are not scheduling points").
  if (controlled(sched) && !(state_.load(std::memory_order_relaxed) & kLocked) &&
      sched->fails_before_release(released_at_)) {
    detail::polled();
    return false;
  }
  lk_.lock();
  std::uint32_t s = state_.load(std::memory_order_relaxed);
  while (!(s & kLocked) &&
         !state_.compare_exchange_weak(s, s | kLocked, std::memory_order_acquire)) {
  }
  if (s & kLocked) {
    lk_.unlock();
    detail::polled();
    return false;
  }
  lk_.unlock();
  hb::acquire(this);
  hb::lock_try_acquired(this, true, loc);
  return true;
}

void Mutex::unlock_slow(std::source_location where) {
  detail::Scheduler* const sched = detail::tls_scheduler;
  // On a thread with no scheduler: the run stays whole.
  const detail::OutsideOp outside(sched == nullptr);
  const Location loc = Location::from(where);
  if (controlled(sched)) {
    // Not a scheduling point (controlled.hpp, "Unlocks are not scheduling points").
    if (state_.load(std::memory_order_relaxed) == kLocked) {
      released_at_ = hb::mutex_unlocking(*sched, this, loc);  // release_store: see below
      state_.store(0, std::memory_order_relaxed);
      return;
    }
  } else {
    detail::visible(loc, detail::OpKind::unlock, this);
  }
  lk_.lock();
  if (!(state_.load(std::memory_order_relaxed) & kLocked)) {
    lk_.unlock();
    if (unwinding_from_teardown()) return;
    throw Panic("sync: unlock of unlocked mutex", loc);
  }
  // Stamped once it is a release (a recovered "unlock of unlocked" panic released nothing
  // a try_lock could be ordered before).
  if (controlled(sched)) released_at_ = sched->unlocking(loc);
  // The lock's own clock: the unlocker acquired it when it locked, so its clock already
  // holds everything the lock's clock did, and a copy is exact (and cheaper than a join).
  hb::release_store(this);
  hb::lock_released(this);
  detail::G* g = wake_one(waiters_, false);
  // Only lk_'s holder changes a held state_ with kWaiters set, so a plain store is safe.
  state_.store(waiters_.empty() ? 0 : kWaiters, std::memory_order_release);
  lk_.unlock();
  if (g) detail::ready(g);
}

// ---- RWMutex ----
//
// Under weft::explore neither Unlock nor RUnlock is a scheduling point (controlled.hpp,
// "Unlocks are not scheduling points"). The argument there is made for Mutex, whose woken
// waiter competes again as if it had just arrived; RWMutex hands the lock over instead, so
// here is what a release commutes with. A releases; B is another goroutine; "before" is B's
// operation between A's last scheduling point and the release (reachable only if the
// release were a point), "after" is B's operation just after it.
//  - B's Lock. Before, B queues behind the writers already waiting, and the release admits
//    the queued readers (a writer's Unlock) or hands over to the first waiting writer,
//    which is B only if none queued earlier. After, B finds the same holders and queues
//    behind the same writers, or finds the lock free and takes it as the hand-off would
//    have given it to B. The same.
//  - B's RLock against an RUnlock: before, B queues exactly when a writer waits, and then
//    the last RUnlock hands over to that writer, so after, B queues too. So an RUnlock's
//    hand-off to a waiting writer changes nothing: it admits the writer that a Lock or
//    RLock arriving after the release would find ahead of it (or, none waiting, nobody).
//  - B's RLock against a writer's Unlock while a writer W waits: these do not commute.
//    Before, B queues and the Unlock admits it with the other queued readers, ahead of W;
//    after, W has the lock (handed over) or W's wait keeps B out. But "before" is reached
//    all the same by the schedule in which W's Lock (and every Lock queued after it) runs
//    just after the release instead of when it did: while A holds the write lock, no
//    operation sees whether writers wait (Lock and RLock queue, TryLock and TryRLock fail
//    whatever writers_waiting_ is), and a writer that queued before A took the lock was
//    behind A, whose own wait showed the same. In that schedule the release finds no
//    writer waiting, B's RLock after it reads, and W then queues behind B: what "before"
//    left.
//  - B's RLock against a writer's Unlock, no writer waiting: before, B queues and is
//    admitted; after, B reads at once. The same.
//  - B's TryLock / TryRLock: fails before, may succeed after. Kept as a choice: a TryLock
//    that finds the lock available, last released (either kind) at or after the trying
//    goroutine's scheduling point, may fail as if it had come first (released_at_); a
//    TryRLock looks only at the last writer's Unlock (write_released_at_), since before an
//    RUnlock a TryRLock fails only while a writer waits, and then it fails after it too.
//  - anything else commutes with the release (another object, or no object).
// The releases report their happens-before edges and the held-lock bookkeeping as before.

RWMutex::~RWMutex() {
  hb::sync_free(this);
  hb::sync_free(&reader_sync_);
}

bool RWMutex::available(bool exclusive) {
  lk_.lock();
  const bool free = exclusive ? !writer_ && readers_ == 0 : !writer_ && writers_waiting_ == 0;
  lk_.unlock();
  return free;
}

void RWMutex::lock(std::source_location where) {
  const Location loc = Location::from(where);
  detail::visible(loc, detail::OpKind::lock, this);
  lk_.lock();
  if (writer_ || readers_ > 0) {
    waiter_self(lk_, detail::WaitReason::rwmutex_lock, loc);  // before anything changes
    ++writers_waiting_;
    wait_on(writerq_, lk_, detail::WaitReason::rwmutex_lock, loc);  // granted on wake
  } else {
    writer_ = true;
    lk_.unlock();
  }
  hb::acquire(this);
  hb::acquire(&reader_sync_);
  hb::lock_acquired(this, true, loc);
}

bool RWMutex::try_lock(std::source_location where) {
  const Location loc = Location::from(where);
  detail::visible(loc, detail::OpKind::lock, this);
  // Available, but perhaps only since a release that was not a scheduling point (above).
  detail::Scheduler* const sched = detail::tls_scheduler;
  if (controlled(sched) && available(true) && sched->fails_before_release(released_at_)) {
    detail::polled();
    return false;
  }
  lk_.lock();
  if (writer_ || readers_ > 0) {
    lk_.unlock();
    detail::polled();
    return false;
  }
  writer_ = true;
  lk_.unlock();
  hb::acquire(this);
  hb::acquire(&reader_sync_);
  hb::lock_try_acquired(this, true, loc);
  return true;
}

void RWMutex::unlock(std::source_location where) {
  const detail::OutsideOp outside;  // on a thread with no scheduler: the run stays whole
  detail::Scheduler* const sched = detail::tls_scheduler;
  const Location loc = Location::from(where);
  // Under weft::explore not a scheduling point (above): the stamp is for a try-lock.
  const bool explored = controlled(sched);
  const std::uint64_t stamp = explored ? sched->unlocking(loc) : 0;
  if (!explored) detail::visible(loc, detail::OpKind::unlock, this);
  lk_.lock();
  if (!writer_) {
    lk_.unlock();
    if (unwinding_from_teardown()) return;
    throw Panic("sync: Unlock of unlocked RWMutex", loc);
  }
  if (explored) released_at_ = write_released_at_ = stamp;
  hb::release_store(this);  // a copy, as in Mutex::unlock
  hb::lock_released(this);
  writer_ = false;
  std::vector<detail::G*> wake;
  while (detail::G* g = wake_one(readerq_, true)) {  // admit every queued reader
    ++readers_;
    wake.push_back(g);
  }
  if (wake.empty() && writers_waiting_ > 0) {  // else hand over to one writer
    if (detail::G* g = wake_one(writerq_, true)) {
      --writers_waiting_;
      writer_ = true;
      wake.push_back(g);
    }
  }
  lk_.unlock();
  ready_all(wake);
}

void RWMutex::lock_shared(std::source_location where) {
  const Location loc = Location::from(where);
  detail::visible(loc, detail::OpKind::rlock, this);
  lk_.lock();
  if (writer_ || writers_waiting_ > 0) {
    wait_on(readerq_, lk_, detail::WaitReason::rwmutex_rlock, loc);  // granted on wake
  } else {
    ++readers_;
    lk_.unlock();
  }
  hb::acquire(this);
  hb::lock_acquired(this, false, loc);
}

bool RWMutex::try_lock_shared(std::source_location where) {
  const Location loc = Location::from(where);
  detail::visible(loc, detail::OpKind::rlock, this);
  // Available, but perhaps only since a writer's Unlock that was not a point (above).
  detail::Scheduler* const sched = detail::tls_scheduler;
  if (controlled(sched) && available(false) &&
      sched->fails_before_release(write_released_at_)) {
    detail::polled();
    return false;
  }
  lk_.lock();
  if (writer_ || writers_waiting_ > 0) {
    lk_.unlock();
    detail::polled();
    return false;
  }
  ++readers_;
  lk_.unlock();
  hb::acquire(this);
  hb::lock_try_acquired(this, false, loc);
  return true;
}

void RWMutex::unlock_shared(std::source_location where) {
  const detail::OutsideOp outside;  // on a thread with no scheduler: the run stays whole
  detail::Scheduler* const sched = detail::tls_scheduler;
  const Location loc = Location::from(where);
  // Under weft::explore not a scheduling point (above): the stamp is for a try-lock.
  const bool explored = controlled(sched);
  const std::uint64_t stamp = explored ? sched->unlocking(loc) : 0;
  if (!explored) detail::visible(loc, detail::OpKind::runlock, this);
  lk_.lock();
  if (readers_ == 0) {
    lk_.unlock();
    if (unwinding_from_teardown()) return;
    throw Panic("sync: RUnlock of unlocked RWMutex", loc);
  }
  if (explored) released_at_ = stamp;
  hb::release(&reader_sync_);
  hb::lock_released(this);
  --readers_;
  detail::G* g = nullptr;
  if (readers_ == 0 && writers_waiting_ > 0) {
    g = wake_one(writerq_, true);
    if (g) {
      --writers_waiting_;
      writer_ = true;
    }
  }
  lk_.unlock();
  if (g) detail::ready(g);
}

// ---- WaitGroup ----

// Go's race detector rule for WaitGroups: an Add that raises the counter from zero must
// happen before a Wait that blocks, or Wait may return before the work was counted (the
// classic wg.Add inside the goroutine). Modelled as Go does: that Add reads the group, the
// first blocking Wait writes it (one byte at the group's address, which no user code touches),
// so a schedule where they are unordered is a data race even when Wait happened to block.
namespace {
Location wait_group_frame(Location where, const char* function) {
  where.function = function;
  return where;
}
}  // namespace

WaitGroup::~WaitGroup() {
  hb::sync_free(this);
  hb::model_free(this, 1);
}

void WaitGroup::add(std::int64_t delta, std::source_location where) {
  const detail::OutsideOp outside;  // on a thread with no scheduler: the run stays whole
  const Location loc = Location::from(where);
  detail::visible(loc, detail::OpKind::wait_group, this);
  lk_.lock();
  if (delta < 0) hb::release(this);
  counter_ += delta;
  if (counter_ < 0) {
    counter_ -= delta;
    lk_.unlock();
    throw Panic("sync: negative WaitGroup counter", loc);
  }
  const bool from_zero = delta > 0 && counter_ == delta;
  std::vector<detail::G*> wake;
  if (counter_ == 0 && waiting_ > 0) {
    waiting_ = 0;
    while (detail::G* g = wake_one(waiters_, true)) wake.push_back(g);
  }
  lk_.unlock();
  ready_all(wake);
  if (from_zero) {
    hb::model_access(this, 1, AccessKind::read, wait_group_frame(loc, "weft::WaitGroup::add"));
  }
}

void WaitGroup::wait(std::source_location where) {
  const Location loc = Location::from(where);
  detail::visible(loc, detail::OpKind::wait_group, this);
  lk_.lock();
  if (counter_ == 0) {
    lk_.unlock();
    hb::acquire(this);
    return;
  }
  waiter_self(lk_, detail::WaitReason::waitgroup_wait, loc);  // before anything changes
  if (waiting_ == 0 && detail::events()) {
    const Location frame = wait_group_frame(loc, "weft::WaitGroup::wait");
    if (detail::running_parallel()) {
      // weft::run with race detection: other goroutines run meanwhile, so the write is
      // recorded with the lock held, where this Wait is known to be the first to block (a
      // report there prints, or ends the process, and never unwinds through the lock).
      hb::model_access(this, 1, AccessKind::write, frame);
    } else {
      // The first Wait to block, recorded without the lock (a race report may end the
      // iteration from inside the sink). Under the controlled scheduler nothing else runs
      // before the lock is taken again: no visible operation lies in between.
      lk_.unlock();
      hb::model_access(this, 1, AccessKind::write, frame);
      lk_.lock();
    }
  }
  ++waiting_;
  wait_on(waiters_, lk_, detail::WaitReason::waitgroup_wait, loc);
  // Go: the group must not be reused (a new Add, or another Wait) before every Wait that
  // the previous round released has returned.
  lk_.lock();
  const bool reused = counter_ != 0 || waiting_ != 0;
  lk_.unlock();
  if (reused) throw Panic("sync: WaitGroup is reused before previous Wait has returned", loc);
  hb::acquire(this);
}

// ---- Once ----

void Once::do_(const std::function<void()>& f, std::source_location where) {
  mu_.lock(where);
  if (done_) {
    mu_.unlock(where);
    return;
  }
  struct MarkDone {  // Go's `defer o.done.Store(1)`: a panic in f still counts as done
    Once& o;
    std::source_location w;
    ~MarkDone() noexcept(false) {
      o.done_ = true;
      if (std::uncaught_exceptions() == 0) {
        o.mu_.unlock(w);
      } else {
        try {
          o.mu_.unlock(w);
        } catch (...) {
        }
      }
    }
  } mark{*this, where};
  f();
}

// ---- Cond ----

Cond::~Cond() { hb::sync_free(this); }

void Cond::wait(std::source_location where) {
  const Location loc = Location::from(where);
  detail::visible(loc, detail::OpKind::cond, this);
  // Enqueue before unlocking the user's lock, so a signal sent in between is not lost.
  detail::Waiter w;
  w.g = detail::current();
  lk_.lock();
  waiters_.push(&w);
  lk_.unlock();
  unlock_fn_(lock_obj_, where);
  lk_.lock();
  if (!w.success) {
    w.parked = true;
    detail::park_queued(waiters_, w, lk_, detail::WaitReason::cond_wait, loc);
  } else {
    lk_.unlock();
  }
  // The signal or broadcast that woke this wait left its clock at &w (see wake_waiter).
  hb::acquire(&w);
  hb::sync_free(&w);
  lock_fn_(lock_obj_, where);
}

// Dequeues the first waiter of a Cond and passes the caller's clock to it alone, so that
// a signal happens before the wait it wakes returns, and a signal nobody waited for (lost,
// as in Go) orders nothing. Returns the goroutine to ready, or nullptr.
detail::G* Cond::wake_waiter() {
  detail::Waiter* w = waiters_.pop();
  if (!w) return nullptr;
  hb::release_store(w);
  w->success = true;
  return w->parked ? w->g : nullptr;  // else it has not parked and will not
}

void Cond::signal(std::source_location where) {
  const detail::OutsideOp outside;  // on a thread with no scheduler: the run stays whole
  detail::visible(Location::from(where), detail::OpKind::cond, this);
  lk_.lock();
  detail::G* g = wake_waiter();
  lk_.unlock();
  if (g) detail::ready(g);
}

void Cond::broadcast(std::source_location where) {
  const detail::OutsideOp outside;  // on a thread with no scheduler: the run stays whole
  detail::visible(Location::from(where), detail::OpKind::cond, this);
  lk_.lock();
  std::vector<detail::G*> wake;
  while (detail::G* g = wake_waiter()) wake.push_back(g);
  lk_.unlock();
  ready_all(wake);
}

}  // namespace weft
