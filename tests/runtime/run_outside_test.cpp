// Wake-ups from a thread that runs no goroutine while weft::run runs: weft::blocking's
// function on its worker, or a thread the program started. An operation that never waits
// works there (close, cancel, a send that finds a receiver or room, unlock, WaitGroup::done,
// timers), and the goroutines it wakes are put on the global queue and run (Go's
// injectglist); one that would wait throws std::logic_error and changes nothing.
//
// Who waits for whom fixes every outcome asserted. Where a test needs the woken goroutines
// parked before the wake-up: at one processor, goroutines spawned one after another start in
// that order and each runs until it parks, so the last one spawned (which releases the other
// thread) runs only once the others are parked; at any number of processors, a try_send on
// an unbuffered channel succeeds only into a receiver already parked on it.
#include <gtest/gtest.h>

#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "weft/weft.hpp"

#include "parallel.hpp"
#include "scheduler.hpp"
#include "test_support.hpp"

namespace run_outside_test {  // this file's names, apart from the other tests' in a unity build

namespace {

using weft_test::procs;
using namespace std::chrono_literals;

class RunOutside : public ::testing::TestWithParam<unsigned> {};

constexpr int kWaiters = 3;

// Goroutines wait on a context's done channel; the cancel comes from inside a blocking call.
TEST_P(RunOutside, CancelInsideABlockingCallWakesEveryWaiter) {
  std::atomic<int> woken{0};
  std::atomic<int> canceled{0};
  ASSERT_EQ(weft::run([&] {
              auto [ctx, cancel] = weft::with_cancel(weft::background());
              std::promise<void> all_waiting;
              weft::WaitGroup wg;
              wg.add(kWaiters);
              for (int i = 0; i < kWaiters; ++i)
                weft::go([&, ctx = ctx] {
                  ctx.done().recv();
                  woken.fetch_add(1);
                  if (ctx.err() == weft::ContextError::canceled) canceled.fetch_add(1);
                  wg.done();
                });
              weft::go([&] { all_waiting.set_value(); });  // runs after them at one processor
              weft::blocking([&, cancel = cancel] {
                all_waiting.get_future().wait();
                cancel();
              });
              wg.wait();
            }, procs(GetParam())),
            0);
  EXPECT_EQ(woken.load(), kWaiters);
  EXPECT_EQ(canceled.load(), kWaiters);
}

// A close from inside a blocking call wakes every receiver with "closed".
TEST_P(RunOutside, CloseInsideABlockingCallWakesEveryReceiver) {
  std::atomic<int> saw_closed{0};
  ASSERT_EQ(weft::run([&] {
              auto c = weft::make_chan<int>();
              std::promise<void> all_waiting;
              weft::WaitGroup wg;
              wg.add(kWaiters);
              for (int i = 0; i < kWaiters; ++i)
                weft::go([&, c] {
                  if (!c.recv_ok()) saw_closed.fetch_add(1);
                  wg.done();
                });
              weft::go([&] { all_waiting.set_value(); });
              weft::blocking([&, c] {
                all_waiting.get_future().wait();
                c.close();
              });
              wg.wait();
            }, procs(GetParam())),
            0);
  EXPECT_EQ(saw_closed.load(), kWaiters);
}

// Sends from inside a blocking call: each try_send succeeds only into a parked receiver
// (unbuffered), which it wakes; a send that finds room in a buffer needs no receiver.
TEST_P(RunOutside, SendsInsideABlockingCallWakeParkedReceivers) {
  std::atomic<long> sum{0};
  long buffered = 0;
  ASSERT_EQ(weft::run([&] {
              auto c = weft::make_chan<long>();
              auto b = weft::make_chan<long>(1);
              weft::WaitGroup wg;
              wg.add(kWaiters);
              for (int i = 0; i < kWaiters; ++i)
                weft::go([&, c] {
                  sum.fetch_add(c.recv());
                  wg.done();
                });
              weft::blocking([&, c, b] {
                for (long v = 1; v <= kWaiters; ++v)
                  while (!c.try_send(v)) std::this_thread::yield();
                b.send(40);  // room in the buffer: completes without a receiver
              });
              wg.wait();
              buffered = b.recv();
            }, procs(GetParam())),
            0);
  EXPECT_EQ(sum.load(), kWaiters * (kWaiters + 1) / 2);
  EXPECT_EQ(buffered, 40);
}

// A thread the program started (no weft::blocking in it) wakes goroutines through a
// channel, a Mutex it unlocks for them, a WaitGroup and a timer it arms; main waits for it
// in a blocking call, so the run is never without a way forward.
TEST_P(RunOutside, APlainThreadWakesGoroutinesThroughEachPrimitive) {
  long got = 0;
  bool locked = false, timer_fired = false;
  ASSERT_EQ(weft::run([&] {
              auto c = weft::make_chan<long>();
              auto timer_c = weft::make_chan<weft::RecvChan<weft::Clock::time_point>>(1);
              weft::Mutex mu;
              mu.lock();  // unlocked by the thread (Go allows unlocking from elsewhere)
              weft::WaitGroup finished;
              finished.add(3);
              weft::go([&, c] {
                got = c.recv();
                finished.done();
              });
              weft::go([&] {
                mu.lock();
                locked = true;
                mu.unlock();
                finished.done();
              });
              weft::go([&, timer_c] {
                timer_c.recv().recv();
                timer_fired = true;
                finished.done();
              });
              std::thread t([&, c, timer_c] {
                while (!c.try_send(7)) std::this_thread::yield();
                mu.unlock();
                weft::Timer tm(1ms);
                timer_c.send(tm.c());
              });
              weft::blocking([&] { t.join(); });
              finished.wait();
            }, procs(GetParam())),
            0);
  EXPECT_EQ(got, 7);
  EXPECT_TRUE(locked);
  EXPECT_TRUE(timer_fired);
}

// What would wait throws std::logic_error naming what and where, and leaves the object as
// it was: the channel, the held Mutex, the RWMutex and the WaitGroup all work afterwards.
TEST_P(RunOutside, OperationsThatWouldWaitThrowAndChangeNothing) {
  std::vector<std::string> errors;
  long after = 0;
  bool rw_read = false;
  ASSERT_EQ(weft::run([&] {
              auto c = weft::make_chan<long>();
              weft::Mutex mu;
              weft::RWMutex rw;
              weft::WaitGroup wg;
              mu.lock();
              rw.lock_shared();
              wg.add(1);
              weft::blocking([&, c] {
                const auto expect_throw = [&](auto op) {
                  try {
                    op();
                    errors.push_back("did not throw");
                  } catch (const std::logic_error& e) {
                    errors.push_back(e.what());
                  }
                };
                expect_throw([&] { c.recv(); });
                expect_throw([&] { c.send(1); });
                expect_throw([&] { (void)weft::select(weft::recv_case(c)); });
                expect_throw([&] { mu.lock(); });
                expect_throw([&] { rw.lock(); });
                expect_throw([&] { wg.wait(); });
                expect_throw([&] { weft::sleep(1ms); });
                expect_throw([&] { weft::go([] {}); });
                // A select with a default, a try operation and an uncontended lock complete.
                EXPECT_EQ(static_cast<int>(weft::select(weft::recv_case(c), weft::default_case())),
                          1);
                EXPECT_FALSE(mu.try_lock());
                EXPECT_TRUE(rw.try_lock_shared());
                rw.unlock_shared();
              });
              weft::go([&, c] { c.send(5); });
              after = c.recv();
              mu.unlock();
              mu.lock();
              mu.unlock();
              rw.unlock_shared();
              weft::go([&] {
                rw.lock_shared();  // no writer was left waiting by the failed rw.lock()
                rw_read = true;
                rw.unlock_shared();
                wg.done();
              });
              wg.wait();
            }, procs(GetParam())),
            0);
  ASSERT_EQ(errors.size(), 8u);
  for (const std::string& e : errors)
    EXPECT_NE(e.find("thread that runs no goroutine"), std::string::npos) << e;
  EXPECT_NE(errors[0].find("chan receive at "), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("run_outside_test.cpp"), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("must wait"), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("chan send at "), std::string::npos) << errors[1];
  EXPECT_EQ(after, 5);
  EXPECT_TRUE(rw_read);
}

// A channel element whose move, once armed, stalls the thread that moves it (inside the
// channel operation, with the receiver it completes already taken from the queue) until
// weft::run has begun to end (the run in progress is cleared): the operation's wake-up then
// comes after main returned, whatever the threads' timing.
std::atomic<bool> stall_armed{false};
std::atomic<bool> stall_started{false};
struct StallOnMove {
  int v = 0;
  StallOnMove() = default;
  explicit StallOnMove(int x) : v(x) {}
  StallOnMove(StallOnMove&& o) noexcept : v(o.v) { stall(); }
  StallOnMove& operator=(StallOnMove&& o) noexcept {
    v = o.v;
    stall();
    return *this;
  }
  static void stall() noexcept {
    if (!stall_armed.exchange(false)) return;
    stall_started = true;
    stall_started.notify_all();
    while (weft::detail::run_in_progress() != nullptr) std::this_thread::yield();
  }
};

// A thread's send completes a goroutine's receive, and main returns before the send wakes
// that goroutine. The wake-up is defined: the send returns true, the woken goroutine (left
// asleep with the run, as every goroutine alive when main returns) never runs, and the run
// ends normally. (Before, the run was torn down under the send, whose wake-up then threw
// "ready() outside a weft run" from the thread, or touched a freed run.)
TEST_P(RunOutside, AWakeUpAfterMainReturnedIsDroppedAndTheOperationCompletes) {
  std::atomic<bool> receiver_ran{false};
  std::string error;
  bool sent = false;
  std::thread t;
  stall_started = false;
  ASSERT_EQ(weft::run([&] {
              auto c = weft::make_chan<StallOnMove>();
              weft::go([&, c] {
                (void)c.recv();
                receiver_ran = true;
              });
              t = std::thread([&, c] {
                try {
                  stall_armed = true;
                  // Succeeds only into the receiver parked on c (unbuffered).
                  while (!c.try_send(StallOnMove(7))) std::this_thread::yield();
                  sent = true;
                } catch (const std::exception& e) {
                  error = e.what();
                }
              });
              // (In a blocking call: the run is not deadlocked while it waits.)
              weft::blocking([] { stall_started.wait(false); });
              // The thread holds the receiver: main returns.
            }, procs(GetParam())),
            0);
  t.join();
  EXPECT_EQ(error, "");
  EXPECT_TRUE(sent);
  EXPECT_FALSE(receiver_ran.load());
}

// A thread (not the run's) that takes n dumps of the run in progress into `out`, holding the
// run whole during each, then sets `done`.
std::thread dump_thread(int n, std::vector<std::string>& out, std::atomic<bool>& done) {
  return std::thread([n, &out, &done] {
    for (int i = 0; i < n; ++i) {
      const weft::detail::OutsideOp op;
      auto* s = static_cast<weft::detail::ParallelScheduler*>(weft::detail::run_in_progress());
      out.push_back(s->dump());
    }
    done = true;
  });
}

// The goroutine dump (fatal errors, SIGQUIT, weft::dump_goroutines) reads the records of
// goroutines that other processors are running, parking and readying: each field it prints is
// read whole (relaxed atomics; ThreadSanitizer, which runs this test, reported the plain
// reads), and every dump lists the two goroutines alive, each in a state it can be in.
TEST_P(RunOutside, ADumpFromAnotherThreadReadsRunningGoroutinesWhole) {
  constexpr int kDumps = 200;
  std::vector<std::string> dumps;
  ASSERT_EQ(weft::run([&] {
              auto ping = weft::make_chan<int>();
              auto pong = weft::make_chan<int>();
              weft::go([ping, pong] {
                for (int v = ping.recv(); v >= 0; v = ping.recv()) pong.send(v);
              });
              std::atomic<bool> done{false};
              std::thread t = dump_thread(kDumps, dumps, done);
              while (!done.load()) {
                ping.send(1);
                (void)pong.recv();
              }
              ping.send(-1);
              weft::blocking([&] { t.join(); });
            }, procs(GetParam())),
            0);
  ASSERT_EQ(dumps.size(), static_cast<std::size_t>(kDumps));
  for (const std::string& d : dumps) {
    std::size_t headers = 0;
    for (std::size_t at = d.find("goroutine "); at != std::string::npos;
         at = d.find("goroutine ", at + 1)) {
      if (at != 0 && d[at - 1] != '\n') continue;  // "created by goroutine N"
      ++headers;
      const std::size_t open = d.find('[', at), close = d.find(']', at);
      ASSERT_NE(open, std::string::npos) << d;
      ASSERT_NE(close, std::string::npos) << d;
      const std::string state = d.substr(open + 1, close - open - 1);
      EXPECT_TRUE(state == "running" || state == "runnable" ||
                  state.starts_with("chan receive") || state.starts_with("chan send"))
          << state << "\n" << d;
    }
    EXPECT_EQ(headers, 2u) << d;
  }
}

// Goroutines with names (one long enough to live on the heap) end and their records are
// reused while another thread dumps: each name a dump prints is one of them whole (a name is
// copied under the lock it changes under; ThreadSanitizer, which runs this test, saw the
// string copied while it was assigned), and ids and sites are read whole.
TEST_P(RunOutside, ADumpWhileNamedGoroutinesComeAndGoPrintsWholeNames) {
  constexpr int kDumps = 100;
  const std::string kShort = "short";
  const std::string kLong = "a goroutine name far too long for the small-string buffer";
  std::vector<std::string> dumps;
  ASSERT_EQ(weft::run([&] {
              std::atomic<bool> done{false};
              std::thread t = dump_thread(kDumps, dumps, done);
              for (int round = 0; !done.load(); ++round) {
                weft::WaitGroup wg;
                wg.add(3);
                weft::go_named(kShort, [&] { wg.done(); });
                weft::go_named(kLong, [&] { wg.done(); });
                weft::go([&] { wg.done(); });  // unnamed, in a record a named one had
                wg.wait();
              }
              weft::blocking([&] { t.join(); });
            }, procs(GetParam())),
            0);
  ASSERT_EQ(dumps.size(), static_cast<std::size_t>(kDumps));
  for (const std::string& d : dumps)
    for (std::size_t at = d.find('"'); at != std::string::npos; at = d.find('"', at + 1)) {
      const std::size_t end = d.find('"', at + 1);
      ASSERT_NE(end, std::string::npos) << d;
      const std::string name = d.substr(at + 1, end - at - 1);
      EXPECT_TRUE(name == kShort || name == kLong) << "[" << name << "]\n" << d;
      at = end;
    }
}

INSTANTIATE_TEST_SUITE_P(Procs, RunOutside, ::testing::Values(1u, 2u),
                         [](const auto& info) { return "procs" + std::to_string(info.param); });

}  // namespace

}  // namespace run_outside_test
