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
// What a case made from a temporary channel handle holds to keep the channel alive; a case
// made from a channel variable (the common case) holds nothing.
template <bool Owns>
struct CaseOwner {
  explicit CaseOwner(std::shared_ptr<ChanCore> own) : own_(std::move(own)) {}
  std::shared_ptr<ChanCore> own_;
};
template <>
struct CaseOwner<false> {
  explicit CaseOwner(const std::shared_ptr<ChanCore>&) {}
};
}  // namespace detail

// A case made from a channel variable refers to that variable's channel, without a copy of
// the handle (a copy is two atomic read-modify-writes per case, a third of a select's cost):
// the variable must outlive the select that uses the case, as it does when the case is
// written inside the select call. A case made from a temporary handle owns it. Either way a
// select that blocks keeps every channel alive until it has unlinked itself (select.cpp), so
// overwriting the last handle of a channel a select waits on is safe, as in Go.
template <class T, class F, bool Owns = true>
class RecvCase : detail::CaseOwner<Owns> {
 public:
  RecvCase(detail::ChanCore* c, std::shared_ptr<detail::ChanCore> own, F fn)
      : detail::CaseOwner<Owns>(std::move(own)), chan_(c), fn_(std::move(fn)) {}
  detail::SelectCase raw() { return {chan_, false, slot_.raw()}; }
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
  detail::ChanCore* chan_;
  F fn_;
  detail::Slot<T> slot_;
};

template <class T, class F, bool Owns = true>
class SendCase : detail::CaseOwner<Owns> {
 public:
  SendCase(detail::ChanCore* c, std::shared_ptr<detail::ChanCore> own, T v, F fn)
      : detail::CaseOwner<Owns>(std::move(own)),
        chan_(c),
        value_(std::move(v)),
        fn_(std::move(fn)) {}
  detail::SelectCase raw() { return {chan_, true, std::addressof(value_)}; }
  void fire(bool) {
    if constexpr (std::is_invocable_v<F&>) fn_();
  }

 private:
  detail::ChanCore* chan_;
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

namespace detail {
// The channel of a case and, for a temporary handle, the handle itself (see RecvCase).
template <class Ch>
std::shared_ptr<ChanCore> case_owner(Ch&& c) {
  if constexpr (std::is_lvalue_reference_v<Ch>)
    return {};
  else if constexpr (std::is_const_v<std::remove_reference_t<Ch>>)
    return ChanAccess::shared(c);
  else
    return ChanAccess::take(std::move(c));
}
}  // namespace detail

template <class Ch, class F = detail::NoHandler>
auto recv_case(Ch&& c, F fn = {}) {
  using T = typename std::remove_cvref_t<Ch>::value_type;
  detail::ChanCore* core = detail::ChanAccess::raw(c);
  return RecvCase<T, F, !std::is_lvalue_reference_v<Ch>>(
      core, detail::case_owner<Ch>(std::forward<Ch>(c)), std::move(fn));
}
template <class Ch, class V, class F = detail::NoHandler>
auto send_case(Ch&& c, V&& v, F fn = {}) {
  using T = typename std::remove_cvref_t<Ch>::value_type;
  detail::ChanCore* core = detail::ChanAccess::raw(c);
  return SendCase<T, F, !std::is_lvalue_reference_v<Ch>>(
      core, detail::case_owner<Ch>(std::forward<Ch>(c)), T(std::forward<V>(v)), std::move(fn));
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
