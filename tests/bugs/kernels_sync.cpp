// WaitGroup, Cond and Once kernels: Add inside the goroutine, Done twice or never, a lost
// Cond wake-up, `if` around Cond::wait in a bounded buffer, signal where broadcast was
// needed, Once that re-enters itself.
#include <deque>
#include <memory>
#include <mutex>

#include "kernel.hpp"
#include "weft/weft.hpp"

namespace weft_bugs {
namespace {

// WaitGroup.Add inside the goroutine (sync misuse, depth 1: Wait runs before a worker's
// Add). Wait returns early and main reads the results before they are written; or, when
// an Add lands while Wait is returning, Go's "WaitGroup is reused before previous Wait has
// returned" panic. With the detector on, Go's rule reports it first: an Add that raises the
// counter from zero races with a Wait not ordered after it. Fix: Add before `go`.
void wg_add_inside(bool fixed) {
  weft::WaitGroup wg;
  weft::Atomic<int> done{0};
  if (fixed) wg.add(2);
  for (int w = 0; w < 2; ++w)
    weft::go([&] {
      if (!fixed) wg.add(1);
      done.fetch_add(1);
      wg.done();
    });
  wg.wait();
  weft::check(done.load() == 2, "Wait returned before every worker finished");
}
void wg_add_inside_bug() { wg_add_inside(false); }
void wg_add_inside_fix() { wg_add_inside(true); }

// Done twice on a retry path (sync misuse, depth 1: the retry happens when the first
// attempt saw the resource busy): "negative WaitGroup counter". Fix: Done once, after the
// loop.
void wg_double_done(bool fixed) {
  weft::WaitGroup wg;
  weft::Atomic<int> busy{0};
  wg.add(2);
  weft::go([&] {
    busy.store(1);
    busy.store(0);
    wg.done();
  });
  weft::go([&] {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (busy.load() == 0) break;
      if (!fixed) wg.done();  // BUG: counts the failed attempt as finished
    }
    wg.done();
  });
  wg.wait();
}
void wg_double_done_bug() { wg_double_done(false); }
void wg_double_done_fix() { wg_double_done(true); }

// Done skipped on an early return (communication deadlock, depth 0: of two workers and one
// job, one always finds the queue closed and drained). Fix: Done on every path.
void wg_done_skipped(bool fixed) {
  auto jobs = weft::make_chan<int>(1);
  jobs.send(1);
  jobs.close();
  weft::WaitGroup wg;
  wg.add(2);
  for (int w = 0; w < 2; ++w)
    weft::go([&, jobs] {
      auto j = jobs.recv_ok();
      if (!j && !fixed) return;  // BUG: no Done
      wg.done();
    });
  wg.wait();
}
void wg_done_skipped_bug() { wg_done_skipped(false); }
void wg_done_skipped_fix() { wg_done_skipped(true); }

// A lost Cond wake-up (communication deadlock, depth 2: the waiter checks the flag, then
// the setter sets it and signals before the waiter waits). The setter changes the flag and
// signals without the lock. Fix: set and signal under the lock.
void lost_wakeup(bool fixed) {
  weft::Mutex mu;
  weft::Cond cond(mu);
  weft::Shared<bool> ready{false};
  weft::WaitGroup wg;
  wg.add(1);
  weft::go([&] {
    if (fixed) mu.lock();
    ready.write(true);
    cond.signal();
    if (fixed) mu.unlock();
    wg.done();
  });
  mu.lock();
  while (!ready.read()) cond.wait();
  mu.unlock();
  wg.wait();
}
void lost_wakeup_bug() { lost_wakeup(false); }
void lost_wakeup_fix() { lost_wakeup(true); }

// A bounded buffer with `if` around Cond::wait (atomicity, depth 2: a second consumer takes
// the item between the broadcast and the first consumer's wake-up). The woken consumer
// does not check again and pops an empty buffer. Fix: `while`.
void bounded_buffer(bool fixed) {
  weft::Mutex mu;
  weft::Cond nonempty(mu);
  std::deque<int> buf;
  weft::Atomic<int> bad{0};
  weft::WaitGroup wg;
  wg.add(3);
  auto consumer = [&] {
    mu.lock();  // not a guard around Cond::wait: see kernel.hpp
    if (fixed) {
      while (buf.empty()) nonempty.wait();
    } else if (buf.empty()) {
      nonempty.wait();
    }
    if (buf.empty()) bad.store(1); else buf.pop_front();
    mu.unlock();
    wg.done();
  };
  weft::go(consumer);
  weft::go(consumer);
  weft::go([&] {
    for (int i = 0; i < 2; ++i) {
      std::scoped_lock l(mu);
      buf.push_back(i);
      nonempty.broadcast();
    }
    wg.done();
  });
  wg.wait();
  weft::check(bad.load() == 0, "a consumer popped an empty buffer");
}
void bounded_buffer_bug() { bounded_buffer(false); }
void bounded_buffer_fix() { bounded_buffer(true); }

// Signal where broadcast was needed (communication deadlock, depth 3: the phase-2 waiter
// queues first, takes the phase-1 signal, and queues again behind the phase-1 waiter before
// the phase-2 signal, which then wakes the phase-1 waiter; the phase-2 waiter sleeps
// forever). Two waiters wait for different conditions on one Cond. Fix: broadcast.
void signal_not_broadcast(bool fixed) {
  weft::Mutex mu;
  weft::Cond changed(mu);
  int phase = 0;
  weft::WaitGroup wg;
  wg.add(2);
  for (int want = 1; want <= 2; ++want)
    weft::go([&, want] {
      mu.lock();
      while (phase < want) changed.wait();
      mu.unlock();
      wg.done();
    });
  for (int next = 1; next <= 2; ++next) {
    std::scoped_lock l(mu);
    phase = next;
    fixed ? changed.broadcast() : changed.signal();
  }
  wg.wait();
}
void signal_not_broadcast_bug() { signal_not_broadcast(false); }
void signal_not_broadcast_fix() { signal_not_broadcast(true); }

// Once re-entered from its own function (resource deadlock, depth 0): init calls a helper
// that goes through the same Once. Fix: the helper used inside init takes the
// uninitialised path directly.
void once_reentry(bool fixed) {
  weft::Once once;
  int value = 0;
  std::function<int()> get;
  auto init = [&] { value = fixed ? 1 : get() + 1; };
  get = [&] {
    once.do_(init);
    return value;
  };
  weft::check(get() == 1, "initialised once");
}
void once_reentry_bug() { once_reentry(false); }
void once_reentry_fix() { once_reentry(true); }

// Cond wait without holding its lock's condition check (order violation, depth 1): the
// consumer waits once, unconditionally; when the producer signalled first the consumer
// sleeps forever. Fix: wait in a loop over the condition.
void wait_unconditionally(bool fixed) {
  weft::Mutex mu;
  weft::Cond cond(mu);
  bool produced = false;
  weft::WaitGroup wg;
  wg.add(1);
  weft::go([&] {
    std::scoped_lock l(mu);
    produced = true;
    cond.signal();
    wg.done();
  });
  mu.lock();
  if (fixed) {
    while (!produced) cond.wait();
  } else {
    cond.wait();
  }
  mu.unlock();
  wg.wait();
}
void wait_unconditionally_bug() { wait_unconditionally(false); }
void wait_unconditionally_fix() { wait_unconditionally(true); }

}  // namespace

void add_sync_kernels(std::vector<Kernel>& out) {
  using K = weft::FailureKind;
  out.insert(out.end(), {
      {"waitgroup_add_in_goroutine", kSyncMisuse, 1, wg_add_inside_bug, wg_add_inside_fix, K::assertion, false, false, 0, K::panic},
      {"waitgroup_add_in_goroutine_detected", kSyncMisuse, 1, wg_add_inside_bug, wg_add_inside_fix, K::data_race, true, false, 0, K::assertion},
      {"waitgroup_double_done", kSyncMisuse, 1, wg_double_done_bug, wg_double_done_fix, K::panic, true},
      {"waitgroup_done_skipped", kCommunicationDeadlock, 0, wg_done_skipped_bug, wg_done_skipped_fix, K::deadlock, true},
      {"lost_cond_wakeup", kCommunicationDeadlock, 2, lost_wakeup_bug, lost_wakeup_fix, K::deadlock, false},
      {"bounded_buffer_if_wait", kAtomicity, 2, bounded_buffer_bug, bounded_buffer_fix, K::assertion, true},
      {"cond_signal_not_broadcast", kCommunicationDeadlock, 3, signal_not_broadcast_bug, signal_not_broadcast_fix, K::deadlock, true},
      {"once_reentry", kSyncMisuse, 0, once_reentry_bug, once_reentry_fix, K::deadlock, true},
      {"cond_wait_unconditional", kOrder, 1, wait_unconditionally_bug, wait_unconditionally_fix, K::deadlock, true},
  });
}

}  // namespace weft_bugs
