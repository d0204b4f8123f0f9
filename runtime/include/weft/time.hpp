// weft/time.hpp — time, virtual under weft::explore.
//
//   weft::sleep(50ms);                 // parks the goroutine; under explore no real time passes
//   auto t0 = weft::Clock::now();      // virtual clock under explore, steady clock elsewhere
//
// Under the controlled scheduler the clock starts at zero in every iteration and moves only
// when no goroutine can run, jumping to the earliest pending timer; timers due at the same
// instant fire in an order the strategy chooses.
#pragma once

#include <chrono>
#include <source_location>

namespace weft {

using Duration = std::chrono::nanoseconds;

struct Clock {
  using rep = Duration::rep;
  using period = Duration::period;
  using duration = Duration;
  using time_point = std::chrono::time_point<Clock>;
  static constexpr bool is_steady = true;
  static time_point now() noexcept;
};

// Blocks the calling goroutine for at least d (Go's time.Sleep). d <= 0 only yields.
void sleep(Duration d, std::source_location where = std::source_location::current());

}  // namespace weft
