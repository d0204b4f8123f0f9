// weft/context.hpp — Go's context package: cancellation, deadlines and values across a
// tree of goroutines.
//
//   auto [ctx, cancel] = weft::with_timeout(weft::background(), 100ms);
//   weft::go([ctx] {
//     weft::select(weft::recv_case(ctx.done()), weft::recv_case(work));
//     if (ctx.err() == weft::ContextError::deadline_exceeded) ...
//   });
//   cancel();                                   // idempotent; also cancels every child
//   cancel("shutting down");                    // with a cause: ctx.cause()
//
// done() is a receive-only channel closed on cancellation (nil, never closing, for
// background()). err() is none until then, afterwards canceled or deadline_exceeded.
// Cancelling a context happens before a receive from its done() that returns because of it.
#pragma once

#include <any>
#include <functional>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <utility>

#include "weft/chan.hpp"
#include "weft/time.hpp"

namespace weft {

enum class ContextError { none, canceled, deadline_exceeded };
// Go's messages: "context canceled", "context deadline exceeded"; "" for none.
std::string_view context_error_message(ContextError e) noexcept;

namespace detail {
struct ContextImpl;
}

class Context {
 public:
  Context();  // background()
  RecvChan<Unit> done() const;
  ContextError err() const;
  // The cause given to the cancel function, or err()'s message when none was given.
  std::string cause() const;
  std::optional<Clock::time_point> deadline() const;
  // The value stored under `key` by with_value here or in an ancestor (Go's Value).
  const std::any* value(std::string_view key) const;
  template <class T>
  std::optional<T> value_as(std::string_view key) const {
    const std::any* v = value(key);
    if (!v) return std::nullopt;
    if (const T* p = std::any_cast<T>(v)) return *p;
    return std::nullopt;
  }

 private:
  explicit Context(std::shared_ptr<detail::ContextImpl> impl) : impl_(std::move(impl)) {}
  friend struct detail::ContextImpl;
  std::shared_ptr<detail::ContextImpl> impl_;
};

// Cancels its context (and the context's children). Idempotent; callable from any goroutine.
class CancelFunc {
 public:
  void operator()(std::source_location where = std::source_location::current()) const;
  void operator()(std::string cause,
                  std::source_location where = std::source_location::current()) const;

 private:
  explicit CancelFunc(std::shared_ptr<detail::ContextImpl> c) : c_(std::move(c)) {}
  friend struct detail::ContextImpl;
  std::shared_ptr<detail::ContextImpl> c_;
};

Context background();
std::pair<Context, CancelFunc> with_cancel(const Context& parent);
std::pair<Context, CancelFunc> with_deadline(const Context& parent, Clock::time_point deadline);
std::pair<Context, CancelFunc> with_timeout(const Context& parent, Duration timeout);
Context with_value(const Context& parent, std::string key, std::any value);

}  // namespace weft
