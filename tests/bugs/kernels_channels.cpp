// Channel kernels: leaks after a timeout or an early return, double close, sends on a
// closed channel, close of a nil channel, dropped notifications, result channels too small
// for their pool, a merge loop that stops early, a closed channel's zero value taken for data.
#include <memory>

#include "kernel.hpp"
#include "weft/weft.hpp"

namespace weft_bugs {
namespace {

using namespace std::chrono_literals;

// Leak after a timeout (communication, depth 1: the caller's timer fires before the worker
// sends). The worker's reply channel is unbuffered, so once the caller gave up nobody will
// ever receive and the worker blocks forever. Fix: room for the late reply.
void timeout_leak(std::size_t cap) {
  auto reply = weft::make_chan<int>(cap);
  weft::go([reply] {
    weft::sleep(10ms);  // the work takes as long as the caller is willing to wait
    reply.send(42);
  });
  weft::select(weft::recv_case(reply, [](int) {}), weft::recv_case(weft::after(10ms)));
}
void timeout_leak_bug() { timeout_leak(0); }
void timeout_leak_fix() { timeout_leak(1); }

// Double close (channel misuse, depth 2: both workers see "not closed yet" before either
// closes). Each worker that fails closes `quit` to stop the others, guarded by a plain flag.
// Fix: sync::Once around the close.
void double_close(bool once) {
  auto quit = weft::make_chan<weft::Unit>();
  auto closed = std::make_shared<weft::Shared<bool>>(false);
  auto guard = std::make_shared<weft::Once>();
  weft::WaitGroup wg;
  wg.add(2);
  for (int w = 0; w < 2; ++w)
    weft::go([&, quit, closed, guard] {
      if (once) {
        guard->do_([quit] { quit.close(); });
      } else if (!closed->read()) {
        closed->write(true);
        quit.close();
      }
      wg.done();
    });
  wg.wait();
}
void double_close_bug() { double_close(false); }
void double_close_fix() { double_close(true); }

// Send on a closed channel (channel misuse, depth 1): the consumer closes the channel it
// reads when it has seen enough, while the producer still sends. Fix: the consumer signals
// through a separate done channel and the producer, its only sender, closes.
void close_by_receiver(bool fixed) {
  auto data = weft::make_chan<int>(1);
  auto done = weft::make_chan<weft::Unit>();
  weft::WaitGroup wg;
  wg.add(1);
  weft::go([&, data, done] {
    for (int i = 0; i < 3; ++i) {
      if (!fixed) {
        data.send(i);
        continue;
      }
      bool stop = false;
      weft::select(weft::send_case(data, i), weft::recv_case(done, [&] { stop = true; }));
      if (stop) break;
    }
    if (fixed) data.close();
    wg.done();
  });
  (void)data.recv();
  if (fixed) done.close(); else data.close();
  wg.wait();
}
void close_by_receiver_bug() { close_by_receiver(false); }
void close_by_receiver_fix() { close_by_receiver(true); }

// Close while senders are still running (channel misuse, depth 1): main closes the results
// channel after the first producer's result, but the second producer has not sent yet.
// Fix: close after a WaitGroup says every producer is done.
void close_before_senders_done(bool fixed) {
  auto results = weft::make_chan<int>(2);
  weft::WaitGroup wg;
  wg.add(2);
  for (int p = 0; p < 2; ++p) weft::go([&, results, p] { results.send(p); wg.done(); });
  if (fixed) {
    wg.wait();
    results.close();
  } else {
    (void)results.recv();
    results.close();
    wg.wait();
  }
}
void close_before_senders_done_bug() { close_before_senders_done(false); }
void close_before_senders_done_fix() { close_before_senders_done(true); }

// A pipeline stage that stops reading on error (communication, depth 1): the parser returns
// at the first bad record, the reader blocks sending the next one and leaks. Fix: the stage
// keeps draining its input after an error.
void pipeline_stops_on_error(bool drain) {
  auto lines = weft::make_chan<int>();
  auto errs = weft::make_chan<int>(1);
  weft::go([lines] {
    for (int i = 0; i < 4; ++i) lines.send(i);
    lines.close();
  });
  weft::go([lines, errs, drain] {
    for (int v : lines) {
      if (v == 1) {
        errs.send(v);
        if (!drain) return;
        for (int rest : lines) (void)rest;
        return;
      }
    }
    errs.close();
  });
  (void)errs.recv();
}
void pipeline_stops_on_error_bug() { pipeline_stops_on_error(false); }
void pipeline_stops_on_error_fix() { pipeline_stops_on_error(true); }

// A results channel too small for the pool (communication, depth 1): three workers send to
// a channel of capacity 1 and the caller takes the first answer and returns; the others
// block forever. Fix: capacity for every worker.
void pool_results(std::size_t cap) {
  auto results = weft::make_chan<int>(cap);
  for (int w = 0; w < 3; ++w) weft::go([results, w] { results.send(w); });
  (void)results.recv();
}
void small_results_chan_bug() { pool_results(1); }
void small_results_chan_fix() { pool_results(3); }

// First response wins over unbuffered replies (communication, depth 1): a query to two
// replicas; the slower replica's reply has no receiver. Fix: each replica's send in a
// select with the caller's done channel.
void first_response(bool fixed) {
  auto r1 = weft::make_chan<int>();
  auto r2 = weft::make_chan<int>();
  auto done = weft::make_chan<weft::Unit>();
  auto replica = [done, fixed](weft::Chan<int> out, int v) {
    if (fixed) weft::select(weft::send_case(out, v), weft::recv_case(done));
    else out.send(v);
  };
  weft::go(replica, r1, 1);
  weft::go(replica, r2, 2);
  weft::select(weft::recv_case(r1, [](int) {}), weft::recv_case(r2, [](int) {}));
  done.close();
}
void first_response_bug() { first_response(false); }
void first_response_fix() { first_response(true); }

// A dropped notification (communication, depth 1): the notifier sends without blocking
// (`select` with default) before the waiter is receiving, so the wake-up is lost and the
// waiter blocks forever. Fix: a notification channel of capacity 1 keeps it.
void dropped_notify(std::size_t cap) {
  auto wake = weft::make_chan<weft::Unit>(cap);
  weft::WaitGroup wg;
  wg.add(1);
  weft::go([&, wake] {
    weft::select(weft::send_case(wake, weft::Unit{}), weft::default_case());
    wg.done();
  });
  wake.recv();
  wg.wait();
}
void dropped_notify_bug() { dropped_notify(0); }
void dropped_notify_fix() { dropped_notify(1); }

// A range over a channel nobody closes on the error path (communication, depth 1): the
// producer returns early when the consumer has already reported a fault, without closing;
// the consumer's range never ends. Fix: close in every path (Go's `defer close(ch)`).
void range_unclosed(bool fixed) {
  auto items = weft::make_chan<int>();
  auto fault = std::make_shared<weft::Atomic<int>>(0);
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&, items, fault] {
    for (int i = 0; i < 2; ++i) {
      if (fault->load() != 0) {
        if (fixed) items.close();
        wg.done();
        return;
      }
      items.send(i);
    }
    items.close();
    wg.done();
  });
  weft::go([&, items, fault] {
    fault->store(1);  // a fault found while starting up
    for (int v : items) (void)v;
    wg.done();
  });
  wg.wait();
}
void range_unclosed_bug() { range_unclosed(false); }
void range_unclosed_fix() { range_unclosed(true); }

// Errors sent on an unbuffered channel that the caller stops reading at the first one
// (communication, depth 1: both workers fail). Fix: capacity for every worker's error.
void error_fanin(std::size_t cap) {
  auto errs = weft::make_chan<int>(cap);
  auto results = weft::make_chan<int>(2);
  for (int w = 0; w < 2; ++w) weft::go([errs, results, w] { errs.send(w); results.send(w); });
  (void)errs.recv();  // give up at the first error
}
void error_fanin_bug() { error_fanin(0); }
void error_fanin_fix() { error_fanin(2); }

// A goroutine blocked on a nil channel (communication, depth 1): the dispatcher hands out
// the channel field before it is made, so the worker holds the nil channel and waits on it
// forever. Fix: make the channel before starting the worker.
void nil_chan_handoff(bool fixed) {
  auto slot = std::make_shared<weft::Chan<int>>();
  auto ready = weft::make_chan<weft::Chan<int>>(1);
  if (fixed) *slot = weft::make_chan<int>(1);
  ready.send(*slot);  // a copy of the handle: nil if not made yet
  weft::go([ready] { (void)ready.recv().recv(); });
  if (!fixed) *slot = weft::make_chan<int>(1);
  slot->send(1);
}
void nil_chan_handoff_bug() { nil_chan_handoff(false); }
void nil_chan_handoff_fix() { nil_chan_handoff(true); }

// A select that assumes case order gives priority (select misuse, depth 1): the worker
// lists `stop` first and believes it wins, but when both are ready the choice is random, so
// a job runs after stop. Fix: check stop on its own before taking a job.
void select_priority(bool fixed) {
  auto jobs = weft::make_chan<int>(1);
  auto stop = weft::make_chan<weft::Unit>();
  auto ran_after_stop = std::make_shared<weft::Atomic<int>>(0);
  jobs.send(1);
  stop.close();
  weft::WaitGroup wg;
  wg.add(1);
  weft::go([&, jobs, stop, ran_after_stop] {
    bool stopped = false;
    if (fixed && stop.try_recv().status == weft::RecvStatus::closed) stopped = true;
    if (!stopped)
      weft::select(weft::recv_case(stop, [&] { stopped = true; }),
                   weft::recv_case(jobs, [&](int) { ran_after_stop->store(1); }));
    wg.done();
  });
  wg.wait();
  weft::check(ran_after_stop->load() == 0, "a job ran after stop was closed");
}
void select_priority_bug() { select_priority(false); }
void select_priority_fix() { select_priority(true); }

// A select with default that spins (select misuse, livelock, depth 1): the poller holds
// the lock while it polls for the answer, and the answer's sender needs that lock first.
// Fix: block in the select (no default) without holding the lock.
void spin_default(bool fixed) {
  weft::Mutex mu;
  auto answer = weft::make_chan<int>(1);
  weft::WaitGroup wg;
  wg.add(1);
  weft::go([&, answer] {
    mu.lock();
    answer.send(1);
    mu.unlock();
    wg.done();
  });
  if (fixed) {
    (void)answer.recv();
  } else {
    mu.lock();
    bool got = false;
    while (!got) weft::select(weft::recv_case(answer, [&](int) { got = true; }), weft::default_case());
    mu.unlock();
  }
  wg.wait();
}
void spin_default_bug() { spin_default(false); }
void spin_default_fix() { spin_default(true); }

// Double close by a worker pool's two dispatchers (channel misuse, depth 0 once both run):
// each dispatcher closes `jobs` when it has queued its share. Fix: the last one closes
// (a WaitGroup over the dispatchers, then one close).
void dispatchers_close(bool fixed) {
  auto jobs = weft::make_chan<int>(4);
  weft::WaitGroup wg;
  wg.add(2);
  for (int d = 0; d < 2; ++d)
    weft::go([&, jobs, d] {
      jobs.send(d);
      if (!fixed) jobs.close();
      wg.done();
    });
  wg.wait();
  if (fixed) jobs.close();
  int n = 0;
  for (int j : jobs) n += j + 1;
  weft::check(n == 3, "both jobs queued");
}
void dispatchers_close_bug() { dispatchers_close(false); }
void dispatchers_close_fix() { dispatchers_close(true); }

// Close of a nil channel on shutdown (channel misuse, depth 1: shutdown runs before the
// goroutine that lazily makes the channel). Fix: make the channel before anything can
// shut it down.
void close_nil_on_shutdown(bool fixed) {
  weft::Mutex mu;
  weft::Chan<int> events;  // nil until the listener makes it
  if (fixed) events = weft::make_chan<int>(1);
  weft::WaitGroup wg;
  wg.add(1);
  weft::go([&] {
    std::scoped_lock l(mu);
    if (!fixed) events = weft::make_chan<int>(1);
    wg.done();
  });
  {
    std::scoped_lock l(mu);
    events.close();
  }
  wg.wait();
}
void close_nil_on_shutdown_bug() { close_nil_on_shutdown(false); }
void close_nil_on_shutdown_fix() { close_nil_on_shutdown(true); }

// A merge loop that ends at the first closed input (leak, depth 1: one input closes while
// the other still has values to send). The loop runs while both inputs are open instead of
// while either is, so the other producer blocks forever. Fix: disable a closed input (nil
// it) and loop until both are.
void merge_loop(bool fixed) {
  auto a = weft::make_chan<int>();
  auto b = weft::make_chan<int>();
  weft::go([a] { a.close(); });
  weft::go([b] {
    b.send(1);
    b.send(2);
    b.close();
  });
  weft::Chan<int> ina = a, inb = b;
  bool a_open = true, b_open = true;
  while (fixed ? (a_open || b_open) : (a_open && b_open)) {
    weft::select(weft::recv_case(ina, [&](std::optional<int> v) {
                   if (!v) { a_open = false; ina = {}; }
                 }),
                 weft::recv_case(inb, [&](std::optional<int> v) {
                   if (!v) { b_open = false; inb = {}; }
                 }));
  }
}
void merge_loop_bug() { merge_loop(false); }
void merge_loop_fix() { merge_loop(true); }

// A zero value taken for a job (channel misuse, depth 0): two workers each take one job
// with a plain receive, but only one job is sent before the channel is closed; the other
// worker gets the zero value of a closed channel and runs it. Fix: the comma-ok receive.
void zero_after_close(bool fixed) {
  auto jobs = weft::make_chan<int>(1);
  weft::Atomic<int> bogus{0};
  weft::WaitGroup wg;
  wg.add(2);
  for (int w = 0; w < 2; ++w)
    weft::go([&, jobs] {
      if (fixed) {
        if (auto j = jobs.recv_ok(); j && *j == 0) bogus.store(1);
      } else if (jobs.recv() == 0) {
        bogus.store(1);  // job ids start at 1: this is no job
      }
      wg.done();
    });
  jobs.send(7);
  jobs.close();
  wg.wait();
  weft::check(bogus.load() == 0, "a worker ran the zero value of a closed channel");
}
void zero_after_close_bug() { zero_after_close(false); }
void zero_after_close_fix() { zero_after_close(true); }

}  // namespace

void add_channel_kernels(std::vector<Kernel>& out) {
  using K = weft::FailureKind;
  out.insert(out.end(), {
      {"timeout_leak", kLeak, 1, timeout_leak_bug, timeout_leak_fix, K::leak, true},
      {"double_close", kChannelMisuse, 2, double_close_bug, double_close_fix, K::panic, false},
      {"close_by_receiver", kChannelMisuse, 0, close_by_receiver_bug, close_by_receiver_fix, K::panic, true},
      {"close_before_senders_done", kChannelMisuse, 1, close_before_senders_done_bug, close_before_senders_done_fix, K::panic, true},
      {"pipeline_stops_on_error", kLeak, 1, pipeline_stops_on_error_bug, pipeline_stops_on_error_fix, K::leak, true},
      {"small_results_chan", kLeak, 1, small_results_chan_bug, small_results_chan_fix, K::leak, true},
      {"first_response_wins", kLeak, 1, first_response_bug, first_response_fix, K::leak, true},
      {"dropped_notify", kCommunicationDeadlock, 1, dropped_notify_bug, dropped_notify_fix, K::deadlock, true},
      {"range_unclosed_on_error", kCommunicationDeadlock, 1, range_unclosed_bug, range_unclosed_fix, K::deadlock, true},
      {"error_fanin_unbuffered", kLeak, 1, error_fanin_bug, error_fanin_fix, K::leak, true},
      {"nil_chan_handoff", kLeak, 0, nil_chan_handoff_bug, nil_chan_handoff_fix, K::leak, true},
      {"select_assumed_priority", kSelectMisuse, 1, select_priority_bug, select_priority_fix, K::assertion, true},
      {"select_default_spin", kSelectMisuse, 1, spin_default_bug, spin_default_fix, K::step_limit, true, false, 2000},
      {"dispatchers_double_close", kChannelMisuse, 0, dispatchers_close_bug, dispatchers_close_fix, K::panic, true},
      {"close_nil_on_shutdown", kChannelMisuse, 1, close_nil_on_shutdown_bug, close_nil_on_shutdown_fix, K::panic, true},
      {"merge_ends_at_first_close", kLeak, 1, merge_loop_bug, merge_loop_fix, K::leak, true},
      {"zero_value_after_close", kChannelMisuse, 0, zero_after_close_bug, zero_after_close_fix, K::assertion, true},
  });
}

}  // namespace weft_bugs
