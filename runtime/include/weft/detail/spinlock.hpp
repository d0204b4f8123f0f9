// A test-and-test-and-set lock guarding one channel's or sync object's state; the parallel
// scheduler relies on it for mutual exclusion between processors.
//
// Under weft::run with one processor, and under the controlled scheduler (weft::explore),
// it is not taken at all: goroutine operations run only on that one thread (a
// weft::blocking call's worker and every other thread have no goroutine, and their
// operations throw before they lock), one at a time, so there is nobody to exclude, and an
// atomic exchange costs 5 to 9 ns on these machines, as much as the rest of a buffered send. State that other threads do touch uses RawSpinLock (the
// scheduler's queues, a Context's cancellation), or no lock (a channel's length).
#pragma once

#include <sched.h>

#include <atomic>

#include "weft/detail/thread_safety.hpp"

namespace weft::detail {

// Set on the thread of the one processor of a weft::run with procs == 1, and on a thread
// running an iteration of weft::explore, while it runs.
extern thread_local constinit bool tls_sole_processor;

class WEFT_CAPABILITY("SpinLock") RawSpinLock {
 public:
  void lock() noexcept WEFT_ACQUIRE() {
    if (held_.exchange(true, std::memory_order_acquire)) lock_contended();
  }
  bool try_lock() noexcept WEFT_TRY_ACQUIRE(true) { return !held_.exchange(true, std::memory_order_acquire); }
  void unlock() noexcept WEFT_RELEASE() { held_.store(false, std::memory_order_release); }

 private:
  // Spins a while, then yields the OS thread between looks: on a machine with more
  // runnable threads than cores the holder may have been preempted, and spinning on would
  // only keep it off the core (Go's runtime lock does the same before it sleeps).
  [[gnu::noinline]] void lock_contended() noexcept WEFT_NO_THREAD_SAFETY_ANALYSIS {
    constexpr unsigned kSpins = 128;
    unsigned spins = 0;
    do {
      while (held_.load(std::memory_order_relaxed)) {
        if (spins < kSpins) {
          ++spins;
          __builtin_ia32_pause();
        } else {
          ::sched_yield();
        }
      }
    } while (held_.exchange(true, std::memory_order_acquire));
  }

  std::atomic<bool> held_{false};
};

class WEFT_CAPABILITY("SpinLock") SpinLock {
 public:
  void lock() noexcept WEFT_ACQUIRE() WEFT_NO_THREAD_SAFETY_ANALYSIS {
    if (!tls_sole_processor) raw_.lock();
  }
  bool try_lock() noexcept WEFT_TRY_ACQUIRE(true) WEFT_NO_THREAD_SAFETY_ANALYSIS {
    return tls_sole_processor || raw_.try_lock();
  }
  void unlock() noexcept WEFT_RELEASE() WEFT_NO_THREAD_SAFETY_ANALYSIS {
    if (!tls_sole_processor) raw_.unlock();
  }

 private:
  RawSpinLock raw_;
};

// Unlocks the SpinLock at `lk`: the unlock callback park() takes (an UnlockFn), so a sync
// object's guard is released only once its goroutine is committed to parking.
// The analysis cannot see through the void*; callers that pass it are annotated instead.
inline void unlock_spin(void* lk) noexcept WEFT_NO_THREAD_SAFETY_ANALYSIS {
  static_cast<SpinLock*>(lk)->unlock();
}

}  // namespace weft::detail
