// weft/time.hpp — Go's time package: sleep, timers, tickers, the clock. Virtual under
// weft::explore.
//
//   weft::sleep(50ms);                                // park; under explore no real time passes
//   weft::select(weft::recv_case(results, handle),
//                weft::recv_case(weft::after(1s)));   // a timeout
//   weft::Timer t(100ms);  t.c().recv();  t.stop();  t.reset(50ms);
//   weft::Ticker tick(10ms);  for (int i = 0; i < 3; ++i) tick.c().recv();  tick.stop();
//   auto t0 = weft::Clock::now();                     // virtual under explore
//
// Under the controlled scheduler the clock starts at zero in every iteration and moves only
// when no goroutine can run, jumping to the earliest pending timer; timers due at the same
// instant fire in an order the strategy chooses. A timer's channel has capacity 1 (as in
// Go before 1.23): a ticker drops ticks for a slow receiver; stop() does not drain it.
// Arming a timer happens before its fire is received.
#pragma once

#include <chrono>
#include <memory>
#include <source_location>

#include "weft/chan.hpp"

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

namespace detail {
struct TimerState;
}

// Go's time.Timer: sends the current time on c() once, after d. A copyable handle.
class Timer {
 public:
  explicit Timer(Duration d, std::source_location where = std::source_location::current());
  RecvChan<Clock::time_point> c() const;
  // Prevents the timer from firing; true if that stopped it, false if it had already fired
  // or been stopped.
  bool stop(std::source_location where = std::source_location::current());
  // Re-arms the timer to fire after d; true if it had been active.
  bool reset(Duration d, std::source_location where = std::source_location::current());

 private:
  std::shared_ptr<detail::TimerState> s_;
};

// Go's time.Ticker: sends the time on c() every d, dropping ticks a slow receiver misses.
class Ticker {
 public:
  // Panics "non-positive interval for NewTicker" when d <= 0.
  explicit Ticker(Duration d, std::source_location where = std::source_location::current());
  RecvChan<Clock::time_point> c() const;
  void stop(std::source_location where = std::source_location::current());
  void reset(Duration d, std::source_location where = std::source_location::current());

 private:
  std::shared_ptr<detail::TimerState> s_;
};

// Go's time.After: a channel that receives the time once, after d.
RecvChan<Clock::time_point> after(Duration d,
                                  std::source_location where = std::source_location::current());

}  // namespace weft
