// Go's selectgo, in three passes:
//  0. lock every distinct channel of the select, in address order (no lock-order cycles
//     between two selects);
//  1. collect the cases that are ready now; if any, the strategy picks one (under the
//     parallel scheduler: a random one), it completes under the locks, done. Else, with a
//     default case, return the default. Under weft::run one case is first chosen from a
//     look at every case without a lock and completed under its own lock (poll_looks);
//     finding none ready that way still needs the snapshot under every lock;
//  2. enqueue one Waiter per case, all in one SelectGroup, and park; the first channel to
//     wake one of them claims the group, so exactly one case fires;
//  3. woken: lock again and unlink the waiters of the cases that did not fire.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>
#include <vector>

#include "chan_buffer.hpp"
#include "scheduler.hpp"
#include "weft/detail/chan_core.hpp"
#include "weft/panic.hpp"

namespace weft::detail {

namespace {
// Per-select scratch space: on the stack for up to kInline cases (every select the anchors
// and tests write), on the heap beyond. A select used to allocate four vectors per call.
constexpr std::size_t kInline = 8;
template <class T>
class Scratch {
  static_assert(std::is_trivially_destructible_v<T>);

 public:
  // Default-initialised: nothing written for pointers and indices (each is written before it
  // is read), the member initialisers for a Waiter; only the n items used.
  explicit Scratch(std::size_t n) {
    if (n <= kInline) {
      T* p = reinterpret_cast<T*>(inline_);
      std::uninitialized_default_construct_n(p, n);
      items_ = std::span<T>(p, n);
    } else {
      heap_.resize(n);
      items_ = std::span<T>(heap_);
    }
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  std::span<T> items() noexcept { return items_; }
  T& operator[](std::size_t i) noexcept { return items_[i]; }

 private:
  alignas(T) std::byte inline_[sizeof(T) * kInline];
  std::vector<T> heap_;
  std::span<T> items_;
};

// Sorts a few channel pointers (a select has two or three cases; std::sort's call costs more).
void sort_small(std::span<ChanCore*> v) noexcept {
  for (std::size_t i = 1; i < v.size(); ++i)
    for (std::size_t j = i; j > 0 && std::less<ChanCore*>()(v[j], v[j - 1]); --j)
      std::swap(v[j], v[j - 1]);
}

struct LockSet {
  std::span<ChanCore*> chans;  // distinct, in address order
};

// weft::run's random choices among ready cases (per OS thread; nothing there is replayed):
// xorshift64, and its bits handed out one at a time for the common choice between two.
struct PollRng {
  std::uint64_t state = 0x2545f4914f6cdd1dull;
  std::uint64_t bits = 0;
  unsigned left = 0;
  std::uint64_t next() noexcept {
    std::uint64_t x = state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return state = x;
  }
};
thread_local PollRng poll_rng;
std::uint32_t poll_random(std::uint32_t n) noexcept {
  return static_cast<std::uint32_t>(((poll_rng.next() >> 32) * n) >> 32);
}
unsigned poll_bit() noexcept {
  PollRng& r = poll_rng;
  if (r.left == 0) {
    r.bits = r.next();
    r.left = 64;
  }
  const unsigned b = static_cast<unsigned>(r.bits & 1);
  r.bits >>= 1;
  --r.left;
  return b;
}
}  // namespace

// Select holds the locks of a set of channels chosen at run time, which Clang's analysis
// cannot name; each member below is exempt from it, and the rule it would check (every
// ChanCore field touched with that channel's lock held) is kept by taking the whole set
// in lock() before any field is read and releasing it in unlock() or park()'s callback.
struct SelectImpl {
  static void lock(LockSet& s) WEFT_NO_THREAD_SAFETY_ANALYSIS {
    for (ChanCore* c : s.chans) {
      c->lock_.lock();
#ifndef NDEBUG  // an out-of-line call otherwise, for an empty body
      c->check_invariants();
#endif
    }
  }
  // Also park()'s callback, run on the processor after the goroutine switched out: once the
  // first lock is released a waker may resume the goroutine on another processor, and its
  // stack, where `p` and the channel list live, is in use again (ThreadSanitizer caught the
  // next select overwriting the list while this loop still read it). So the list is copied
  // off that stack before anything is released.
  static void unlock(void* p) WEFT_NO_THREAD_SAFETY_ANALYSIS {
    const std::span<ChanCore*> chans = static_cast<LockSet*>(p)->chans;
    const std::size_t n = chans.size();
    ChanCore* inline_copy[kInline];
    std::vector<ChanCore*> heap_copy;
    ChanCore** copy = inline_copy;
    if (n > kInline) {
      heap_copy.assign(chans.begin(), chans.end());
      copy = heap_copy.data();
    } else {
      std::copy(chans.begin(), chans.end(), inline_copy);
    }
    for (std::size_t i = n; i-- > 0;) copy[i]->lock_.unlock();
  }

  static bool ready(ChanCore* c, bool is_send) WEFT_NO_THREAD_SAFETY_ANALYSIS {
    if (is_send) return c->closed_ || c->recvq_.has_live() || c->count() < c->cap_;
    return c->closed_ || c->sendq_.has_live() || c->count() > 0;
  }

  // Completes a ready case under the locks; returns a goroutine to wake, if any. Sets
  // *done to false, completing nothing, when the case is no longer ready: ready() saw a
  // live waiter of another select, and under weft::run that select fired through a channel
  // of its own (not locked here) before pop() got to it. Then the caller looks again.
  [[gnu::always_inline]] static G* complete(const SelectCase& sc, G* self, bool* received, LockSet& locks,
                     Location where, bool* done) WEFT_NO_THREAD_SAFETY_ANALYSIS {
    ChanCore* c = sc.chan;
    *done = true;
    if (sc.is_send) {
      if (c->closed_) {
        unlock(&locks);
        throw Panic("send on closed channel", where);
      }
      if (Waiter* w = c->recvq_.empty() ? nullptr : c->recvq_.pop())
        return c->send_to_waiter(w, sc.elem, self);
      if (c->count() < c->cap_) {
        c->push_buffer(sc.elem, self);
        return nullptr;
      }
      *done = false;
      return nullptr;
    }
    *received = true;
    if (Waiter* w = c->sendq_.empty() ? nullptr : c->sendq_.pop())
      return c->recv_from_waiter(w, sc.elem, self);
    if (c->count() > 0) {
      c->pop_buffer(sc.elem, self);
      return nullptr;
    }
    if (!c->closed_) {
      *received = false;
      *done = false;
      return nullptr;
    }
    *received = false;  // closed and drained; the zero value is made after unlocking
    return nullptr;
  }

  // Whether case (c, is_send) looks ready, read without c's lock: exact on a run's only
  // processor (nothing else changes c meanwhile), a hint with more (closed_, the queue heads
  // and count_ are written with relaxed atomic stores for this read). A queued waiter may be
  // a select's that already fired elsewhere: complete() under the lock has the last word.
  static bool looks_ready(const ChanCore* c, bool is_send) WEFT_NO_THREAD_SAFETY_ANALYSIS {
    const std::size_t n = c->count_.load(std::memory_order_relaxed);
    const bool closed = __atomic_load_n(&c->closed_, __ATOMIC_RELAXED);
    if (is_send) return closed | (n < c->cap_) | c->recvq_.seems_nonempty();
    return closed | (n > 0) | c->sendq_.seems_nonempty();
  }

  // weft::run: a look at every case without a lock, a uniformly random choice among those
  // that look ready, and that one completed under its own channel's lock alone: the select
  // takes effect at that moment (the case was ready then, which is all Go's choice among
  // ready cases needs). Returns its index, or -1 when none looked ready or the chosen one no
  // longer was under its lock: that proves nothing about one moment, so the caller then
  // takes every lock to decide between the default, another case and blocking. Choosing
  // from the looks, not case by case under locks in a random order, takes no lock on a
  // channel that is not ready and no branch that the random order makes unpredictable.
  [[gnu::always_inline]] static int poll_looks(std::span<SelectCase> cases, G* self,
                                                    bool* received,
                             Location where) WEFT_NO_THREAD_SAFETY_ANALYSIS {
    const std::size_t n = cases.size();
    const auto look = [&](std::size_t i) {
      const ChanCore* c = cases[i].chan;
      return static_cast<unsigned>(c != nullptr && looks_ready(c, cases[i].is_send)) << i;
    };
    unsigned mask = 0;
    if (n == 2) {  // the common select, unrolled
      mask = look(0) | look(1);
    } else {
      for (std::size_t i = 0; i < n; ++i) mask |= look(i);
    }
    if (mask == 0) return -1;
    unsigned m = mask;
    if ((m & (m - 1)) != 0) {  // more than one looks ready: drop a random number of the lowest
      if (m == 3) {
        m &= m - poll_bit();  // the common two: one random bit drops the lower one or not
      } else {
        std::uint32_t ready_count = 0;  // (a loop: __builtin_popcount is a libgcc call here)
        for (unsigned r = m; r != 0; r &= r - 1) ++ready_count;
        for (std::uint32_t k = poll_random(ready_count); k > 0; --k) m &= m - 1;
      }
    }
    const auto pick = static_cast<std::size_t>(__builtin_ctz(m));
    const SelectCase& sc = cases[pick];
    ChanCore* c = sc.chan;
    c->lock_.lock();
    LockSet one{std::span<ChanCore*>(&c, 1)};
    bool done = true;
    G* wake = complete(sc, self, received, one, where, &done);  // (it checks readiness)
    c->lock_.unlock();
    if (!done) return -1;  // not ready after all (another thread, or a fired select's waiter)
    if (wake) weft::detail::ready(wake);
    if (!sc.is_send && !*received) c->closed_recv(sc.elem, self);
    return static_cast<int>(pick);
  }

  static int run(std::span<SelectCase> cases, bool has_default, bool* received,
                 Location where) {
    // weft::run with nobody listening to happens-before events: the one-by-one poll first, in
    // a small frame (no goroutine lookup, no pins); what it cannot settle goes on below.
    if (hb_unobserved() && cases.size() <= kInline) {
      *received = false;
      const int fired = poll_looks(cases, nullptr, received, where);
      if (fired >= 0) return fired;
      return run_general(cases, has_default, received, where, true);
    }
    return run_general(cases, has_default, received, where, false);
  }

  [[gnu::noinline]] static int run_general(std::span<SelectCase> cases, bool has_default,
                                           bool* received, Location where,
                                           bool poll_done) WEFT_NO_THREAD_SAFETY_ANALYSIS {
    // Every channel of the select stays alive until it returns, whatever happens to the
    // handles meanwhile (one OpRef per case, kept without a vector).
    struct KeepAlive {
      std::span<SelectCase> cases;
      explicit KeepAlive(std::span<SelectCase> c) : cases(c) {
        for (const SelectCase& sc : cases)
          if (sc.chan) sc.chan->refs_.fetch_add(1, std::memory_order_relaxed);
      }
      ~KeepAlive() {
        for (const SelectCase& sc : cases)
          if (sc.chan &&
              sc.chan->refs_.fetch_sub(1, std::memory_order_acq_rel) == (ChanCore::kOrphaned | 1))
            delete sc.chan;
      }
    };
    // Read once, before any park (see running_parallel).
    const bool par = running_parallel();
    KeepAlive keep(par ? std::span<SelectCase>{} : cases);  // see op_pins_channel
    const OutsideOp outside(!par);  // on a thread with no scheduler: the run stays whole
    if (!par) visible(where, OpKind::select, nullptr);
    // Null on a thread of the run that runs no goroutine: a select there may complete a
    // ready case or take its default, but not wait. (run() polled without it already when
    // nobody listens to happens-before events.)
    G* self = op_goroutine(par);
    *received = false;
    if (par && !poll_done && cases.size() <= kInline) {
      const int fired = poll_looks(cases, self, received, where);
      if (fired >= 0) return fired;
    }

    Scratch<ChanCore*> chans(cases.size());
    std::size_t nchans = 0;
    for (const SelectCase& c : cases)
      if (c.chan) chans[nchans++] = c.chan;
    auto distinct = chans.items().first(nchans);
    if (distinct.size() <= kInline)
      sort_small(distinct);
    else
      std::sort(distinct.begin(), distinct.end(), std::less<ChanCore*>());
    LockSet locks{distinct.first(static_cast<std::size_t>(
        std::unique(distinct.begin(), distinct.end()) - distinct.begin()))};

    if (locks.chans.empty() && !has_default) {  // select {}: blocks forever
      if (!self) outside_cannot_wait(WaitReason::select_no_cases, where);
      for (;;)
        if (park(WaitReason::select_no_cases, where, nullptr, nullptr) == Wake::killed)
          exit_killed();
    }

    // Pass 1 (again only when a chosen case stopped being ready under us: weft::run).
    Scratch<std::size_t> ready_cases(cases.size());
    std::size_t nready = 0;
    for (;;) {
      lock(locks);
      nready = 0;
      for (std::size_t i = 0; i < cases.size(); ++i)
        if (cases[i].chan && ready(cases[i].chan, cases[i].is_send)) ready_cases[nready++] = i;
      if (nready == 0) break;
      // One ready case is no choice (choose(1) is 0 and records nothing under weft::explore).
      std::size_t i = ready_cases[nready == 1 ? 0 : choose(nready)];
      bool done = true;
      G* wake = complete(cases[i], self, received, locks, where, &done);
      if (!done) {
        unlock(&locks);
        continue;
      }
      unlock(&locks);
      if (wake) weft::detail::ready(wake);
      if (!cases[i].is_send && !*received) cases[i].chan->closed_recv(cases[i].elem, self);
      return static_cast<int>(i);
    }
    if (has_default) {
      unlock(&locks);
      polled();
      return -1;
    }

    if (!self) {
      unlock(&locks);
      outside_cannot_wait(WaitReason::select, where);
    }

    // Pass 2. Under weft::run the channels are pinned only now (under explore from the
    // start, above), while their locks are held: the cases hold no handle copies, and a
    // goroutine that drops a handle before this point is ordered after the caller's read of
    // it by no channel operation (a failed poll is no edge): a data race on the handle.
    KeepAlive pin(par ? cases : std::span<SelectCase>{});
    SelectGroup group;
    Scratch<Waiter> waiters(cases.size());
    self->select_waits.clear();
    for (std::size_t i = 0; i < cases.size(); ++i) {
      if (!cases[i].chan) continue;
      self->select_waits.push_back({cases[i].chan->made_at, cases[i].is_send});
      Waiter& w = waiters[i];
      w.g = self;
      w.elem = cases[i].elem;
      w.group = &group;
      w.case_index = i;
      (cases[i].is_send ? cases[i].chan->sendq_ : cases[i].chan->recvq_).push(&w);
    }
    Wake how = park(WaitReason::select, where, &unlock, &locks);
    if (how == Wake::killed) {  // touch only channels that still list us: others may be gone
      for (std::size_t i = 0; i < cases.size(); ++i) {
        Waiter& w = waiters[i];
        if (!cases[i].chan || !w.queued) continue;
        ChanCore* c = cases[i].chan;
        c->lock_.lock();
        (cases[i].is_send ? c->sendq_ : c->recvq_).remove(&w);
        c->lock_.unlock();
      }
      exit_killed();
    }

    // Pass 3.
    lock(locks);
    for (std::size_t i = 0; i < cases.size(); ++i) {
      if (!cases[i].chan) continue;
      (cases[i].is_send ? cases[i].chan->sendq_ : cases[i].chan->recvq_).remove(&waiters[i]);
    }
    unlock(&locks);

    std::size_t fired = group.fired;
    const Waiter& w = waiters[fired];
    if (cases[fired].is_send) {
      if (!w.success) throw Panic("send on closed channel", where);
    } else {
      *received = w.success;
      if (!w.success) cases[fired].chan->closed_recv(cases[fired].elem, self);
    }
    return static_cast<int>(fired);
  }
};

int select_impl(std::span<SelectCase> cases, bool has_default, bool* received, Location where) {
  return SelectImpl::run(cases, has_default, received, where);
}

}  // namespace weft::detail
