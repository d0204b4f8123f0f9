// weft/atomic.hpp — sequentially consistent atomics that the explorer and the race
// detector see (Go's sync/atomic).
//
//   weft::Atomic<int> hits{0};
//   hits.fetch_add(1);  int n = hits.load();
//   if (flag.compare_exchange(expected, true)) ...
//
// Every operation is a visible operation (a scheduling point under weft::explore), and a
// store happens before every load that observes it (the runtime releases on each store and
// read-modify-write and acquires on each load). Outside a weft run it is a std::atomic.
#pragma once

#include <atomic>
#include <source_location>
#include <type_traits>

#include "weft/detail/runtime.hpp"

namespace weft {

namespace detail {
// Called around each atomic operation (no-ops outside a weft run): atomic_before, the
// operation, then exactly one of the edges. Under weft::run with race detection the two
// hold a lock on the atomic's address between them, so the detector records the edges in
// the order the operations took effect.
void atomic_before(const void* a, Location where);
void atomic_load_edge(const void* a);
void atomic_store_edge(const void* a);
void atomic_rmw_edge(const void* a);
void atomic_forget(const void* a) noexcept;
}  // namespace detail

template <class T>
class Atomic {
  static_assert(std::is_integral_v<T> || std::is_pointer_v<T>,
                "weft::Atomic supports integral types, bool and pointers");

 public:
  using Where = std::source_location;
  constexpr Atomic() noexcept : v_() {}
  constexpr Atomic(T v) noexcept : v_(v) {}  // NOLINT: implicit like std::atomic
  Atomic(const Atomic&) = delete;
  Atomic& operator=(const Atomic&) = delete;
  ~Atomic() { detail::atomic_forget(this); }

  T load(Where w = Where::current()) const {
    detail::atomic_before(this, Location::from(w));
    T v = v_.load();
    detail::atomic_load_edge(this);
    return v;
  }
  void store(T v, Where w = Where::current()) {
    detail::atomic_before(this, Location::from(w));
    v_.store(v);
    detail::atomic_store_edge(this);
  }
  T exchange(T v, Where w = Where::current()) {
    detail::atomic_before(this, Location::from(w));
    T old = v_.exchange(v);
    detail::atomic_rmw_edge(this);
    return old;
  }
  // Go's CompareAndSwap; on failure `expected` receives the current value.
  bool compare_exchange(T& expected, T desired, Where w = Where::current()) {
    detail::atomic_before(this, Location::from(w));
    bool ok = v_.compare_exchange_strong(expected, desired);
    if (ok)
      detail::atomic_rmw_edge(this);
    else
      detail::atomic_load_edge(this);
    return ok;
  }
  template <class U = T>
    requires(std::is_integral_v<U> && !std::is_same_v<U, bool>)
  T fetch_add(T d, Where w = Where::current()) {
    return rmw([&] { return v_.fetch_add(d); }, w);
  }
  template <class U = T>
    requires(std::is_integral_v<U> && !std::is_same_v<U, bool>)
  T fetch_sub(T d, Where w = Where::current()) {
    return rmw([&] { return v_.fetch_sub(d); }, w);
  }
  template <class U = T>
    requires(std::is_integral_v<U> && !std::is_same_v<U, bool>)
  T fetch_and(T d, Where w = Where::current()) {
    return rmw([&] { return v_.fetch_and(d); }, w);
  }
  template <class U = T>
    requires(std::is_integral_v<U> && !std::is_same_v<U, bool>)
  T fetch_or(T d, Where w = Where::current()) {
    return rmw([&] { return v_.fetch_or(d); }, w);
  }
  template <class U = T>
    requires(std::is_pointer_v<U>)
  T fetch_add(std::ptrdiff_t d, Where w = Where::current()) {
    return rmw([&] { return v_.fetch_add(d); }, w);
  }
  // Go's Add: returns the new value.
  template <class U = T>
    requires(std::is_integral_v<U> && !std::is_same_v<U, bool>)
  T add(T d, Where w = Where::current()) {
    return static_cast<T>(fetch_add(d, w) + d);
  }

 private:
  template <class F>
  T rmw(F&& f, Where w) {
    detail::atomic_before(this, Location::from(w));
    T old = f();
    detail::atomic_rmw_edge(this);
    return old;
  }
  std::atomic<T> v_;
};

}  // namespace weft
