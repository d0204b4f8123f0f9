// weft/go.hpp — starting goroutines.
//
//   weft::go([&] { worker(jobs); });               // go worker(jobs)
//   weft::go(worker, jobs, results);               // arguments are decay-copied, as in std::thread
//   weft::go_named("producer", [&] { ... });       // the name shows in reports
//
// go is a class template only so that it can capture the caller's source location after a
// parameter pack; use it as a function. Calling it outside weft::explore / weft::run throws
// std::logic_error.
#pragma once

#include <functional>
#include <memory>
#include <source_location>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "weft/detail/runtime.hpp"

namespace weft {

namespace detail {
template <class F, class... Args>
struct BoundCall final : Callable {
  template <class F2, class... A2>
  explicit BoundCall(F2&& f, A2&&... a) : fn(std::forward<F2>(f)), args(std::forward<A2>(a)...) {}
  void invoke() override { std::apply(std::move(fn), std::move(args)); }
  F fn;
  std::tuple<Args...> args;
};

template <class F, class... Args>
std::unique_ptr<Callable> bind_call(F&& f, Args&&... args) {
  static_assert(std::is_invocable_v<std::decay_t<F>, std::decay_t<Args>...>,
                "weft::go: the function cannot be called with these arguments");
  return std::make_unique<BoundCall<std::decay_t<F>, std::decay_t<Args>...>>(
      std::forward<F>(f), std::forward<Args>(args)...);
}
}  // namespace detail

template <class F, class... Args>
struct go {
  explicit go(F&& f, Args&&... args,
              std::source_location where = std::source_location::current()) {
    detail::spawn(detail::bind_call(std::forward<F>(f), std::forward<Args>(args)...), {},
                  Location::from(where));
  }
};
template <class F, class... Args>
go(F&&, Args&&...) -> go<F, Args...>;

template <class F, class... Args>
struct go_named {
  go_named(std::string name, F&& f, Args&&... args,
           std::source_location where = std::source_location::current()) {
    detail::spawn(detail::bind_call(std::forward<F>(f), std::forward<Args>(args)...),
                  std::move(name), Location::from(where));
  }
};
template <class F, class... Args>
go_named(std::string, F&&, Args&&...) -> go_named<F, Args...>;

// The running goroutine's id (1 is the main goroutine of an iteration).
GoId goid();
// Lets the scheduler run another goroutine (Go's runtime.Gosched).
void yield(std::source_location where = std::source_location::current());

}  // namespace weft
