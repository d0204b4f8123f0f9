// Channel operations (Go's chan.go), written once for both schedulers: every state change
// happens under the channel's lock; a goroutine that must wait enqueues a Waiter on its own
// stack and parks, the lock being released only once it is committed to parking; the
// goroutine that completes the transfer does so under the lock and readies it afterwards.
//
// Happens-before edges (Go memory model), reported to the event sink:
//  - buffered slot k: every send and receive that passes through it does
//    acquire(slot) + release_store(slot). So send #n happens before receive #n completes,
//    and receive #n happens before send #(n+cap) completes.
//  - unbuffered rendezvous: both directions through the channel's own address.
//  - close happens before a receive that returns because the channel is closed: through
//    close_sync(), not the channel's address, so that such a receive does not also acquire
//    the last rendezvous (whose clock release_store leaves at the channel's address).
#include <new>
#include <vector>

#include "chan_buffer.hpp"
#include "dcheck.hpp"
#include "hb.hpp"
#include "scheduler.hpp"
#include "weft/detail/chan_core.hpp"
#include "weft/panic.hpp"

namespace weft::detail {

ChanCore::ChanCore(std::size_t capacity, const ElemOps& ops) : ops_(ops), cap_(capacity) {
  if (cap_)
    buf_ = static_cast<std::byte*>(::operator new(cap_ * ops_.size, std::align_val_t{ops_.align}));
}

// The address close releases to and a receive that sees the channel closed acquires from:
// one byte into the channel, distinct from its own address (the unbuffered rendezvous).
const void* ChanCore::close_sync() const noexcept {
  return reinterpret_cast<const char*>(this) + 1;
}

void ChanCore::check_invariants() const noexcept {
  WEFT_DCHECK(count() <= cap_, "a channel's buffer holds at most its capacity");
  WEFT_DCHECK(recvq_.empty() || count() == 0, "receivers wait only on an empty buffer");
  WEFT_DCHECK(sendq_.empty() || count() == cap_, "senders wait only on a full buffer");
  WEFT_DCHECK(cap_ == 0 || recvq_.empty() || sendq_.empty(),
              "a buffered channel never has both senders and receivers waiting");
  WEFT_DCHECK(!closed_ || (recvq_.empty() && sendq_.empty()),
              "a closed channel has no waiters");
}

ChanCore::~ChanCore() {
  for (std::size_t i = 0; i < count(); ++i) destroy_elem(slot((recvx_ + i) % cap_));
  hb::sync_free(this);
  hb::sync_free(close_sync());
  for (std::size_t i = 0; i < cap_; ++i) hb::sync_free(slot(i));
  if (buf_) ::operator delete(buf_, std::align_val_t{ops_.align});
}

// Without the lock (Go's chanlen): a snapshot either way, and callable from any thread.
std::size_t ChanCore::length() noexcept { return count(); }

// Both are called before any park of the operation (hb_unobserved reads the thread's
// scheduler; see scheduler.hpp). Under weft::run without race detection nobody listens: the
// hot callers skip the calls (they are not inlined), and the functions return at once.
// Under weft::run with it, every edge is recorded here, under the channel's lock, so the
// detector sees the transfers in the order they happened on the processors.
void ChanCore::slot_sync(G* g, const void* addr) {
  if (hb_unobserved()) return;
  hb::release_acquire(g, addr);
}

void ChanCore::rendezvous(G* self, G* partner) {
  if (hb_unobserved()) return;
  hb::release_store(self, this);
  hb::release_acquire(partner, this);
  hb::acquire(self, this);
}

G* ChanCore::send_to_waiter(Waiter* w, void* elem, G* self) {
  if (cap_ == 0) {
    if (!hb_unobserved()) rendezvous(self, w->g);
  } else {  // the buffer is empty: the value passes through the next slot
    if (!hb_unobserved()) {
      slot_sync(self, slot(recvx_));
      slot_sync(w->g, slot(recvx_));
    }
    // It used that slot: advance both indices past it (as Go's send() does under the race
    // detector), or the next send would reuse the slot and falsely acquire this receive.
    recvx_ = next_index(recvx_);
    sendx_ = recvx_;
  }
  if (w->elem) move_elem(w->elem, elem);
  w->success = true;
  return w->g;
}

G* ChanCore::recv_from_waiter(Waiter* w, void* dst, G* self) {
  if (cap_ == 0) {
    if (!hb_unobserved()) rendezvous(self, w->g);
    if (dst) move_elem(dst, w->elem);
  } else {  // the buffer is full: take its head, put the sender's value at its tail
    void* s = slot(recvx_);
    const bool listen = !hb_unobserved();
    if (listen) slot_sync(self, s);
    if (dst) move_elem(dst, s);
    destroy_elem(s);
    if (listen) slot_sync(w->g, s);
    move_elem(s, w->elem);
    recvx_ = next_index(recvx_);
    sendx_ = recvx_;
  }
  w->success = true;
  return w->g;
}

void ChanCore::closed_recv(void* dst, G* self) {
  hb::acquire(self, close_sync());
  if (dst && ops_.zero_construct) ops_.zero_construct(dst);
}

// op_goroutine, unless the operation can do without it: under weft::run with nobody listening
// to happens-before events the goroutine is needed only to wait (then looked up, under the
// lock; wait_in throws on a thread with no goroutine).
static G* op_self_if_observed(bool par) {
  return par && hb_unobserved() ? nullptr : op_goroutine(par);
}

// send and recv: the operation, written once for both paths below (par: a goroutine under
// weft::run, read once at the start, before any park).
bool ChanCore::send(void* elem, bool block, Location where) {
  const auto op = [&](const bool par) __attribute__((always_inline)) -> bool {
    G* self = op_self_if_observed(par);
    lock_.lock();
#ifndef NDEBUG  // an out-of-line call otherwise, for an empty body
    check_invariants();
#endif
    if (closed_) {
      lock_.unlock();
      throw Panic("send on closed channel", where);
    }
    if (Waiter* w = recvq_.empty() ? nullptr : recvq_.pop()) {
      G* wake = send_to_waiter(w, elem, self);
      lock_.unlock();
      ready(wake);
      return true;
    }
    if (count() < cap_) {
      push_buffer(elem, self);
      lock_.unlock();
      return true;
    }
    if (!block) {
      lock_.unlock();
      polled();
      return false;
    }
    Waiter w;
    w.g = self ? self : op_goroutine(par);
    w.elem = elem;
    if (!(par ? run_wait(sendq_, w, lock_, WaitReason::chan_send, where)
              : wait_in(sendq_, w, lock_, WaitReason::chan_send, where)))
      throw Panic("send on closed channel", where);
    return true;
  };
  if (running_parallel()) return op(true);
  // weft::explore, or a thread with no scheduler: the channel stays alive (op_pins_channel)
  // and the run in progress whole (OutsideOp) until the operation returns.
  const OpRef keep(this);
  const OutsideOp outside;
  visible(where, OpKind::chan_send, this);
  return op(false);
}

bool ChanCore::recv(void* dst, bool* received, bool block, Location where) {
  const auto op = [&](const bool par) __attribute__((always_inline)) -> bool {
    G* self = op_self_if_observed(par);
    lock_.lock();
#ifndef NDEBUG  // an out-of-line call otherwise, for an empty body
    check_invariants();
#endif
    if (closed_ && count() == 0) {
      lock_.unlock();
      closed_recv(dst, self);
      *received = false;
      return true;
    }
    if (Waiter* w = sendq_.empty() ? nullptr : sendq_.pop()) {
      G* wake = recv_from_waiter(w, dst, self);
      lock_.unlock();
      ready(wake);
      *received = true;
      return true;
    }
    if (count() > 0) {
      pop_buffer(dst, self);
      lock_.unlock();
      *received = true;
      return true;
    }
    if (!block) {
      lock_.unlock();
      polled();
      return false;
    }
    Waiter w;
    w.g = self ? self : op_goroutine(par);
    w.elem = dst;
    if (!(par ? run_wait(recvq_, w, lock_, WaitReason::chan_receive, where)
              : wait_in(recvq_, w, lock_, WaitReason::chan_receive, where)))
      closed_recv(dst, self);
    *received = w.success;
    return true;
  };
  if (running_parallel()) return op(true);
  const OpRef keep(this);  // as send's
  const OutsideOp outside;
  visible(where, OpKind::chan_recv, this);
  return op(false);
}

void ChanCore::close(Location where) {
  const OpRef keep(op_pins_channel() ? this : nullptr);  // alive until this operation returns
  const OutsideOp outside;  // on a thread with no scheduler: the run stays whole
  visible(where, OpKind::chan_close, this);
  G* self = current_or_outside();
  lock_.lock();
  check_invariants();
  if (closed_) {
    lock_.unlock();
    throw Panic("close of closed channel", where);
  }
  hb::release(self, close_sync());
  close_locked_and_wake();
}

// Marks the channel closed, wakes every waiter (receivers get the zero value, senders panic)
// and unlocks. Called with lock_ held.
void ChanCore::close_locked_and_wake() {
  __atomic_store_n(&closed_, true, __ATOMIC_RELAXED);  // see SelectImpl::looks_ready
  std::vector<G*> wake;
  while (Waiter* w = recvq_.pop()) {
    w->success = false;
    wake.push_back(w->g);
  }
  while (Waiter* w = sendq_.pop()) {
    w->success = false;
    wake.push_back(w->g);
  }
  lock_.unlock();
  for (G* g : wake) ready(g);
}

bool ChanCore::offer(void* elem) {
  lock_.lock();
  check_invariants();
  if (closed_) {
    lock_.unlock();
    return false;
  }
  if (Waiter* w = recvq_.pop()) {
    if (cap_) {  // through the next slot, as a buffered send would go
      slot_sync(w->g, slot(recvx_));
      recvx_ = next_index(recvx_);
      sendx_ = recvx_;
    } else {
      slot_sync(w->g, this);
    }
    if (w->elem) move_elem(w->elem, elem);
    w->success = true;
    lock_.unlock();
    ready(w->g);
    return true;
  }
  if (count() < cap_) {
    move_elem(slot(sendx_), elem);
    sendx_ = next_index(sendx_);
    add_count(1);
    lock_.unlock();
    return true;
  }
  lock_.unlock();
  return false;
}

void ChanCore::close_from_runtime() {
  lock_.lock();
  check_invariants();
  if (closed_) {
    lock_.unlock();
    return;
  }
  close_locked_and_wake();
}

void ChanCore::arm_edge(G* armer) {
  hb::release(armer, this);  // an unbuffered offer() syncs through it
  hb::release(armer, close_sync());
  for (std::size_t i = 0; i < cap_; ++i) hb::release(armer, slot(i));
}

namespace {
bool block_forever(WaitReason reason, bool block, Location where) {
  visible(where);
  if (!block) return false;
  for (;;)
    if (park(reason, where, nullptr, nullptr) == Wake::killed) exit_killed();
}
}  // namespace

bool ChanCore::send_nil(bool block, Location where) {
  return block_forever(WaitReason::chan_send_nil, block, where);
}

bool ChanCore::recv_nil(bool block, Location where) {
  return block_forever(WaitReason::chan_receive_nil, block, where);
}

}  // namespace weft::detail
