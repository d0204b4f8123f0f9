// Context and timer kernels: cancellation never observed, a context not derived from its
// parent, a reply after the caller's deadline, the Timer.Stop drain that blocks, sleep used
// as synchronisation, a context checked once before a blocking receive.
#include <memory>

#include "kernel.hpp"
#include "weft/weft.hpp"

namespace weft_bugs {
namespace {

using namespace std::chrono_literals;

// Context cancellation never observed (context misuse, depth 1: the producer checks
// ctx.err() before main cancels, then blocks on a send nobody will receive). Fix: send in
// a select with ctx.done().
void cancel_not_observed(bool fixed) {
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  auto out = weft::make_chan<int>();
  weft::go([ctx = ctx, out, fixed] {
    for (int i = 0; ctx.err() == weft::ContextError::none; ++i) {
      if (fixed) weft::select(weft::send_case(out, i), weft::recv_case(ctx.done()));
      else out.send(i);
    }
  });
  (void)out.recv();
  cancel();
}
void cancel_not_observed_bug() { cancel_not_observed(false); }
void cancel_not_observed_fix() { cancel_not_observed(true); }

// A context not derived from its parent (context misuse, depth 0): the worker's context
// comes from background(), so cancelling the request never reaches it. Fix: derive from the
// request's context.
void not_derived(bool fixed) {
  auto [req, cancel] = weft::with_cancel(weft::background());
  auto [mine, cancel_mine] = weft::with_cancel(fixed ? req : weft::background());
  auto work = weft::make_chan<int>();
  weft::go([mine = mine, work] {
    weft::select(weft::recv_case(mine.done()), weft::recv_case(work, [](int) {}));
  });
  cancel();
  (void)cancel_mine;  // kept for the worker's lifetime in the real code; never called here
}
void not_derived_bug() { not_derived(false); }
void not_derived_fix() { not_derived(true); }

// A reply after the caller's deadline (leak, depth 1: the deadline fires before the
// handler replies). The handler replies on an unbuffered channel the caller has stopped
// reading. Fix: the handler's send selects on the request context too.
void deadline_reply(bool fixed) {
  auto [ctx, cancel] = weft::with_timeout(weft::background(), 5ms);
  auto reply = weft::make_chan<int>();
  weft::go([ctx = ctx, reply, fixed] {
    weft::sleep(5ms);
    if (fixed) weft::select(weft::send_case(reply, 1), weft::recv_case(ctx.done()));
    else reply.send(1);
  });
  weft::select(weft::recv_case(reply, [](int) {}), weft::recv_case(ctx.done()));
  cancel();
}
void deadline_reply_bug() { deadline_reply(false); }
void deadline_reply_fix() { deadline_reply(true); }

// A context checked once, then a blocking receive (context misuse, depth 1: the check comes
// before main's cancel). Fix: receive in a select with ctx.done().
void checked_once(bool fixed) {
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  auto in = weft::make_chan<int>();
  weft::go([ctx = ctx, in, fixed] {
    if (ctx.err() != weft::ContextError::none) return;
    if (fixed) weft::select(weft::recv_case(in, [](int) {}), weft::recv_case(ctx.done()));
    else (void)in.recv();
  });
  cancel();
}
void checked_once_bug() { checked_once(false); }
void checked_once_fix() { checked_once(true); }

// The Timer.Stop drain that blocks (timer misuse, depth 1: the timer's case won the select,
// so its value was already received). `if (!t.Stop()) <-t.C` waits forever. Fix: drain
// only when the value was not received.
void stop_drain(bool fixed) {
  weft::Timer t(10ms);
  auto work = weft::make_chan<int>();
  weft::go([work] {
    weft::sleep(10ms);
    weft::select(weft::send_case(work, 1), weft::default_case());
  });
  bool fired = false;
  weft::select(weft::recv_case(t.c(), [&] { fired = true; }), weft::recv_case(work, [](int) {}));
  if (!t.stop() && !(fixed && fired)) (void)t.c().recv();
}
void stop_drain_bug() { stop_drain(false); }
void stop_drain_fix() { stop_drain(true); }

// Sleep used as synchronisation (order violation, depth 1: both sleeps end at the same
// instant and the reader runs first). Fix: wait for a signal, not for time.
void sleep_as_sync(bool fixed) {
  weft::Atomic<int> config{0};
  auto ready = weft::make_chan<weft::Unit>();
  weft::WaitGroup wg;
  wg.add(1);
  weft::go([&, ready] {
    if (fixed) (void)ready.recv(); else weft::sleep(10ms);  // "setup is surely done by then"
    weft::check(config.load() == 1, "used the config before it was set");
    wg.done();
  });
  weft::sleep(10ms);
  config.store(1);
  if (fixed) ready.close();
  wg.wait();
}
void sleep_as_sync_bug() { sleep_as_sync(false); }
void sleep_as_sync_fix() { sleep_as_sync(true); }

}  // namespace

void add_context_time_kernels(std::vector<Kernel>& out) {
  using K = weft::FailureKind;
  out.insert(out.end(), {
      {"context_cancel_not_observed", kContextMisuse, 1, cancel_not_observed_bug, cancel_not_observed_fix, K::leak, true},
      {"context_not_derived", kContextMisuse, 0, not_derived_bug, not_derived_fix, K::leak, true},
      {"reply_after_deadline", kLeak, 1, deadline_reply_bug, deadline_reply_fix, K::leak, true},
      {"context_checked_once", kContextMisuse, 1, checked_once_bug, checked_once_fix, K::leak, true},
      {"timer_stop_drain_blocks", kTimerMisuse, 1, stop_drain_bug, stop_drain_fix, K::deadlock, true},
      {"sleep_as_synchronisation", kOrder, 1, sleep_as_sync_bug, sleep_as_sync_fix, K::assertion, true},
  });
}

}  // namespace weft_bugs
