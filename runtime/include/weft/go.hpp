// weft/go.hpp — starting goroutines.
//
//   weft::go([&] { worker(jobs); });               // go worker(jobs)
//   weft::go(worker, jobs, results);               // arguments are decay-copied, as in std::thread
//   weft::go_named("producer", [&] { ... });       // the name shows in reports
//
// Calling them outside a goroutine of weft::explore or weft::run throws std::logic_error.
#pragma once

#include <functional>
#include <memory>
#include <new>
#include <source_location>
#include <string>
#include <type_traits>
#include <utility>

#include "weft/detail/runtime.hpp"

namespace weft {

namespace detail {
// A goroutine's body, owned by the runtime until it has run. Every go() call site has its
// own closure type, so whatever go() instantiates per type is paid once per call site at
// compile time: the owning pointer is built with a plain `new` into unique_ptr<Callable>
// (instantiated once), not make_unique of the derived type, the in-place path of
// spawn_body is three calls into the runtime, and arguments are bound by a
// capturing lambda rather than std::tuple + std::apply. With the library versions this cut
// Clang's time per go() call site from about 23 ms to about 1 ms.
template <class F>
struct BoundCall final : Callable {
  template <class F2>
  explicit BoundCall(F2&& f) : fn(std::forward<F2>(f)) {}
  void invoke() override { std::move(fn)(); }
  F fn;
};

template <class F, class... Args>
std::unique_ptr<Callable> bind_call(F&& f, Args&&... args) {
  if constexpr (sizeof...(Args) == 0) {
    static_assert(requires(std::decay_t<F> g) { std::move(g)(); },
                  "weft::go: the function cannot be called without arguments");
    return std::unique_ptr<Callable>(new BoundCall<std::decay_t<F>>(std::forward<F>(f)));
  } else {
    static_assert(std::is_invocable_v<std::decay_t<F>, std::decay_t<Args>...>,
                  "weft::go: the function cannot be called with these arguments");
    // Decay-copies f and each argument, as std::thread does.
    auto call = [fn = std::forward<F>(f), ... a = std::forward<Args>(args)]() mutable {
      std::invoke(std::move(fn), std::move(a)...);
    };
    return std::unique_ptr<Callable>(new BoundCall<decltype(call)>(std::move(call)));
  }
}

// Starts a goroutine whose body is a B built from `src`. Under weft::run a body that fits
// is built in place in the goroutine record (spawn_reserve), so a go() allocates nothing;
// a larger one, and every body under weft::explore, is built on the heap first, as
// bind_call does (there the body must exist before the spawn's scheduling point).
template <class B, class Src>
void spawn_body(Src&& src, std::string&& name, Location where) {
  if constexpr (sizeof(B) <= kInlineBodyBytes && alignof(B) <= kInlineBodyAlign) {
    if (const SpawnSlot s = spawn_reserve(); s.g != nullptr) {
      Callable* body = nullptr;
      try {
        body = ::new (s.slot) B(std::forward<Src>(src));
      } catch (...) {
        spawn_cancel(s.g);
        throw;
      }
      spawn_commit(s.g, body, std::move(name), where);
      return;
    }
  }
  spawn(std::unique_ptr<Callable>(new B(std::forward<Src>(src))), std::move(name), where);
}

template <class F, class... Args>
void go_call(std::string&& name, Location where, F&& f, Args&&... args) {
  if constexpr (sizeof...(Args) == 0) {
    static_assert(requires(std::decay_t<F> g) { std::move(g)(); },
                  "weft::go: the function cannot be called without arguments");
    spawn_body<BoundCall<std::decay_t<F>>>(std::forward<F>(f), std::move(name), where);
  } else {
    static_assert(std::is_invocable_v<std::decay_t<F>, std::decay_t<Args>...>,
                  "weft::go: the function cannot be called with these arguments");
    // Decay-copies f and each argument, as std::thread does.
    auto call = [fn = std::forward<F>(f), ... a = std::forward<Args>(args)]() mutable {
      std::invoke(std::move(fn), std::move(a)...);
    };
    spawn_body<BoundCall<decltype(call)>>(std::move(call), std::move(name), where);
  }
}
}  // namespace detail

// go is a set of overloads, one per argument count (up to 8), rather than a class template,
// so that `weft::go(worker);` is a call and not the declaration of a variable named worker.
using Here = std::source_location;

template <class F>
void go(F&& f, Here where = Here::current()) {
  detail::go_call({}, Location::from(where), std::forward<F>(f));
}
template <class F>
void go_named(std::string name, F&& f, Here where = Here::current()) {
  detail::go_call(std::move(name), Location::from(where), std::forward<F>(f));
}

template <class F, class A1>
void go(F&& f, A1&& a1, Here where = Here::current()) {
  detail::go_call({}, Location::from(where), std::forward<F>(f), std::forward<A1>(a1));
}
template <class F, class A1>
void go_named(std::string name, F&& f, A1&& a1, Here where = Here::current()) {
  detail::go_call(std::move(name), Location::from(where), std::forward<F>(f), std::forward<A1>(a1));
}

template <class F, class A1, class A2>
void go(F&& f, A1&& a1, A2&& a2, Here where = Here::current()) {
  detail::go_call({}, Location::from(where), std::forward<F>(f), std::forward<A1>(a1), std::forward<A2>(a2));
}
template <class F, class A1, class A2>
void go_named(std::string name, F&& f, A1&& a1, A2&& a2, Here where = Here::current()) {
  detail::go_call(std::move(name), Location::from(where), std::forward<F>(f), std::forward<A1>(a1), std::forward<A2>(a2));
}

template <class F, class A1, class A2, class A3>
void go(F&& f, A1&& a1, A2&& a2, A3&& a3, Here where = Here::current()) {
  detail::go_call({}, Location::from(where), std::forward<F>(f), std::forward<A1>(a1), std::forward<A2>(a2), std::forward<A3>(a3));
}
template <class F, class A1, class A2, class A3>
void go_named(std::string name, F&& f, A1&& a1, A2&& a2, A3&& a3, Here where = Here::current()) {
  detail::go_call(std::move(name), Location::from(where), std::forward<F>(f), std::forward<A1>(a1), std::forward<A2>(a2), std::forward<A3>(a3));
}

template <class F, class A1, class A2, class A3, class A4>
void go(F&& f, A1&& a1, A2&& a2, A3&& a3, A4&& a4, Here where = Here::current()) {
  detail::go_call({}, Location::from(where), std::forward<F>(f), std::forward<A1>(a1), std::forward<A2>(a2), std::forward<A3>(a3), std::forward<A4>(a4));
}
template <class F, class A1, class A2, class A3, class A4>
void go_named(std::string name, F&& f, A1&& a1, A2&& a2, A3&& a3, A4&& a4, Here where = Here::current()) {
  detail::go_call(std::move(name), Location::from(where), std::forward<F>(f), std::forward<A1>(a1), std::forward<A2>(a2), std::forward<A3>(a3), std::forward<A4>(a4));
}

template <class F, class A1, class A2, class A3, class A4, class A5>
void go(F&& f, A1&& a1, A2&& a2, A3&& a3, A4&& a4, A5&& a5, Here where = Here::current()) {
  detail::go_call({}, Location::from(where), std::forward<F>(f), std::forward<A1>(a1), std::forward<A2>(a2), std::forward<A3>(a3), std::forward<A4>(a4), std::forward<A5>(a5));
}
template <class F, class A1, class A2, class A3, class A4, class A5>
void go_named(std::string name, F&& f, A1&& a1, A2&& a2, A3&& a3, A4&& a4, A5&& a5, Here where = Here::current()) {
  detail::go_call(std::move(name), Location::from(where), std::forward<F>(f), std::forward<A1>(a1), std::forward<A2>(a2), std::forward<A3>(a3), std::forward<A4>(a4), std::forward<A5>(a5));
}

template <class F, class A1, class A2, class A3, class A4, class A5, class A6>
void go(F&& f, A1&& a1, A2&& a2, A3&& a3, A4&& a4, A5&& a5, A6&& a6, Here where = Here::current()) {
  detail::go_call({}, Location::from(where), std::forward<F>(f), std::forward<A1>(a1), std::forward<A2>(a2), std::forward<A3>(a3), std::forward<A4>(a4), std::forward<A5>(a5), std::forward<A6>(a6));
}
template <class F, class A1, class A2, class A3, class A4, class A5, class A6>
void go_named(std::string name, F&& f, A1&& a1, A2&& a2, A3&& a3, A4&& a4, A5&& a5, A6&& a6, Here where = Here::current()) {
  detail::go_call(std::move(name), Location::from(where), std::forward<F>(f), std::forward<A1>(a1), std::forward<A2>(a2), std::forward<A3>(a3), std::forward<A4>(a4), std::forward<A5>(a5), std::forward<A6>(a6));
}

template <class F, class A1, class A2, class A3, class A4, class A5, class A6, class A7>
void go(F&& f, A1&& a1, A2&& a2, A3&& a3, A4&& a4, A5&& a5, A6&& a6, A7&& a7, Here where = Here::current()) {
  detail::go_call({}, Location::from(where), std::forward<F>(f), std::forward<A1>(a1), std::forward<A2>(a2), std::forward<A3>(a3), std::forward<A4>(a4), std::forward<A5>(a5), std::forward<A6>(a6), std::forward<A7>(a7));
}
template <class F, class A1, class A2, class A3, class A4, class A5, class A6, class A7>
void go_named(std::string name, F&& f, A1&& a1, A2&& a2, A3&& a3, A4&& a4, A5&& a5, A6&& a6, A7&& a7, Here where = Here::current()) {
  detail::go_call(std::move(name), Location::from(where), std::forward<F>(f), std::forward<A1>(a1), std::forward<A2>(a2), std::forward<A3>(a3), std::forward<A4>(a4), std::forward<A5>(a5), std::forward<A6>(a6), std::forward<A7>(a7));
}

template <class F, class A1, class A2, class A3, class A4, class A5, class A6, class A7, class A8>
void go(F&& f, A1&& a1, A2&& a2, A3&& a3, A4&& a4, A5&& a5, A6&& a6, A7&& a7, A8&& a8, Here where = Here::current()) {
  detail::go_call({}, Location::from(where), std::forward<F>(f), std::forward<A1>(a1), std::forward<A2>(a2), std::forward<A3>(a3), std::forward<A4>(a4), std::forward<A5>(a5), std::forward<A6>(a6), std::forward<A7>(a7), std::forward<A8>(a8));
}
template <class F, class A1, class A2, class A3, class A4, class A5, class A6, class A7, class A8>
void go_named(std::string name, F&& f, A1&& a1, A2&& a2, A3&& a3, A4&& a4, A5&& a5, A6&& a6, A7&& a7, A8&& a8, Here where = Here::current()) {
  detail::go_call(std::move(name), Location::from(where), std::forward<F>(f), std::forward<A1>(a1), std::forward<A2>(a2), std::forward<A3>(a3), std::forward<A4>(a4), std::forward<A5>(a5), std::forward<A6>(a6), std::forward<A7>(a7), std::forward<A8>(a8));
}

// The running goroutine's id (1 is the main goroutine of an iteration).
GoId goid();
// Lets the scheduler run another goroutine (Go's runtime.Gosched).
void yield(std::source_location where = std::source_location::current());

}  // namespace weft
