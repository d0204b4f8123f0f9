// weft/instr_atomic.hpp — std::atomic and std::atomic_flag under weft::explore: the hooks
// that weft-instrument wraps around each operation on one, in the instrumented copy.
//
// std::atomic_ref<T> gets the same proxy; the object it accesses is the referenced T.
//
// libstdc++'s atomics are inline compiler builtins, so no interposed function sees them
// (unlike std::mutex, see runtime/src/std_shim.hpp); and rewriting the type std::atomic<T>
// into a weft type would change the layout and ABI of every structure that holds one and
// break as soon as an uninstrumented header or library shares it. So the type stays, and
// the instrumenter rewrites each *operation*: the object expression of a member call or an
// operator becomes a proxy that runs the hooks around the real operation:
//     a.fetch_add(1, std::memory_order_relaxed)
//  -> ::weft::instr::atomic(a, site).fetch_add(1, std::memory_order_relaxed)
//     p->store(true)  ->  ::weft::instr::atomic_via(p, site)->store(true)
//     ++a; a = 5; int v = a;   (operators and the conversion likewise)
// and a free function `std::atomic_fetch_add(&a, 1)` or `std::atomic_thread_fence(mo)` is
// prefixed into `::weft::instr::hooked::std::...`, whose functions call the same proxy.
//
// Under a controlled run each operation is a scheduling point (so interleavings around
// atomics are explored) and an access of the object that never races with another atomic
// operation but does with a plain write of it; its happens-before meaning follows its memory
// order (runtime/src/std_atomic.cpp). Outside a controlled run the proxy only forwards.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <source_location>
#include <type_traits>
#include <utility>

#include "weft/instr.hpp"

namespace weft::instr {

namespace detail {

enum class AtomicOp : std::uint8_t {
  load,    // load, test, wait, the conversion to T
  store,   // store, clear, operator=
  rmw,     // exchange, fetch_*, test_and_set, ++, +=, a successful compare-exchange
  notify,  // notify_one / notify_all: a scheduling point without an edge
};

// Before the operation: the scheduling point and the access record. True when the
// calling goroutine runs under the controlled scheduler (then atomic_end must follow).
bool atomic_begin(const void* obj, std::size_t size, AtomicOp op, const Site& site);
// After it: the happens-before edges of `op` with order `mo`. `value` is what a load read
// (or an RMW found), `probe` says the operation changed nothing (a failed compare-exchange,
// a test_and_set of a set flag): a spin loop's poll.
void atomic_end(const void* obj, AtomicOp op, std::memory_order mo, std::uint64_t value,
                bool probe);
// std::atomic_thread_fence under a controlled run.
void atomic_fence(std::memory_order mo, const Site& site);

template <class X>
constexpr bool is_order = std::is_same_v<std::remove_cvref_t<X>, std::memory_order>;

// The memory order among an operation's arguments: the last memory_order, or seq_cst.
template <class... X>
constexpr std::memory_order order_of(const X&... x) {
  std::memory_order mo = std::memory_order_seq_cst;
  (([&] {
     if constexpr (is_order<X>) mo = x;
   }()),
   ...);
  return mo;
}

// The failure order a compare-exchange with one order uses.
constexpr std::memory_order failure_of(std::memory_order mo) {
  if (mo == std::memory_order_acq_rel) return std::memory_order_acquire;
  if (mo == std::memory_order_release) return std::memory_order_relaxed;
  return mo;
}

// A value's bits for comparing two loads (0 when it does not fit in 64 bits).
template <class T>
std::uint64_t bits_of(const T& v) {
  std::uint64_t out = 0;
  if constexpr (std::is_trivially_copyable_v<T> && sizeof(T) <= sizeof(out))
    std::memcpy(&out, std::addressof(v), sizeof(T));
  return out;
}

// The object an operation on `a` accesses, and its size: the std::atomic or std::atomic_flag
// itself, or for a std::atomic_ref<T> the T it refers to. A C++20 atomic_ref does not say
// where that is, but it is (in libstdc++ and libc++) a pointer to it and nothing else, so its
// bytes are that pointer; the static_assert stops a library where that is not so.
template <class A>
struct target {
  static const void* address(A& a) noexcept {
    return const_cast<const void*>(static_cast<const volatile void*>(std::addressof(a)));
  }
  static constexpr std::size_t size = sizeof(A);
};
template <class T>
struct target<const ::std::atomic_ref<T>> {
  using Ref = ::std::atomic_ref<T>;
  static_assert(sizeof(Ref) == sizeof(T*) && ::std::is_trivially_copyable_v<Ref>,
                "weft expects std::atomic_ref<T> to hold only a T*");
  static const void* address(const Ref& a) noexcept {
    T* p;
    std::memcpy(static_cast<void*>(&p), static_cast<const void*>(std::addressof(a)), sizeof p);
    return p;
  }
  static constexpr std::size_t size = sizeof(T);
};
template <class T>
struct target<::std::atomic_ref<T>> : target<const ::std::atomic_ref<T>> {};

// The value type of std::atomic<T>; a type nothing converts to for std::atomic_flag.
template <class A, class = void>
struct value_of {
  struct none {};
  using type = none;
};
template <class A>
struct value_of<A, std::void_t<typename A::value_type>> {
  using type = typename A::value_type;
};

}  // namespace detail

// One operation on the std::atomic<T>, std::atomic_flag or std::atomic_ref<T> `A` (maybe
// const or volatile).
template <class A>
class AtomicAccess {
  using Op = detail::AtomicOp;

 public:
  AtomicAccess(A& a, const Site& site) noexcept : a_(a), site_(site) {}
  AtomicAccess(const AtomicAccess&) = delete;
  AtomicAccess& operator=(const AtomicAccess&) = delete;

  template <class... X>
  auto load(X... x) const {
    return read([&] { return a_.load(x...); }, detail::order_of(x...));
  }
  template <class V, class... X>
  void store(V v, X... x) const {
    run(Op::store, detail::order_of(x...), false, [&] { a_.store(v, x...); });
  }
  template <class V, class... X>
  auto exchange(V v, X... x) const {
    const bool on = begin(Op::rmw);
    auto old = a_.exchange(v, x...);
    if (on) end(Op::rmw, detail::order_of(x...), old, detail::bits_of(old) == detail::bits_of(decltype(old)(v)));
    return old;
  }
  template <class E, class V, class... X>
  bool compare_exchange_weak(E& expected, V desired, X... x) const {
    return cas([&] { return a_.compare_exchange_weak(expected, desired, x...); }, x...);
  }
  template <class E, class V, class... X>
  bool compare_exchange_strong(E& expected, V desired, X... x) const {
    return cas([&] { return a_.compare_exchange_strong(expected, desired, x...); }, x...);
  }
  template <class V, class... X>
  auto fetch_add(V v, X... x) const {
    return rmw([&] { return a_.fetch_add(v, x...); }, detail::order_of(x...));
  }
  template <class V, class... X>
  auto fetch_sub(V v, X... x) const {
    return rmw([&] { return a_.fetch_sub(v, x...); }, detail::order_of(x...));
  }
  template <class V, class... X>
  auto fetch_and(V v, X... x) const {
    return rmw([&] { return a_.fetch_and(v, x...); }, detail::order_of(x...));
  }
  template <class V, class... X>
  auto fetch_or(V v, X... x) const {
    return rmw([&] { return a_.fetch_or(v, x...); }, detail::order_of(x...));
  }
  template <class V, class... X>
  auto fetch_xor(V v, X... x) const {
    return rmw([&] { return a_.fetch_xor(v, x...); }, detail::order_of(x...));
  }
  template <class V, class... X>
  void wait(V old, X... x) const {
    run(Op::load, detail::order_of(x...), false, [&] { a_.wait(old, x...); });
  }
  void notify_one() const {
    run(Op::notify, std::memory_order_relaxed, false, [&] { a_.notify_one(); });
  }
  void notify_all() const {
    run(Op::notify, std::memory_order_relaxed, false, [&] { a_.notify_all(); });
  }
  bool is_lock_free() const noexcept { return a_.is_lock_free(); }

  // std::atomic_flag.
  template <class... X>
  bool test_and_set(X... x) const {
    const bool on = begin(Op::rmw);
    const bool was = a_.test_and_set(x...);
    if (on) end(Op::rmw, detail::order_of(x...), was, was);
    return was;
  }
  template <class... X>
  void clear(X... x) const {
    run(Op::store, detail::order_of(x...), false, [&] { a_.clear(x...); });
  }
  template <class... X>
  bool test(X... x) const {
    return read([&] { return a_.test(x...); }, detail::order_of(x...));
  }

  // Operators, all seq_cst as std::atomic's.
  template <class V>
  auto operator=(V v) const -> decltype(std::declval<A&>() = v) {
    return rmw_like(Op::store, [&] { return a_ = v; });
  }
  operator typename detail::value_of<A>::type() const {  // NOLINT: implicit, as std::atomic's
    return load();
  }
  auto operator++() const { return rmw([&] { return ++a_; }); }
  auto operator--() const { return rmw([&] { return --a_; }); }
  auto operator++(int) const { return rmw([&] { return a_++; }); }
  auto operator--(int) const { return rmw([&] { return a_--; }); }
  template <class V>
  auto operator+=(V v) const { return rmw([&] { return a_ += v; }); }
  template <class V>
  auto operator-=(V v) const { return rmw([&] { return a_ -= v; }); }
  template <class V>
  auto operator&=(V v) const { return rmw([&] { return a_ &= v; }); }
  template <class V>
  auto operator|=(V v) const { return rmw([&] { return a_ |= v; }); }
  template <class V>
  auto operator^=(V v) const { return rmw([&] { return a_ ^= v; }); }

 private:
  const void* addr() const noexcept { return detail::target<A>::address(a_); }
  bool begin(Op op) const {
    return detail::atomic_begin(addr(), detail::target<A>::size, op, site_);
  }
  template <class T>
  void end(Op op, std::memory_order mo, const T& value, bool probe) const {
    detail::atomic_end(addr(), op, mo, detail::bits_of(value), probe);
  }
  template <class F>
  void run(Op op, std::memory_order mo, bool probe, F&& f) const {
    const bool on = begin(op);
    f();
    if (on) detail::atomic_end(addr(), op, mo, 0, probe);
  }
  template <class F>
  auto read(F&& f, std::memory_order mo) const {
    const bool on = begin(Op::load);
    auto v = f();
    if (on) end(Op::load, mo, v, false);
    return v;
  }
  template <class F>
  auto rmw(F&& f, std::memory_order mo = std::memory_order_seq_cst) const {
    return rmw_like(Op::rmw, std::forward<F>(f), mo);
  }
  template <class F>
  auto rmw_like(Op op, F&& f, std::memory_order mo = std::memory_order_seq_cst) const {
    const bool on = begin(op);
    auto v = f();
    if (on) end(op, mo, v, false);
    return v;
  }
  template <class F, class... X>
  bool cas(F&& f, X... x) const {
    static_assert(sizeof...(X) <= 2, "compare_exchange takes at most two memory orders");
    const bool on = begin(Op::rmw);
    const bool ok = f();
    if (on) {
      std::memory_order success = std::memory_order_seq_cst, failure = success;
      if constexpr (sizeof...(X) == 1) {
        success = detail::order_of(x...);
        failure = detail::failure_of(success);
      } else if constexpr (sizeof...(X) == 2) {
        const std::memory_order mo[] = {x...};
        success = mo[0];
        failure = mo[1];
      }
      if (ok)
        detail::atomic_end(addr(), Op::rmw, success, 0, false);
      else
        detail::atomic_end(addr(), Op::load, failure, 0, true);
    }
    return ok;
  }

  A& a_;
  const Site& site_;
};

// `p->op(...)` on a pointer to an atomic: `atomic_via(p, site)->op(...)`.
template <class A>
class AtomicArrow {
 public:
  AtomicArrow(A* p, const Site& site) noexcept : access_(*p, site) {}
  const AtomicAccess<A>* operator->() const noexcept { return &access_; }

 private:
  AtomicAccess<A> access_;
};

template <class A>
AtomicAccess<A> atomic(A& a, const Site& site) noexcept {
  return AtomicAccess<A>(a, site);
}
// A std::atomic_ref, also a temporary one (`std::atomic_ref<int>(x).store(1)`): every
// operation of atomic_ref is const, and a temporary lives to the end of the full expression.
template <class T>
AtomicAccess<const ::std::atomic_ref<T>> atomic(const ::std::atomic_ref<T>& a,
                                              const Site& site) noexcept {
  return AtomicAccess<const ::std::atomic_ref<T>>(a, site);
}
template <class A>
AtomicArrow<A> atomic_via(A* p, const Site& site) noexcept {
  return AtomicArrow<A>(p, site);
}

// The free functions of <atomic>, as weft-instrument prefixes them
// (`std::atomic_fetch_add(&a, 1)` -> `::weft::instr::hooked::std::atomic_fetch_add(&a, 1)`):
// each is the member operation through the proxy, at the caller's source location.
namespace hooked::std {

using Where = ::std::source_location;
using Order = ::std::memory_order;
inline constexpr Order kSeqCst = ::std::memory_order_seq_cst;

// A Site for a source_location (whose strings are static, as a Site's must be).
inline Site site_of(const Where& w) noexcept {
  return Site{w.file_name(), w.function_name(), w.line(), w.column()};
}

template <class A>
auto atomic_load_explicit(const A* p, Order mo, Where w = Where::current()) {
  const Site s = site_of(w);
  return atomic(*p, s).load(mo);
}
template <class A>
auto atomic_load(const A* p, Where w = Where::current()) {
  return atomic_load_explicit(p, kSeqCst, w);
}
template <class A, class V>
void atomic_store_explicit(A* p, V v, Order mo, Where w = Where::current()) {
  const Site s = site_of(w);
  atomic(*p, s).store(v, mo);
}
template <class A, class V>
void atomic_store(A* p, V v, Where w = Where::current()) {
  atomic_store_explicit(p, v, kSeqCst, w);
}
template <class A, class V>
auto atomic_exchange_explicit(A* p, V v, Order mo, Where w = Where::current()) {
  const Site s = site_of(w);
  return atomic(*p, s).exchange(v, mo);
}
template <class A, class V>
auto atomic_exchange(A* p, V v, Where w = Where::current()) {
  return atomic_exchange_explicit(p, v, kSeqCst, w);
}
template <class A, class E, class V>
bool atomic_compare_exchange_weak_explicit(A* p, E* expected, V desired, Order success,
                                           Order failure, Where w = Where::current()) {
  const Site s = site_of(w);
  return atomic(*p, s).compare_exchange_weak(*expected, desired, success, failure);
}
template <class A, class E, class V>
bool atomic_compare_exchange_weak(A* p, E* expected, V desired, Where w = Where::current()) {
  return atomic_compare_exchange_weak_explicit(p, expected, desired, kSeqCst, kSeqCst, w);
}
template <class A, class E, class V>
bool atomic_compare_exchange_strong_explicit(A* p, E* expected, V desired, Order success,
                                             Order failure, Where w = Where::current()) {
  const Site s = site_of(w);
  return atomic(*p, s).compare_exchange_strong(*expected, desired, success, failure);
}
template <class A, class E, class V>
bool atomic_compare_exchange_strong(A* p, E* expected, V desired, Where w = Where::current()) {
  return atomic_compare_exchange_strong_explicit(p, expected, desired, kSeqCst, kSeqCst, w);
}
template <class A, class V>
auto atomic_fetch_add_explicit(A* p, V v, Order mo, Where w = Where::current()) {
  const Site s = site_of(w);
  return atomic(*p, s).fetch_add(v, mo);
}
template <class A, class V>
auto atomic_fetch_add(A* p, V v, Where w = Where::current()) {
  return atomic_fetch_add_explicit(p, v, kSeqCst, w);
}
template <class A, class V>
auto atomic_fetch_sub_explicit(A* p, V v, Order mo, Where w = Where::current()) {
  const Site s = site_of(w);
  return atomic(*p, s).fetch_sub(v, mo);
}
template <class A, class V>
auto atomic_fetch_sub(A* p, V v, Where w = Where::current()) {
  return atomic_fetch_sub_explicit(p, v, kSeqCst, w);
}
template <class A, class V>
auto atomic_fetch_and_explicit(A* p, V v, Order mo, Where w = Where::current()) {
  const Site s = site_of(w);
  return atomic(*p, s).fetch_and(v, mo);
}
template <class A, class V>
auto atomic_fetch_and(A* p, V v, Where w = Where::current()) {
  return atomic_fetch_and_explicit(p, v, kSeqCst, w);
}
template <class A, class V>
auto atomic_fetch_or_explicit(A* p, V v, Order mo, Where w = Where::current()) {
  const Site s = site_of(w);
  return atomic(*p, s).fetch_or(v, mo);
}
template <class A, class V>
auto atomic_fetch_or(A* p, V v, Where w = Where::current()) {
  return atomic_fetch_or_explicit(p, v, kSeqCst, w);
}
template <class A, class V>
auto atomic_fetch_xor_explicit(A* p, V v, Order mo, Where w = Where::current()) {
  const Site s = site_of(w);
  return atomic(*p, s).fetch_xor(v, mo);
}
template <class A, class V>
auto atomic_fetch_xor(A* p, V v, Where w = Where::current()) {
  return atomic_fetch_xor_explicit(p, v, kSeqCst, w);
}
template <class A, class V>
void atomic_wait_explicit(const A* p, V old, Order mo, Where w = Where::current()) {
  const Site s = site_of(w);
  atomic(*p, s).wait(old, mo);
}
template <class A, class V>
void atomic_wait(const A* p, V old, Where w = Where::current()) {
  atomic_wait_explicit(p, old, kSeqCst, w);
}
template <class A>
void atomic_notify_one(A* p, Where w = Where::current()) {
  const Site s = site_of(w);
  atomic(*p, s).notify_one();
}
template <class A>
void atomic_notify_all(A* p, Where w = Where::current()) {
  const Site s = site_of(w);
  atomic(*p, s).notify_all();
}
template <class A>
bool atomic_is_lock_free(const A* p) noexcept {
  return p->is_lock_free();
}

template <class F>
bool atomic_flag_test_and_set_explicit(F* f, Order mo, Where w = Where::current()) {
  const Site s = site_of(w);
  return atomic(*f, s).test_and_set(mo);
}
template <class F>
bool atomic_flag_test_and_set(F* f, Where w = Where::current()) {
  return atomic_flag_test_and_set_explicit(f, kSeqCst, w);
}
template <class F>
void atomic_flag_clear_explicit(F* f, Order mo, Where w = Where::current()) {
  const Site s = site_of(w);
  atomic(*f, s).clear(mo);
}
template <class F>
void atomic_flag_clear(F* f, Where w = Where::current()) {
  atomic_flag_clear_explicit(f, kSeqCst, w);
}
template <class F>
bool atomic_flag_test_explicit(const F* f, Order mo, Where w = Where::current()) {
  const Site s = site_of(w);
  return atomic(*f, s).test(mo);
}
template <class F>
bool atomic_flag_test(const F* f, Where w = Where::current()) {
  return atomic_flag_test_explicit(f, kSeqCst, w);
}
template <class F>
void atomic_flag_wait_explicit(const F* f, bool old, Order mo, Where w = Where::current()) {
  const Site s = site_of(w);
  atomic(*f, s).wait(old, mo);
}
template <class F>
void atomic_flag_wait(const F* f, bool old, Where w = Where::current()) {
  atomic_flag_wait_explicit(f, old, kSeqCst, w);
}
template <class F>
void atomic_flag_notify_one(F* f, Where w = Where::current()) {
  const Site s = site_of(w);
  atomic(*f, s).notify_one();
}
template <class F>
void atomic_flag_notify_all(F* f, Where w = Where::current()) {
  const Site s = site_of(w);
  atomic(*f, s).notify_all();
}

inline void atomic_thread_fence(Order mo, Where w = Where::current()) {
  ::std::atomic_thread_fence(mo);
  detail::atomic_fence(mo, site_of(w));
}
inline void atomic_signal_fence(Order mo) noexcept { ::std::atomic_signal_fence(mo); }

}  // namespace hooked::std

}  // namespace weft::instr
