// The watchdog: a thread that watches an exploration in real time and ends the process
// with a report of kind `hang` when the running goroutine makes no visible operation for
// `hang_timeout`, or when the exploration's `time_budget` has run out while it is stuck.
//
// A goroutine that makes no visible operation cannot be stopped: the controlled scheduler
// regains control only at a visible operation, and a fiber stuck in a busy loop, a
// std::mutex or a read() cannot be unwound from outside. So the watchdog reports and ends
// the process (exit status kHangExitStatus), as a crash does. Not while a debugger is
// attached: a goroutine stopped at a breakpoint is not a hang.
//
// Cost on the hot path: the exploring thread bumps explore_progress (crash.hpp) at each
// visible operation, a relaxed load and store. The watchdog sleeps on a condition variable
// and compares that counter a few times per limit.
#pragma once

#include <chrono>

#include "crash.hpp"

namespace weft::detail {

// The exit status of a process ended by the watchdog (as timeout(1) uses).
constexpr int kHangExitStatus = 124;

// Watches `run` for its lifetime. One thread serves the whole process (started at the first
// use, idle between explorations), so an explore() call pays a lock and a notify, not a
// thread start. One exploration is watched at a time; a nested or concurrent one is not.
class Watchdog {
 public:
  Watchdog(const LiveRun& run, std::chrono::milliseconds hang_timeout,
           std::chrono::milliseconds time_budget);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  bool watching_ = false;
};

// Parses a duration such as "10s", "500ms", "2m" or a bare number of seconds; "0" turns the
// watchdog off. Throws std::invalid_argument naming `var` on anything else.
std::chrono::milliseconds parse_hang_timeout(const char* var, const char* text);
// The same for any duration variable; `zero_means` ends the message ("0 means no budget").
std::chrono::milliseconds parse_duration(const char* var, const char* text, const char* zero_means);

}  // namespace weft::detail
