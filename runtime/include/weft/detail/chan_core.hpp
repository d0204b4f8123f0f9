// The type-erased core of a channel (Go's hchan), shared by Chan<T> and select.
//
// Invariants (guarded by `lock`):
//  - at least one of sendq and recvq is empty, unless the channel is unbuffered and both
//    hold only select waiters of the same goroutine;
//  - recvq is non-empty only if the buffer is empty (count == 0);
//  - sendq is non-empty only if the buffer is full (count == cap);
//  - once closed, both queues are empty and stay empty.
// Elements move in and out through ElemOps, so one implementation serves every T,
// including move-only types. The blocking protocol is written once for both schedulers:
// a goroutine enqueues a Waiter on its own stack, parks with the channel lock released
// after it is committed, and the waker dequeues it, completes the transfer under the lock
// and readies it after unlocking.
//
// Lifetime: a ChanCore is owned by the handles (shared_ptr, with ChanCore::Deleter) and,
// for the whole of each operation, by the operation itself: send, recv, close and select
// hold an OpRef from before their first scheduling point, so a goroutine blocked on a
// channel keeps it alive even if every handle to it is overwritten meanwhile (as a blocked
// Go send keeps its channel). The deleter of the last handle only marks the core orphaned
// while operations are in flight; the last of them deletes it. This is a plain counter, not
// a shared_ptr copy: libstdc++'s reference counts are happens-before edges to the race
// detector (glibcxx_sync.hpp), and an operation must not add edges Go does not have.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <type_traits>
#include <utility>

#include "weft/detail/runtime.hpp"
#include "weft/detail/spinlock.hpp"
#include "weft/detail/wait_queue.hpp"

namespace weft::detail {

struct ElemOps {
  std::size_t size;
  std::size_t align;
  void (*move_construct)(void* dst, void* src);  // dst uninitialised, src stays valid
  void (*destroy)(void* p);
  void (*zero_construct)(void* p);  // the zero value; null when T has none
  // T is trivially copyable and destructible: moving it is copying its bytes, destroying it
  // is nothing (the channel's hot paths then make no indirect call).
  bool trivial;
};

template <class T>
constexpr auto zero_constructor() -> void (*)(void*) {
  if constexpr (std::is_default_constructible_v<T>)
    return [](void* p) { ::new (p) T(); };
  else
    return nullptr;
}

template <class T>
inline constexpr ElemOps elem_ops_for{
    sizeof(T),
    alignof(T),
    [](void* d, void* s) { ::new (d) T(std::move(*static_cast<T*>(s))); },
    [](void* p) { static_cast<T*>(p)->~T(); },
    zero_constructor<T>(),
    std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>,
};

class ChanCore {
 public:
  // The shared_ptr deleter: deletes now, or marks the core for the last operation in flight.
  struct Deleter {
    void operator()(ChanCore* c) const noexcept {
      if (c->refs_.fetch_or(kOrphaned, std::memory_order_acq_rel) == 0) delete c;
    }
  };
  // Keeps a channel alive for one operation; the caller must hold a handle when making it.
  class OpRef {
   public:
    explicit OpRef(ChanCore* c) noexcept : c_(c) {
      if (c_) c_->refs_.fetch_add(1, std::memory_order_relaxed);
    }
    ~OpRef() {
      if (c_ && c_->refs_.fetch_sub(1, std::memory_order_acq_rel) == (kOrphaned | 1)) delete c_;
    }
    OpRef(OpRef&& o) noexcept : c_(o.c_) { o.c_ = nullptr; }
    OpRef(const OpRef&) = delete;
    OpRef& operator=(const OpRef&) = delete;
    OpRef& operator=(OpRef&&) = delete;

   private:
    ChanCore* c_;
  };

  // Allocates the ring buffer; the channel owns the elements buffered in it.
  ChanCore(std::size_t capacity, const ElemOps& ops);
  ChanCore(const ChanCore&) = delete;
  ChanCore& operator=(const ChanCore&) = delete;
  ~ChanCore();

  std::size_t capacity() const noexcept { return cap_; }
  // Where the channel was made (make_chan); reports of goroutines waiting on it name it.
  Location made_at;
  std::size_t length() noexcept;

  // Go's chansend. Moves *elem into the channel. Returns false only when !block and the
  // send would block (*elem untouched). Panics on a closed channel.
  bool send(void* elem, bool block, Location where);
  // Go's chanrecv. On success constructs the received value in *dst (uninitialised storage;
  // may be null to discard). `received` is false when the channel is closed and drained, in
  // which case *dst holds the zero value. Returns false only when !block and it would block.
  bool recv(void* dst, bool* received, bool block, Location where);
  void close(Location where);

  // For timers, which fire on the scheduler rather than in a goroutine: a send that never
  // blocks (false: dropped because full or closed) and a close. Their happens-before edge
  // comes from the goroutine that armed the timer, which calls arm_edge() at that time.
  bool offer(void* elem);
  void close_from_runtime();
  void arm_edge(G* armer);

  // Nil-channel forms (no ChanCore): block forever or report "would block".
  static bool send_nil(bool block, Location where);
  static bool recv_nil(bool block, Location where);

 private:
  const void* close_sync() const noexcept;
  // Debug builds: checks the invariants at the top of this file (lock_ held).
  void check_invariants() const noexcept WEFT_REQUIRES(lock_);
  friend struct SelectImpl;
  void* slot(std::size_t i) const noexcept { return buf_ + i * ops_.size; }
  // The slot after i, round the ring (a compare, not a division: this is every buffered
  // operation's path).
  std::size_t next_index(std::size_t i) const noexcept { return i + 1 == cap_ ? 0 : i + 1; }
  std::size_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  void add_count(std::size_t delta) noexcept {  // under lock_ (delta may wrap: -1)
    count_.store(count_.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
  }
  // An element moved into uninitialised storage / destroyed, through ElemOps.
  void move_elem(void* dst, void* src) const {
    if (ops_.trivial)
      copy_trivial(dst, src, ops_.size);
    else
      ops_.move_construct(dst, src);
  }
  void destroy_elem(void* p) const noexcept {
    if (!ops_.trivial) ops_.destroy(p);
  }
  static void copy_trivial(void* dst, const void* src, std::size_t n) noexcept {
    switch (n) {  // the common sizes as fixed-size copies (one move each)
      case 8: std::memcpy(dst, src, 8); break;
      case 4: std::memcpy(dst, src, 4); break;
      case 16: std::memcpy(dst, src, 16); break;
      case 1: std::memcpy(dst, src, 1); break;
      default: std::memcpy(dst, src, n); break;
    }
  }
  // Locked helpers; each returns the goroutine to ready after unlocking, if any.
  G* send_to_waiter(Waiter* w, void* elem, G* self) WEFT_REQUIRES(lock_);
  G* recv_from_waiter(Waiter* w, void* dst, G* self) WEFT_REQUIRES(lock_);
  void push_buffer(void* elem, G* self) WEFT_REQUIRES(lock_);
  void pop_buffer(void* dst, G* self) WEFT_REQUIRES(lock_);
  void slot_sync(G* g, const void* addr) WEFT_REQUIRES(lock_);
  void rendezvous(G* self, G* partner) WEFT_REQUIRES(lock_);
  void closed_recv(void* dst, G* self);
  void close_locked_and_wake() WEFT_RELEASE(lock_);

  SpinLock lock_;
  const ElemOps& ops_;
  std::byte* buf_ = nullptr;  // the slots themselves are guarded by lock_
  std::size_t cap_;
  // Elements in the buffer: changed under lock_ only; an atomic (relaxed: plain moves) so
  // that length() may read it without the lock, from any thread, as Go's len does.
  std::atomic<std::size_t> count_{0};
  std::size_t sendx_ WEFT_GUARDED_BY(lock_) = 0;  // next slot to fill
  std::size_t recvx_ WEFT_GUARDED_BY(lock_) = 0;  // next slot to drain
  // Changed under lock_ only, once, by a relaxed atomic store: select's look before it locks
  // (SelectImpl::looks_ready) reads it without the lock.
  bool closed_ WEFT_GUARDED_BY(lock_) = false;
  static constexpr std::uint32_t kOrphaned = 1u << 31;
  std::atomic<std::uint32_t> refs_{0};  // operations in flight, | kOrphaned once no handle is left
  WaitQueue recvq_ WEFT_GUARDED_BY(lock_);
  WaitQueue sendq_ WEFT_GUARDED_BY(lock_);
};

// One case of a select, type-erased. chan == nullptr is a nil channel (never ready).
struct SelectCase {
  ChanCore* chan = nullptr;
  bool is_send = false;
  void* elem = nullptr;  // send: value; receive: storage (may be null)
};

// Go's selectgo. Returns the index of the case that fired, or -1 when there is a default
// and no case was ready. *received tells a receive case whether a value arrived.
int select_impl(std::span<SelectCase> cases, bool has_default, bool* received, Location where);

}  // namespace weft::detail
