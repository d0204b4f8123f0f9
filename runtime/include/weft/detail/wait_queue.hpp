// The wait queue (Go's sudog lists): goroutines blocked on one channel, mutex, rwmutex,
// waitgroup or cond, in FIFO order, and the park/unlink protocol they share.
//
// Invariants (guarded by the lock of the sync object that owns the queue):
//  - a Waiter is linked into at most one WaitQueue at a time; `queued` and `queue` say
//    which, and `g->waiters` lists exactly the queued waiters whose g is g (via g_next);
//  - pop() never returns a select waiter whose SelectGroup was already claimed: the waiter
//    it returns has claimed its group (done == true, fired == its case_index).
// Waiters live on the waiting goroutine's stack; a queue that dies with waiters still in it
// (a sync object destroyed while goroutines are torn down) unlinks them first.
#pragma once

#include <atomic>
#include <cstddef>

#include "weft/detail/runtime.hpp"
#include "weft/detail/spinlock.hpp"

namespace weft::detail {

// One select statement that is blocked on several channels: the first waker claims it.
struct SelectGroup {
  std::atomic<bool> done{false};
  std::size_t fired = 0;  // index of the case that fired
};

// A goroutine waiting on one channel or sync object (Go's sudog). Lives on the waiting
// goroutine's stack.
struct Waiter {
  G* g = nullptr;
  void* elem = nullptr;  // send: the value to move out; receive: storage to move into
  Waiter* prev = nullptr;
  Waiter* next = nullptr;
  SelectGroup* group = nullptr;  // set for select cases
  std::size_t case_index = 0;
  bool success = false;  // true: the transfer happened; false: woken by close
  bool queued = false;   // linked into a WaitQueue
  // Cond waiters only: set under the cond's lock once the goroutine is committed to park.
  // A signal that dequeues a waiter before that must not ready it: the goroutine sees
  // `success` and does not park, and may be parked elsewhere by the time a ready() came.
  bool parked = false;
  // A heap copy standing in for a waiter whose goroutine's stack is compacted (a
  // WaiterProxy, runtime/src/stack_compact.hpp): queues link it instead of the original.
  bool proxy = false;
  class WaitQueue* queue = nullptr;  // the queue it is linked into, while queued
  Waiter* g_next = nullptr;  // the next waiter of the same goroutine that is queued somewhere
};

class WaitQueue {
 public:
  WaitQueue() = default;
  WaitQueue(const WaitQueue&) = delete;
  WaitQueue& operator=(const WaitQueue&) = delete;
  // A waiter still queued when its sync object dies (its goroutine is being torn down after
  // main returned) is unlinked, so its cleanup knows not to touch the dead object.
  ~WaitQueue();
  bool empty() const noexcept { return first_ == nullptr; }
  // Whether anyone is queued, read without the queue's guard (select's look before it
  // locks, SelectImpl::looks_ready): exact when no other thread can change the queue, a
  // hint otherwise. first_ is only ever written with relaxed atomic stores for this read.
  bool seems_nonempty() const noexcept {
    return __atomic_load_n(&first_, __ATOMIC_RELAXED) != nullptr;
  }
  void push(Waiter* w) noexcept;
  void remove(Waiter* w) noexcept;  // no-op when w is not queued
  // Removes and returns the first waiter that can still be woken, claiming its select
  // group; select waiters already claimed through another channel are dropped.
  Waiter* pop() noexcept;
  // Whether some waiter could be woken now (drops stale select waiters).
  bool has_live() noexcept { return first_ != nullptr && has_live_slow(); }
  // Unlinks every waiter of g from the queues it is in (a goroutine abandoned at teardown).
  static void unlink_all(G* g) noexcept;
  // Links `with` where the queued waiter `w` is, with w's neighbours (stack compaction
  // swaps a waiter and its proxy); w's own links are left as they were.
  void replace(Waiter* w, Waiter* with) noexcept;

 private:
  bool has_live_slow() noexcept;
  void set_first(Waiter* w) noexcept { __atomic_store_n(&first_, w, __ATOMIC_RELAXED); }
  void unlink(Waiter* w) noexcept;

  Waiter* first_ = nullptr;
  Waiter* last_ = nullptr;
};

// Links w (its g set to the caller) into q, whose guard lk the caller holds, parks until a
// waker dequeues it, and returns w.success. If the iteration is torn down meanwhile, unlinks
// w (when its sync object still exists) and unwinds the goroutine instead of returning.
// Puts a proxy's original waiter back in its place (its goroutine's stack restored first)
// and returns the original; stack_compact.cpp. Wakers see only originals.
Waiter* unproxy_waiter(Waiter* proxy) noexcept;

// A waiter with no g (a thread of weft::run that runs no goroutine) is not linked: lk is
// released and std::logic_error thrown, as nothing there can wait.
bool wait_in(WaitQueue& q, Waiter& w, SpinLock& lk, WaitReason reason, Location where)
    WEFT_RELEASE(lk);
// The parking half of wait_in, for a waiter linked into q earlier (Cond links it before it
// releases the user's lock): releases lk once committed to parking, returns when woken.
void park_queued(WaitQueue& q, Waiter& w, SpinLock& lk, WaitReason reason, Location where)
    WEFT_RELEASE(lk);

}  // namespace weft::detail
