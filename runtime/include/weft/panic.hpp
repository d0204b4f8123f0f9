// weft/panic.hpp — Go's run-time errors and test assertions as C++ exceptions.
//
// A weft::Panic is raised in the goroutine that broke a rule ("send on closed channel",
// "close of nil channel", "sync: negative WaitGroup counter", ...), with Go's message. If it
// escapes the goroutine, the program (or the explored iteration) fails with a report, as a
// Go panic crashes the program. weft::check() fails the iteration with an assertion report.
#pragma once

#include <source_location>
#include <stdexcept>
#include <string>

#include "weft/events.hpp"

namespace weft {

class Panic : public std::runtime_error {
 public:
  explicit Panic(const std::string& message,
                 std::source_location where = std::source_location::current())
      : std::runtime_error(message), where_(Location::from(where)) {}
  Panic(const std::string& message, Location where)
      : std::runtime_error(message), where_(where) {}
  const Location& where() const noexcept { return where_; }

 private:
  Location where_;
};

// Thrown by weft::check; fails the iteration as an assertion.
class CheckFailure : public std::runtime_error {
 public:
  CheckFailure(const std::string& message, Location where)
      : std::runtime_error(message), where_(where) {}
  const Location& where() const noexcept { return where_; }

 private:
  Location where_;
};

// check(cond, msg) fails the current goroutine (and so the explored iteration) when cond
// is false. Unlike assert() it works in release builds and reports through weft.
inline void check(bool cond, const std::string& message = "check failed",
                  std::source_location where = std::source_location::current()) {
  if (!cond) throw CheckFailure(message, Location::from(where));
}

}  // namespace weft
