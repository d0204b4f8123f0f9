// weft/sync.hpp — Go's sync package: Mutex, RWMutex, WaitGroup, Once, Cond.
//
//   weft::Mutex mu;
//   { std::lock_guard lock(mu); counter++; }          // Mutex is Lockable (weft/std_locks.hpp)
//   weft::WaitGroup wg;
//   for (int i = 0; i < 3; ++i) { wg.add(1); weft::go([&] { work(); wg.done(); }); }
//   wg.wait();
//   weft::Once once;  once.do_([] { init(); });
//   weft::Cond cond(mu);  cond.wait(); cond.signal(); cond.broadcast();
//
// Under weft::explore every operation but an unlock (Mutex, RWMutex: see the README,
// "Unlocks are not scheduling points") is a scheduling point, and every one reports its
// happens-before edges: the n-th Unlock happens before the (n+1)-th Lock returns; RUnlock
// happens before the next Lock returns and Unlock before the next RLock returns; Done
// happens before the Wait it releases returns; the return of Once's function happens before
// any Do returns; Signal/Broadcast happen before the woken Wait returns.
// Misuse panics with Go's messages ("sync: unlock of unlocked mutex", ...).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <source_location>

#include "weft/detail/wait_queue.hpp"

namespace weft {

class Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;
  ~Mutex();

  // Under weft::run (race detection off) the uncontended lock and unlock are inline: one
  // compare-and-swap each, as Go's fast paths; with one processor a plain load and store
  // (only that processor's thread runs goroutines, and nothing else may touch a Mutex).
  void lock(std::source_location where = std::source_location::current()) {
    if (detail::tls_run_unobserved) {
      if (detail::tls_sole_processor) {
        if (state_.load(std::memory_order_relaxed) == 0) {
          state_.store(kLocked, std::memory_order_relaxed);
          return;
        }
      } else {
        std::uint32_t s = 0;
        if (state_.compare_exchange_strong(s, kLocked, std::memory_order_acquire)) return;
      }
    }
    lock_slow(where);
  }
  bool try_lock(std::source_location where = std::source_location::current());
  // Panics "sync: unlock of unlocked mutex" if not locked.
  void unlock(std::source_location where = std::source_location::current()) {
    if (detail::tls_run_unobserved) {
      if (detail::tls_sole_processor) {
        if (state_.load(std::memory_order_relaxed) == kLocked) {
          state_.store(0, std::memory_order_relaxed);
          return;
        }
      } else {
        std::uint32_t s = kLocked;
        if (state_.compare_exchange_strong(s, 0, std::memory_order_release)) return;
      }
    }
    unlock_slow(where);
  }

 private:
  static constexpr std::uint32_t kLocked = 1;   // held
  static constexpr std::uint32_t kWaiters = 2;  // a goroutine may be queued in waiters_
  void lock_slow(std::source_location where);
  void unlock_slow(std::source_location where);

  detail::SpinLock lk_;
  // kLocked | kWaiters (sync.cpp). Changed under lk_, except by weft::run's uncontended
  // lock and unlock: one compare-and-swap from 0 to kLocked and back, which fails (and
  // goes the locked way) whenever kWaiters is set.
  std::atomic<std::uint32_t> state_{0};
  detail::WaitQueue waiters_ WEFT_GUARDED_BY(lk_);
  // Under weft::explore: the point stamp of the last unlock (Scheduler::unlocking), for a
  // try_lock that may be ordered before it.
  std::uint64_t released_at_ = 0;
};

// A reader/writer mutex. A blocked writer keeps new readers out, as in Go.
class RWMutex {
 public:
  RWMutex() = default;
  RWMutex(const RWMutex&) = delete;
  RWMutex& operator=(const RWMutex&) = delete;
  ~RWMutex();

  void lock(std::source_location where = std::source_location::current());
  bool try_lock(std::source_location where = std::source_location::current());
  void unlock(std::source_location where = std::source_location::current());
  void lock_shared(std::source_location where = std::source_location::current());
  bool try_lock_shared(std::source_location where = std::source_location::current());
  void unlock_shared(std::source_location where = std::source_location::current());
  // Go's names.
  void rlock(std::source_location where = std::source_location::current()) { lock_shared(where); }
  void runlock(std::source_location where = std::source_location::current()) {
    unlock_shared(where);
  }

 private:
  detail::SpinLock lk_;
  bool writer_ WEFT_GUARDED_BY(lk_) = false;
  std::uint32_t readers_ WEFT_GUARDED_BY(lk_) = 0;       // active readers
  std::uint32_t writers_waiting_ WEFT_GUARDED_BY(lk_) = 0;
  detail::WaitQueue readerq_ WEFT_GUARDED_BY(lk_);
  detail::WaitQueue writerq_ WEFT_GUARDED_BY(lk_);
  char reader_sync_ = 0;             // the address RUnlock releases to
  // Under weft::explore: the point stamps (Scheduler::unlocking) of the last release that
  // was not a scheduling point, of either kind and of a writer's, for a TryLock or a
  // TryRLock that may be ordered before it (sync.cpp).
  std::uint64_t released_at_ = 0;
  std::uint64_t write_released_at_ = 0;

  // Whether TryLock (exclusive) or TryRLock would take the lock now.
  bool available(bool exclusive) WEFT_EXCLUDES(lk_);
};

class WaitGroup {
 public:
  WaitGroup() = default;
  WaitGroup(const WaitGroup&) = delete;
  WaitGroup& operator=(const WaitGroup&) = delete;
  ~WaitGroup();

  // Panics "sync: negative WaitGroup counter" when the counter would go below zero.
  void add(std::int64_t delta, std::source_location where = std::source_location::current());
  void done(std::source_location where = std::source_location::current()) { add(-1, where); }
  void wait(std::source_location where = std::source_location::current());

 private:
  detail::SpinLock lk_;
  std::int64_t counter_ WEFT_GUARDED_BY(lk_) = 0;
  std::uint32_t waiting_ WEFT_GUARDED_BY(lk_) = 0;  // goroutines in wait()
  detail::WaitQueue waiters_ WEFT_GUARDED_BY(lk_);
};

class Once {
 public:
  // Calls f if and only if do_ is called for the first time for this Once. Concurrent
  // callers wait until f returns. If f panics, Once still counts it as done.
  void do_(const std::function<void()>& f,
           std::source_location where = std::source_location::current());

 private:
  Mutex mu_;
  bool done_ = false;  // written under mu_
};

// A condition variable bound to a lock (Go's sync.Cond with its Locker).
class Cond {
 public:
  // The lock is released and taken again at the line that called wait() when it accepts a
  // location (weft's mutexes, and std guards over them), otherwise by its plain members.
  template <class Lockable>
  explicit Cond(Lockable& l)
      : lock_obj_(&l),
        lock_fn_([](void* p, std::source_location w) {
          if constexpr (requires(Lockable& x) { x.lock(w); }) static_cast<Lockable*>(p)->lock(w);
          else static_cast<Lockable*>(p)->lock();
        }),
        unlock_fn_([](void* p, std::source_location w) {
          if constexpr (requires(Lockable& x) { x.unlock(w); })
            static_cast<Lockable*>(p)->unlock(w);
          else static_cast<Lockable*>(p)->unlock();
        }) {}
  Cond(const Cond&) = delete;
  Cond& operator=(const Cond&) = delete;
  ~Cond();

  // Unlocks the lock, waits for signal/broadcast, locks it again before returning.
  void wait(std::source_location where = std::source_location::current());
  void signal(std::source_location where = std::source_location::current());
  void broadcast(std::source_location where = std::source_location::current());

 private:
  detail::G* wake_waiter() WEFT_REQUIRES(lk_);
  void* lock_obj_;
  void (*lock_fn_)(void*, std::source_location);
  void (*unlock_fn_)(void*, std::source_location);
  detail::SpinLock lk_;
  detail::WaitQueue waiters_ WEFT_GUARDED_BY(lk_);
};

}  // namespace weft

// Guards from <mutex> over weft's mutexes record the caller's line.
#include "weft/std_locks.hpp"
