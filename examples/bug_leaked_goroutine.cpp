// BUG: a goroutine leaked by a timeout.
//
// The caller starts a worker and waits for its result or a timeout, whichever comes first.
// But the result channel is unbuffered: a send completes only when someone receives. When
// the timeout wins, the caller stops listening, and the worker, finishing later, blocks on
// its send forever. Nothing reports it in production; the goroutine and everything it
// holds simply never go away. weft reports goroutines still blocked after main returns as a
// leak. The fix: make_chan<int>(1), so the late send has somewhere to go (see
// goroutine-timeout).
#include <chrono>

#include "bodies.hpp"
#include "weft/weft.hpp"

namespace weft_examples::bug_leaked_goroutine {

using namespace std::chrono_literals;

namespace {

// Returns the worker's answer, or -1 if it takes longer than `limit`.
int fetch_with_timeout(weft::Duration limit) {
  auto result = weft::make_chan<int>();  // unbuffered: the bug
  weft::go_named("fetcher", [result] {
    weft::sleep(30ms);  // the work
    result.send(42);    // blocks forever if the caller has given up
  });
  int answer = -1;
  weft::select(weft::recv_case(result, [&](int v) { answer = v; }),
               weft::recv_case(weft::after(limit)));
  return answer;
}

}  // namespace

void run() {
  weft::check(fetch_with_timeout(100ms) == 42, "a generous limit gets the answer");
  weft::check(fetch_with_timeout(10ms) == -1, "a tight limit times out");
}

}  // namespace weft_examples::bug_leaked_goroutine
