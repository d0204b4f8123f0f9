// The wait queue (see weft/detail/wait_queue.hpp): linking and unlinking waiters, claiming
// select groups, and parking on a queue with its guard released once committed.
#include "weft/detail/wait_queue.hpp"

#include "goroutine.hpp"
#include "scheduler.hpp"

namespace weft::detail {

namespace {
// g's list of queued waiters; the caller holds g->waiters_lock when w is a select's.
void list_waiter(G* g, Waiter* w) noexcept {
  w->g_next = g->waiters;
  g->waiters = w;
}
void unlist_waiter(G* g, Waiter* w) noexcept {
  for (Waiter** p = &g->waiters; *p; p = &(*p)->g_next)
    if (*p == w) {
      *p = w->g_next;
      break;
    }
  w->g_next = nullptr;
}
}  // namespace

WaitQueue::~WaitQueue() {
  while (Waiter* w = first_) remove(w);
}

void WaitQueue::push(Waiter* w) noexcept {
  w->prev = last_;
  w->next = nullptr;
  if (last_)
    last_->next = w;
  else
    set_first(w);
  last_ = w;
  w->queued = true;
  w->queue = this;
  if (G* g = w->g) {
    // Only a select's waiters can be linked and unlinked under different queues' locks at
    // once (goroutine.hpp); any other waiter is its goroutine's only one, under this
    // queue's lock alone.
    if (w->group) {
      g->waiters_lock.lock();
      list_waiter(g, w);
      g->waiters_lock.unlock();
    } else {
      list_waiter(g, w);
    }
  }
}

// Takes queued w out of the list (no proxy, no goroutine list).
inline void WaitQueue::unlink(Waiter* w) noexcept {
  if (w->prev)
    w->prev->next = w->next;
  else
    set_first(w->next);
  if (w->next)
    w->next->prev = w->prev;
  else
    last_ = w->prev;
  w->prev = w->next = nullptr;
  w->queued = false;
  w->queue = nullptr;
}

void WaitQueue::remove(Waiter* w) noexcept {
  if (w->proxy) w = unproxy_waiter(w);
  if (!w->queued) return;
  unlink(w);
  if (G* g = w->g) {
    if (w->group) {  // see push
      g->waiters_lock.lock();
      unlist_waiter(g, w);
      g->waiters_lock.unlock();
    } else {
      unlist_waiter(g, w);
    }
  }
}

void WaitQueue::unlink_all(G* g) noexcept {
  while (Waiter* w = g->waiters) w->queue->remove(w);
}

void WaitQueue::replace(Waiter* w, Waiter* with) noexcept {
  if (w->prev)
    w->prev->next = with;
  else
    set_first(with);
  if (w->next)
    w->next->prev = with;
  else
    last_ = with;
}

Waiter* WaitQueue::pop() noexcept {
  // The common case, a plain waiter (no select, no proxy) at the head, unlinked in place:
  // its goroutine has no other waiter queued (see push), so its list is this one entry.
  if (Waiter* w = first_; w != nullptr && !w->proxy && w->group == nullptr) {
    unlink(w);
    if (G* g = w->g) unlist_waiter(g, w);
    return w;
  }
  while (Waiter* w = first_) {
    if (w->proxy) w = unproxy_waiter(w);
    remove(w);
    if (w->group) {
      bool expected = false;
      if (!w->group->done.compare_exchange_strong(expected, true, std::memory_order_acq_rel))
        continue;  // its select already fired through another channel
      w->group->fired = w->case_index;
    }
    return w;
  }
  return nullptr;
}

bool WaitQueue::has_live_slow() noexcept {
  while (Waiter* w = first_) {
    if (w->proxy && w->group) w = unproxy_waiter(w);
    if (!w->group || !w->group->done.load(std::memory_order_acquire)) return true;
    remove(w);
  }
  return false;
}

bool wait_in(WaitQueue& q, Waiter& w, SpinLock& lk, WaitReason reason, Location where)
    WEFT_NO_THREAD_SAFETY_ANALYSIS {
  if (w.g == nullptr) {  // a thread with no goroutine (current_or_outside): it cannot wait
    lk.unlock();
    outside_cannot_wait(reason, where);
  }
  q.push(&w);
  park_queued(q, w, lk, reason, where);
  return w.success;
}

// park() releases lk through its callback, which the analysis cannot follow.
void park_queued(WaitQueue& q, Waiter& w, SpinLock& lk, WaitReason reason, Location where)
    WEFT_NO_THREAD_SAFETY_ANALYSIS {
  if (park(reason, where, &unlock_spin, &lk) == Wake::killed) {
    if (w.queued) {  // else its sync object may be gone
      lk.lock();
      q.remove(&w);
      lk.unlock();
    }
    exit_killed();
  }
}

}  // namespace weft::detail
