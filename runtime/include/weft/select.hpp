// weft/select.hpp — Go's select statement.
//
//   int fired = weft::select(
//       weft::recv_case(jobs, [&](Job j) { run(j); }),              // v := <-jobs
//       weft::recv_case(results, [&](std::optional<int> r) { ... }), // v, ok := <-results
//       weft::send_case(out, 42, [&] { sent++; }),                   // out <- 42
//       weft::recv_case(timeout),                                     // <-timeout, no handler
//       weft::default_case([&] { idle++; }));                         // default:
//
// If several cases are ready, which one fires is a nondeterministic choice: under
// weft::explore the strategy makes it, so exploration covers every choice. Cases on a nil
// channel are never ready. With no ready case and no default, select blocks until one is
// ready; a select with no cases at all blocks forever. Returns the index of the case that ran.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <source_location>
#include <type_traits>
#include <utility>

#include "weft/chan.hpp"

namespace weft {

namespace detail {
struct NoHandler {};
}  // namespace detail

// Each case holds a reference to its channel, so a channel whose other handles are all
// dropped while the select is blocked stays alive until the select has unlinked itself.
template <class T, class F>
class RecvCase {
 public:
  RecvCase(std::shared_ptr<detail::ChanCore> c, F fn) : chan_(std::move(c)), fn_(std::move(fn)) {}
  detail::SelectCase raw() { return {chan_.get(), false, slot_.raw()}; }
  void fire(bool received) {
    if (received || detail::elem_ops_for<T>.zero_construct) slot_.mark_full();
    if constexpr (std::is_invocable_v<F&, std::optional<T>>) {
      fn_(received ? std::optional<T>(slot_.take()) : std::nullopt);
    } else if constexpr (std::is_invocable_v<F&, T>) {
      static_assert(std::is_default_constructible_v<T>,
                    "a handler taking T gets the zero value when the channel is closed; "
                    "take std::optional<T> instead");
      fn_(slot_.take());
    } else if constexpr (std::is_invocable_v<F&>) {
      fn_();
    } else {
      static_assert(std::is_same_v<F, detail::NoHandler>,
                    "recv_case handler must take T, std::optional<T>, or nothing");
    }
  }

 private:
  std::shared_ptr<detail::ChanCore> chan_;
  F fn_;
  detail::Slot<T> slot_;
};

template <class T, class F>
class SendCase {
 public:
  SendCase(std::shared_ptr<detail::ChanCore> c, T v, F fn)
      : chan_(std::move(c)), value_(std::move(v)), fn_(std::move(fn)) {}
  detail::SelectCase raw() { return {chan_.get(), true, std::addressof(value_)}; }
  void fire(bool) {
    if constexpr (std::is_invocable_v<F&>) fn_();
  }

 private:
  std::shared_ptr<detail::ChanCore> chan_;
  T value_;
  F fn_;
};

template <class F>
class DefaultCase {
 public:
  explicit DefaultCase(F fn) : fn_(std::move(fn)) {}
  void fire(bool) {
    if constexpr (std::is_invocable_v<F&>) fn_();
  }

 private:
  F fn_;
};

template <class Ch, class F = detail::NoHandler>
auto recv_case(const Ch& c, F fn = {}) {
  return RecvCase<typename Ch::value_type, F>(detail::ChanAccess::shared(c), std::move(fn));
}
template <class Ch, class V, class F = detail::NoHandler>
auto send_case(const Ch& c, V&& v, F fn = {}) {
  using T = typename Ch::value_type;
  return SendCase<T, F>(detail::ChanAccess::shared(c), T(std::forward<V>(v)), std::move(fn));
}
template <class F = detail::NoHandler>
auto default_case(F fn = {}) {
  return DefaultCase<F>(std::move(fn));
}

namespace detail {
template <class C>
inline constexpr bool is_default_case = false;
template <class F>
inline constexpr bool is_default_case<DefaultCase<F>> = true;

}  // namespace detail

template <class... Cases>
int select_at(std::source_location where, Cases&&... cases) {
  constexpr std::size_t defaults = (0 + ... + (detail::is_default_case<std::decay_t<Cases>> ? 1 : 0));
  static_assert(defaults <= 1, "select takes at most one default_case");
  constexpr std::size_t n = sizeof...(Cases) - defaults;
  std::array<detail::SelectCase, n == 0 ? 1 : n> raw{};
  std::array<int, sizeof...(Cases)> raw_index{};  // case position -> raw index (-1: default)
  std::size_t k = 0, pos = 0;
  auto collect = [&](auto& c) {
    if constexpr (detail::is_default_case<std::decay_t<decltype(c)>>) {
      raw_index[pos++] = -1;
    } else {
      raw_index[pos++] = static_cast<int>(k);
      raw[k++] = c.raw();
    }
  };
  (collect(cases), ...);
  (void)collect;  // unused by an empty select
  bool received = false;
  int fired_raw = detail::select_impl(std::span(raw.data(), n), defaults == 1, &received,
                                      Location::from(where));
  int fired = -1;
  pos = 0;
  auto dispatch = [&](auto& c) {
    if (fired < 0 && raw_index[pos] == fired_raw) {
      fired = static_cast<int>(pos);
      c.fire(received);
    }
    ++pos;
  };
  (dispatch(cases), ...);
  (void)dispatch;
  return fired;
}

// Runs the one case that fires (see the file comment); converts to that case's position.
// A class template only so that it can capture the caller's source location.
template <class... Cases>
struct select {
  explicit select(Cases&&... cases, std::source_location where = std::source_location::current())
      : index(select_at(where, std::forward<Cases>(cases)...)) {}
  operator int() const noexcept { return index; }  // NOLINT: implicit by design
  int index;
};
template <class... Cases>
select(Cases&&...) -> select<Cases...>;

}  // namespace weft
