// Two ways to time out a goroutine.
//
// 1. The caller stops waiting: select on the result and on weft::after(d). The goroutine
//    keeps running to the end; give its result channel a buffer of one so its send never
//    blocks after the caller has left (without it, the goroutine leaks: see the
//    bug-leaked-goroutine example).
// 2. The goroutine stops working: pass it a context from with_timeout. It checks
//    ctx.done() between steps and gives up when the deadline passes; ctx.err() then says
//    deadline_exceeded. Always call the cancel function, to release the context's timer.
#include <chrono>

#include "bodies.hpp"
#include "weft/weft.hpp"

namespace weft_examples::goroutine_timeout {

using namespace std::chrono_literals;

namespace {

// Way 1: wait for `work` at most `limit`; true if the result came in time.
bool finished_within(weft::Duration work, weft::Duration limit) {
  auto result = weft::make_chan<int>(1);  // the worker can always deliver and exit
  weft::go([result, work] {
    weft::sleep(work);
    result.send(42);
  });
  return weft::select(weft::recv_case(result), weft::recv_case(weft::after(limit))) == 0;
}

// Way 2: a job of `steps` 10ms steps that stops early when ctx is done. Returns the number
// of steps it completed and why it stopped (none: it finished).
struct JobEnd {
  int steps = 0;
  weft::ContextError err = weft::ContextError::none;
};
JobEnd run_job(const weft::Context& ctx, int steps) {
  auto end = weft::make_chan<JobEnd>(1);
  weft::go([ctx, end, steps] {
    for (int i = 0; i < steps; ++i) {
      if (weft::select(weft::recv_case(ctx.done()), weft::recv_case(weft::after(10ms))) == 0) {
        end.send({i, ctx.err()});
        return;
      }
    }
    end.send({steps, weft::ContextError::none});
  });
  return end.recv();
}

}  // namespace

void run() {
  weft::check(!finished_within(50ms, 20ms), "a 50ms job misses a 20ms limit");
  weft::check(finished_within(10ms, 20ms), "a 10ms job makes a 20ms limit");

  auto [ctx, cancel] = weft::with_timeout(weft::background(), 35ms);
  JobEnd end = run_job(ctx, 10);
  cancel();
  weft::check(end.err == weft::ContextError::deadline_exceeded, "the deadline stopped the job");
  weft::check(end.steps == 3, "three 10ms steps fit in 35ms");
}

}  // namespace weft_examples::goroutine_timeout
