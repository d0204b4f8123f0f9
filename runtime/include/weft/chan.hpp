// weft/chan.hpp — Go channels.
//
//   auto c = weft::make_chan<int>();      // unbuffered: send and receive rendezvous
//   auto q = weft::make_chan<Job>(16);    // buffered, capacity 16
//   weft::Chan<int> nil;                  // the nil channel: blocks forever
//   c.send(1);  int v = c.recv();  c.close();
//   if (auto v = c.recv_ok()) use(*v); else /* closed and drained */;
//   for (int v : c) { ... }               // until closed and drained
//   weft::SendChan<int> out = c;          // send-only view; RecvChan<int> in = c;
//
// A Chan is a copyable handle (like Go's chan value); copies refer to the same channel.
// Go's panics: send on closed channel, close of closed channel, close of nil channel.
#pragma once

#include <cstddef>
#include <iterator>
#include <memory>
#include <new>
#include <optional>
#include <source_location>
#include <type_traits>
#include <utility>

#include "weft/detail/chan_core.hpp"
#include "weft/panic.hpp"

namespace weft {

// The element type of signal channels: Chan<Unit>, closed to broadcast.
struct Unit {
  friend constexpr bool operator==(Unit, Unit) noexcept { return true; }
};

enum class RecvStatus { received, closed, would_block };

// The result of try_recv: a value, a closed-and-drained channel, or nothing ready.
template <class T>
struct TryRecv {
  RecvStatus status;
  std::optional<T> value;  // set iff status == received
  explicit operator bool() const noexcept { return status == RecvStatus::received; }
};

namespace detail {

// Uninitialised storage for one T; destroys the T if one was constructed in it.
template <class T>
class Slot {
 public:
  Slot() = default;
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
  ~Slot() {
    if (full_) ptr()->~T();
  }
  void* raw() noexcept { return &storage_; }
  T* ptr() noexcept { return std::launder(reinterpret_cast<T*>(&storage_)); }
  void mark_full() noexcept { full_ = true; }
  T take() {
    T v(std::move(*ptr()));
    ptr()->~T();
    full_ = false;
    return v;
  }

 private:
  alignas(T) std::byte storage_[sizeof(T)];
  bool full_ = false;
};

template <class T>
std::shared_ptr<ChanCore> make_core(std::size_t cap, Location made_at = {}) {
  auto* core = new ChanCore(cap, elem_ops_for<T>);
  core->made_at = made_at;
  return std::shared_ptr<ChanCore>(core, ChanCore::Deleter{});
}

template <class T>
void chan_send(ChanCore* c, T&& v, Location w) {
  if (!c) {
    ChanCore::send_nil(true, w);
    return;
  }
  c->send(std::addressof(v), true, w);
}

template <class T>
bool chan_try_send(ChanCore* c, T& v, Location w) {
  if (!c) return ChanCore::send_nil(false, w);
  return c->send(std::addressof(v), false, w);
}

inline void chan_close(ChanCore* c, Location w) {
  if (!c) throw Panic("close of nil channel", w);
  c->close(w);
}

// Receives; status is would_block only when !block.
template <class T>
RecvStatus chan_recv(ChanCore* c, Slot<T>& slot, bool block, Location w) {
  if (!c) {
    ChanCore::recv_nil(block, w);
    return RecvStatus::would_block;
  }
  bool received = false;
  if (!c->recv(slot.raw(), &received, block, w)) return RecvStatus::would_block;
  // A closed channel constructs the zero value when T has one; own it either way.
  if (received || elem_ops_for<T>.zero_construct) slot.mark_full();
  return received ? RecvStatus::received : RecvStatus::closed;
}

struct ChanAccess;

}  // namespace detail

// What every channel handle has: length, capacity, nil-ness, identity.
class ChanBase {
 public:
  std::size_t len() const noexcept { return core_ ? core_->length() : 0; }
  std::size_t cap() const noexcept { return core_ ? core_->capacity() : 0; }
  bool nil() const noexcept { return core_ == nullptr; }
  friend bool operator==(const ChanBase& a, const ChanBase& b) noexcept {
    return a.core_ == b.core_;
  }

 protected:
  ChanBase() = default;
  explicit ChanBase(std::shared_ptr<detail::ChanCore> c) : core_(std::move(c)) {}
  friend struct detail::ChanAccess;
  std::shared_ptr<detail::ChanCore> core_;
};

namespace detail {
struct ChanAccess {
  static ChanCore* raw(const ChanBase& c) noexcept { return c.core_.get(); }
  static const std::shared_ptr<ChanCore>& shared(const ChanBase& c) noexcept { return c.core_; }
  static std::shared_ptr<ChanCore> take(ChanBase&& c) noexcept { return std::move(c.core_); }
};
}  // namespace detail

// Iterates over received values until the channel is closed and drained (Go's range).
template <class T>
class RecvIterator {
 public:
  using value_type = T;
  using difference_type = std::ptrdiff_t;
  RecvIterator() = default;
  explicit RecvIterator(std::shared_ptr<detail::ChanCore> c, Location where)
      : core_(std::move(c)), where_(where) {
    advance();
  }
  T& operator*() { return *value_; }
  RecvIterator& operator++() {
    advance();
    return *this;
  }
  void operator++(int) { advance(); }
  friend bool operator==(const RecvIterator& it, std::default_sentinel_t) { return !it.value_; }

 private:
  void advance() {
    detail::Slot<T> slot;
    if (detail::chan_recv<T>(core_.get(), slot, true, where_) == RecvStatus::received)
      value_.emplace(slot.take());
    else
      value_.reset();
  }
  std::shared_ptr<detail::ChanCore> core_;
  Location where_;
  std::optional<T> value_;
};

// Receive operations, mixed into Chan and RecvChan.
template <class T, class Self>
class RecvOps {
 public:
  // Blocks for a value; the zero value T() once the channel is closed and drained.
  T recv(std::source_location w = std::source_location::current()) const {
    static_assert(std::is_default_constructible_v<T>,
                  "recv() returns the zero value on a closed channel; use recv_ok() for "
                  "element types without a default constructor");
    detail::Slot<T> slot;
    detail::chan_recv<T>(core(), slot, true, Location::from(w));
    return slot.take();
  }
  // Go's `v, ok := <-c`: std::nullopt once the channel is closed and drained.
  std::optional<T> recv_ok(std::source_location w = std::source_location::current()) const {
    detail::Slot<T> slot;
    if (detail::chan_recv<T>(core(), slot, true, Location::from(w)) != RecvStatus::received)
      return std::nullopt;
    return std::optional<T>(slot.take());
  }
  // Receives only if that need not block (Go's select with a default case).
  TryRecv<T> try_recv(std::source_location w = std::source_location::current()) const {
    detail::Slot<T> slot;
    RecvStatus s = detail::chan_recv<T>(core(), slot, false, Location::from(w));
    if (s != RecvStatus::received) return {s, std::nullopt};
    return {s, std::optional<T>(slot.take())};
  }
  // The default argument is evaluated where the range-for is, so a loop blocked on the
  // channel is reported at the user's loop, not here.
  RecvIterator<T> begin(std::source_location w = std::source_location::current()) const {
    return RecvIterator<T>(detail::ChanAccess::shared(self()), Location::from(w));
  }
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  const Self& self() const noexcept { return static_cast<const Self&>(*this); }
  detail::ChanCore* core() const noexcept { return detail::ChanAccess::raw(self()); }
};

// Send operations, mixed into Chan and SendChan.
template <class T, class Self>
class SendOps {
 public:
  // Blocks until the value is received (unbuffered) or buffered.
  void send(T v, std::source_location w = std::source_location::current()) const {
    detail::chan_send(core(), std::move(v), Location::from(w));
  }
  // Sends only if that need not block; on false the value was left untouched.
  bool try_send(T& v, std::source_location w = std::source_location::current()) const {
    return detail::chan_try_send(core(), v, Location::from(w));
  }
  bool try_send(T&& v, std::source_location w = std::source_location::current()) const {
    return detail::chan_try_send(core(), v, Location::from(w));
  }
  void close(std::source_location w = std::source_location::current()) const {
    detail::chan_close(core(), Location::from(w));
  }

 private:
  detail::ChanCore* core() const noexcept {
    return detail::ChanAccess::raw(static_cast<const Self&>(*this));
  }
};

template <class T>
class Chan : public ChanBase, public SendOps<T, Chan<T>>, public RecvOps<T, Chan<T>> {
 public:
  using value_type = T;
  Chan() = default;  // the nil channel
  // `where` is the channel's creation site, which reports of goroutines waiting on it name.
  static Chan make(std::size_t capacity = 0,
                   std::source_location where = std::source_location::current()) {
    return Chan(detail::make_core<T>(capacity, Location::from(where)));
  }

 private:
  explicit Chan(std::shared_ptr<detail::ChanCore> c) : ChanBase(std::move(c)) {}
};

// A send-only view (Go's chan<- T): no receive operations.
template <class T>
class SendChan : public ChanBase, public SendOps<T, SendChan<T>> {
 public:
  using value_type = T;
  SendChan() = default;
  SendChan(const Chan<T>& c) : ChanBase(detail::ChanAccess::shared(c)) {}  // NOLINT: implicit
};

// A receive-only view (Go's <-chan T): no send, no close.
template <class T>
class RecvChan : public ChanBase, public RecvOps<T, RecvChan<T>> {
 public:
  using value_type = T;
  RecvChan() = default;
  RecvChan(const Chan<T>& c) : ChanBase(detail::ChanAccess::shared(c)) {}  // NOLINT: implicit
};

template <class T>
Chan<T> make_chan(std::size_t capacity = 0,
                  std::source_location where = std::source_location::current()) {
  return Chan<T>::make(capacity, where);
}

}  // namespace weft
