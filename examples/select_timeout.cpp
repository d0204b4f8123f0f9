// Select with a timeout.
//
// select waits for whichever case is ready first; adding a case on weft::after(d), a
// channel that receives once after d, bounds the wait. In a loop, a fresh after() on each
// pass is an idle timeout: here the consumer takes messages until the producer has been
// quiet for 50ms. Under weft::explore time is virtual: when every goroutine is waiting, the
// clock jumps to the next timer, so the run takes microseconds and the times are exact.
#include <chrono>
#include <string>

#include "bodies.hpp"
#include "weft/weft.hpp"

namespace weft_examples::select_timeout {

using namespace std::chrono_literals;

void run() {
  auto messages = weft::make_chan<std::string>();
  weft::go([messages] {  // three messages 10ms apart, then silence (no close)
    for (const char* m : {"one", "two", "three"}) {
      messages.send(m);
      weft::sleep(10ms);
    }
  });

  const auto t0 = weft::Clock::now();
  int received = 0;
  bool idle = false;
  while (!idle) {
    weft::select(weft::recv_case(messages, [&](const std::string&) { ++received; }),
                 weft::recv_case(weft::after(50ms), [&] { idle = true; }));
  }
  const auto waited = weft::Clock::now() - t0;
  weft::check(received == 3, "all three messages arrive before the idle timeout");
  // The last message came at 20ms; the timeout fired 50ms later.
  weft::check(waited == 70ms, "virtual time: exactly 20ms of messages plus 50ms of silence");
}

}  // namespace weft_examples::select_timeout
