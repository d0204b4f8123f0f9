// Lock kernels: lock-order inversions of two and three mutexes, dining philosophers, a
// recursive read lock with a waiting writer, lock upgrades, locks held across channel
// operations and WaitGroup waits, a lock left held on an error path, re-entry by callback.
// Race detection is off for the inversions, so what must be found is the deadlock itself
// (the detector would report the potential cycle at once).
#include <memory>
#include <mutex>
#include <shared_mutex>

#include "kernel.hpp"
#include "weft/weft.hpp"

namespace weft_bugs {
namespace {

// Two mutexes taken in opposite orders (resource deadlock, depth 2: each goroutine takes
// its first lock before the other's second). Fix: one global order.
void abba(bool fixed) {
  weft::Mutex a, b;
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {
    std::scoped_lock la(a);
    std::scoped_lock lb(b);
    wg.done();
  });
  weft::go([&] {
    weft::Mutex& first = fixed ? a : b;
    weft::Mutex& second = fixed ? b : a;
    std::scoped_lock l1(first);
    std::scoped_lock l2(second);
    wg.done();
  });
  wg.wait();
}
void abba_bug() { abba(false); }
void abba_fix() { abba(true); }

// Three mutexes in a cycle (resource deadlock, depth 3): goroutine i takes m[i] then
// m[(i+1)%3]; all three must hold their first lock before any takes its second. Fix: the
// last goroutine takes the lower-numbered lock first.
void cycle3(bool fixed) {
  weft::Mutex m[3];
  weft::WaitGroup wg;
  wg.add(3);
  for (int i = 0; i < 3; ++i)
    weft::go([&, i] {
      int first = i, second = (i + 1) % 3;
      if (fixed && first > second) std::swap(first, second);
      std::scoped_lock l1(m[first]);
      std::scoped_lock l2(m[second]);
      wg.done();
    });
  wg.wait();
}
void cycle3_bug() { cycle3(false); }
void cycle3_fix() { cycle3(true); }

// Dining philosophers, four of them (resource deadlock, depth 4). Fix: the last one picks
// up its right fork first.
void philosophers(bool fixed) {
  constexpr int n = 4;
  weft::Mutex fork[n];
  weft::WaitGroup wg;
  wg.add(n);
  for (int p = 0; p < n; ++p)
    weft::go([&, p] {
      int left = p, right = (p + 1) % n;
      if (fixed && p == n - 1) std::swap(left, right);
      fork[left].lock();
      fork[right].lock();
      fork[right].unlock();
      fork[left].unlock();
      wg.done();
    });
  wg.wait();
}
void philosophers_bug() { philosophers(false); }
void philosophers_fix() { philosophers(true); }

// A recursive read lock with a waiting writer (resource deadlock, depth 2: the writer
// queues between the reader's two read locks). The writer waits for the first read lock;
// the second read lock waits behind the writer, as Go's RWMutex requires. Fix: the inner
// call runs under the read lock it was given (no second rlock).
void recursive_rlock(bool fixed) {
  weft::RWMutex rw;
  weft::Shared<int> config{1};
  weft::WaitGroup wg;
  wg.add(2);
  auto lookup = [&](bool locked) {
    if (!locked) rw.rlock();
    int v = config.read();
    if (!locked) rw.runlock();
    return v;
  };
  weft::go([&] {
    rw.rlock();
    int v = config.read() + lookup(fixed);
    rw.runlock();
    weft::check(v == 2 || v == 4, "a consistent config");
    wg.done();
  });
  weft::go([&] {
    rw.lock();
    config.write(2);
    rw.unlock();
    wg.done();
  });
  wg.wait();
}
void recursive_rlock_bug() { recursive_rlock(false); }
void recursive_rlock_fix() { recursive_rlock(true); }

// A read lock "upgraded" to a write lock (resource deadlock, depth 0): Go's RWMutex cannot
// upgrade; Lock waits for the caller's own read lock. Fix: release the read lock, take the
// write lock and check again.
void rw_upgrade(bool fixed) {
  weft::RWMutex rw;
  auto cache = std::make_shared<weft::Shared<int>>(0);
  weft::WaitGroup wg;
  wg.add(1);
  weft::go([&, cache] {
    rw.rlock();
    if (cache->read() == 0) {
      if (fixed) rw.runlock();
      rw.lock();
      if (cache->read() == 0) cache->write(7);
      rw.unlock();
      if (!fixed) rw.runlock();
    } else {
      rw.runlock();
    }
    wg.done();
  });
  wg.wait();
}
void rw_upgrade_bug() { rw_upgrade(false); }
void rw_upgrade_fix() { rw_upgrade(true); }

// A mutex held across a channel send (mixed deadlock, depth 1: the sender takes the lock
// before main does). Main needs the lock before it receives. Fix: send after unlocking.
void lock_across_send(bool fixed) {
  weft::Mutex mu;
  weft::Shared<int> state{0};
  auto events = weft::make_chan<int>();
  weft::WaitGroup wg;
  wg.add(1);
  weft::go([&, events] {
    mu.lock();
    state.write(1);
    if (fixed) mu.unlock();
    events.send(1);
    if (!fixed) mu.unlock();
    wg.done();
  });
  mu.lock();
  (void)state.read();
  mu.unlock();
  (void)events.recv();
  wg.wait();
}
void lock_across_send_bug() { lock_across_send(false); }
void lock_across_send_fix() { lock_across_send(true); }

// A mutex held across a channel receive (mixed deadlock, depth 1): the consumer waits for
// a message holding the lock the producer takes before it sends. Fix: receive, then lock.
void lock_across_recv(bool fixed) {
  weft::Mutex mu;
  weft::Shared<int> log{0};
  auto msgs = weft::make_chan<int>();
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&, msgs] {
    mu.lock();
    log.write(log.read() + 1);
    mu.unlock();
    msgs.send(1);
    wg.done();
  });
  weft::go([&, msgs] {
    if (fixed) {
      int v = msgs.recv();
      std::scoped_lock l(mu);
      log.write(log.read() + v);
    } else {
      std::scoped_lock l(mu);
      log.write(log.read() + msgs.recv());
    }
    wg.done();
  });
  wg.wait();
}
void lock_across_recv_bug() { lock_across_recv(false); }
void lock_across_recv_fix() { lock_across_recv(true); }

// WaitGroup.Wait while holding a lock the workers need (mixed deadlock, depth 1: main
// locks before the worker does). Fix: wait, then lock.
void wait_holding_lock(bool fixed) {
  weft::Mutex mu;
  weft::Shared<int> total{0};
  weft::WaitGroup wg;
  wg.add(1);
  weft::go([&] {
    std::scoped_lock l(mu);
    total.write(total.read() + 5);
    wg.done();
  });
  if (fixed) wg.wait();
  std::scoped_lock l(mu);
  if (!fixed) wg.wait();
  weft::check(total.read() == 5, "the worker's total");
}
void wait_holding_lock_bug() { wait_holding_lock(false); }
void wait_holding_lock_fix() { wait_holding_lock(true); }

// A lock left held on an early return (resource deadlock, depth 0: whichever taker comes
// second finds the queue empty). Fix: unlock on every path (a scoped guard).
struct Queue {
  weft::Mutex mu;
  weft::Shared<int> items{1};
};
bool take(Queue& q, bool fixed) {
  if (fixed) {
    std::scoped_lock l(q.mu);
    if (q.items.read() == 0) return false;
    q.items.write(q.items.read() - 1);
    return true;
  }
  q.mu.lock();
  if (q.items.read() == 0) return false;  // BUG: still locked
  q.items.write(q.items.read() - 1);
  q.mu.unlock();
  return true;
}
void unlock_skipped(bool fixed) {
  Queue q;
  weft::WaitGroup wg;
  wg.add(2);
  for (int w = 0; w < 2; ++w) weft::go([&] { (void)take(q, fixed); wg.done(); });
  wg.wait();
  std::scoped_lock l(q.mu);
  weft::check(q.items.read() == 0, "the item was taken");
}
void unlock_skipped_bug() { unlock_skipped(false); }
void unlock_skipped_fix() { unlock_skipped(true); }

// Re-entry through a callback (resource deadlock, depth 0): the registry calls listeners
// while holding its lock, and a listener registers another listener. Fix: copy the list,
// unlock, then call.
void callback_reentry(bool fixed) {
  struct Registry {
    weft::Mutex mu;
    int listeners = 0;
    void add() {
      std::scoped_lock l(mu);
      ++listeners;
    }
  } reg;
  weft::WaitGroup wg;
  wg.add(1);
  weft::go([&] {
    auto notify = [&] { reg.add(); };
    if (fixed) {
      reg.mu.lock();
      const int n = reg.listeners;
      reg.mu.unlock();
      if (n == 0) notify();
    } else {
      std::scoped_lock l(reg.mu);
      if (reg.listeners == 0) notify();
    }
    wg.done();
  });
  wg.wait();
}
void callback_reentry_bug() { callback_reentry(false); }
void callback_reentry_fix() { callback_reentry(true); }

// Unlock of an unlocked mutex (sync misuse, depth 1: the error is seen only when the other
// goroutine has flagged it): an unlock on the error path and the unlock at the end.
// Fix: unlock once.
void double_unlock(bool fixed) {
  weft::Mutex mu;
  weft::Atomic<int> failed{0};
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] { failed.store(1); wg.done(); });
  weft::go([&] {
    mu.lock();
    if (failed.load() != 0 && !fixed) mu.unlock();  // cleanup on the error path...
    mu.unlock();                                   // ...and the normal unlock
    wg.done();
  });
  wg.wait();
}
void double_unlock_bug() { double_unlock(false); }
void double_unlock_fix() { double_unlock(true); }

// Inversion through a shared_lock and a Mutex (resource deadlock, depth 2): a reader holds
// the table's read lock and takes a row lock; a writer holds the row lock and takes the
// table's write lock. Fix: the writer takes the table lock first too.
void rw_inversion(bool fixed) {
  weft::RWMutex table;
  weft::Mutex row;
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {
    std::shared_lock t(table);
    std::scoped_lock r(row);
    wg.done();
  });
  weft::go([&] {
    if (fixed) {
      std::unique_lock t(table);
      std::scoped_lock r(row);
    } else {
      std::scoped_lock r(row);
      std::unique_lock t(table);
    }
    wg.done();
  });
  wg.wait();
}
void rw_inversion_bug() { rw_inversion(false); }
void rw_inversion_fix() { rw_inversion(true); }

}  // namespace

void add_lock_kernels(std::vector<Kernel>& out) {
  using K = weft::FailureKind;
  out.insert(out.end(), {
      {"abba_two_mutexes", kResourceDeadlock, 2, abba_bug, abba_fix, K::deadlock, false},
      {"cycle_three_mutexes", kResourceDeadlock, 3, cycle3_bug, cycle3_fix, K::deadlock, false},
      {"dining_philosophers_4", kResourceDeadlock, 4, philosophers_bug, philosophers_fix, K::deadlock, false},
      {"recursive_rlock_waiting_writer", kResourceDeadlock, 2, recursive_rlock_bug, recursive_rlock_fix, K::deadlock, false},
      {"rwmutex_upgrade", kResourceDeadlock, 0, rw_upgrade_bug, rw_upgrade_fix, K::deadlock, true},
      {"mutex_across_send", kMixedDeadlock, 1, lock_across_send_bug, lock_across_send_fix, K::deadlock, true},
      {"mutex_across_recv", kMixedDeadlock, 1, lock_across_recv_bug, lock_across_recv_fix, K::deadlock, true},
      {"waitgroup_wait_holding_lock", kMixedDeadlock, 1, wait_holding_lock_bug, wait_holding_lock_fix, K::deadlock, true},
      {"unlock_skipped_on_return", kResourceDeadlock, 0, unlock_skipped_bug, unlock_skipped_fix, K::deadlock, true},
      {"lock_reentry_by_callback", kResourceDeadlock, 0, callback_reentry_bug, callback_reentry_fix, K::deadlock, true},
      {"double_unlock_on_error", kSyncMisuse, 1, double_unlock_bug, double_unlock_fix, K::panic, true},
      {"rwmutex_row_inversion", kResourceDeadlock, 2, rw_inversion_bug, rw_inversion_fix, K::deadlock, false},
  });
}

}  // namespace weft_bugs
