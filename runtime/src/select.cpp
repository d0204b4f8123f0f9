// Go's selectgo, in three passes:
//  0. lock every distinct channel of the select, in address order (no lock-order cycles
//     between two selects);
//  1. collect the cases that are ready now; if any, the strategy picks one (under the
//     parallel scheduler: a random one), it completes under the locks, done. Else, with a
//     default case, return the default;
//  2. enqueue one Waiter per case, all in one SelectGroup, and park; the first channel to
//     wake one of them claims the group, so exactly one case fires;
//  3. woken: lock again and unlink the waiters of the cases that did not fire.
#include <algorithm>
#include <vector>

#include "scheduler.hpp"
#include "weft/detail/chan_core.hpp"
#include "weft/panic.hpp"

namespace weft::detail {

namespace {
struct LockSet {
  std::vector<ChanCore*> chans;  // distinct, in address order
};
}  // namespace

struct SelectImpl {
  static void lock(LockSet& s) {
    for (ChanCore* c : s.chans) {
      c->lock_.lock();
#ifndef NDEBUG  // an out-of-line call otherwise, for an empty body
      c->check_invariants();
#endif
    }
  }
  static void unlock(void* p) {
    auto& s = *static_cast<LockSet*>(p);
    for (auto it = s.chans.rbegin(); it != s.chans.rend(); ++it) (*it)->lock_.unlock();
  }

  static bool ready(ChanCore* c, bool is_send) {
    if (is_send) return c->closed_ || c->recvq_.has_live() || c->count_ < c->cap_;
    return c->closed_ || c->sendq_.has_live() || c->count_ > 0;
  }

  // Completes a ready case under the locks; returns a goroutine to wake, if any.
  static G* complete(const SelectCase& sc, G* self, bool* received, LockSet& locks,
                     Location where) {
    ChanCore* c = sc.chan;
    if (sc.is_send) {
      if (c->closed_) {
        unlock(&locks);
        throw Panic("send on closed channel", where);
      }
      if (Waiter* w = c->recvq_.pop()) return c->send_to_waiter(w, sc.elem, self);
      c->push_buffer(sc.elem, self);
      return nullptr;
    }
    *received = true;
    if (Waiter* w = c->sendq_.pop()) return c->recv_from_waiter(w, sc.elem, self);
    if (c->count_ > 0) {
      c->pop_buffer(sc.elem, self);
      return nullptr;
    }
    *received = false;  // closed and drained; the zero value is made after unlocking
    return nullptr;
  }

  static int run(std::span<SelectCase> cases, bool has_default, bool* received, Location where) {
    // Every channel of the select stays alive until it returns, whatever happens to the
    // handles meanwhile.
    std::vector<ChanCore::OpRef> keep;
    keep.reserve(cases.size());
    for (const SelectCase& c : cases)
      if (c.chan) keep.emplace_back(c.chan);
    visible(where, OpKind::select, nullptr);
    G* self = current();
    *received = false;

    LockSet locks;
    for (const SelectCase& c : cases)
      if (c.chan) locks.chans.push_back(c.chan);
    std::sort(locks.chans.begin(), locks.chans.end(), std::less<ChanCore*>());
    locks.chans.erase(std::unique(locks.chans.begin(), locks.chans.end()), locks.chans.end());

    if (locks.chans.empty() && !has_default) {  // select {}: blocks forever
      for (;;)
        if (park(WaitReason::select_no_cases, where, nullptr, nullptr) == Wake::killed)
          exit_killed();
    }

    // Pass 1.
    lock(locks);
    std::vector<std::size_t> ready_cases;
    for (std::size_t i = 0; i < cases.size(); ++i)
      if (cases[i].chan && ready(cases[i].chan, cases[i].is_send)) ready_cases.push_back(i);
    if (!ready_cases.empty()) {
      std::size_t i = ready_cases[choose(ready_cases.size())];
      G* wake = complete(cases[i], self, received, locks, where);
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

    // Pass 2.
    SelectGroup group;
    std::vector<Waiter> waiters(cases.size());
    for (std::size_t i = 0; i < cases.size(); ++i) {
      if (!cases[i].chan) continue;
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
