// examples/registry.hpp — the table of example programs that weft-examples and the example
// tests explore.
//
// Each example is a body for weft::explore: it runs as the main goroutine of one iteration.
// A correct example asserts its result with weft::check, so a wrong answer in any explored
// schedule would fail it. A bug example contains a classic concurrency mistake, and its
// Expect names the failure the explorer should find.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "weft/explore.hpp"

namespace weft_examples {

// What exploring an example should produce.
struct Expect {
  // std::nullopt: a correct program, so no schedule fails. Otherwise the kind of failure
  // the bug produces in some schedule.
  std::optional<weft::FailureKind> failure;
  // Another report that also counts as finding the bug (the lock-order detector can
  // predict a deadlock from a schedule that got lucky).
  std::optional<weft::FailureKind> or_instead;

  static constexpr Expect ok() { return {}; }
  static constexpr Expect bug(weft::FailureKind k) { return {k, std::nullopt}; }
  constexpr Expect or_else(weft::FailureKind k) const { return {failure, k}; }
  constexpr bool is_bug() const { return failure.has_value(); }
  constexpr bool accepts(weft::FailureKind k) const {
    return failure == k || or_instead == k;
  }
};

struct Example {
  std::string_view name;     // what --only takes: lower-case words joined by '-'
  std::string_view teaches;  // one line, as in a table of contents
  void (*body)();
  Expect expect;
};

// Every example, correct programs first, then the bugs; names are unique.
std::span<const Example> all_examples();

// The example called `name`, or nullptr.
const Example* find_example(std::string_view name);

}  // namespace weft_examples
