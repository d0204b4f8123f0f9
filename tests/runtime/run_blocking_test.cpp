// weft::blocking and the cap on OS threads under weft::run. A blocking call here waits on a
// std::future or std::latch that only another goroutine (or a plain thread) can release,
// so every outcome asserted is forced by who waits for whom, never by timing: a processor
// that stayed stuck in the call would hang the test, a worker not reused would exceed the
// cap and exit 2.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>

#include "weft/weft.hpp"

// Two tests end a run while a goroutine is inside weft::blocking: as documented, that
// goroutine's record and stack are abandoned with the call (the program is over, as in Go).
// LeakSanitizer is told so for allocations made under those two tests only.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:Blocking_CallStillInProgressWhenMainReturnsIsAbandoned_Test\n"
         "leak:Blocking_DumpShowsAGoroutineInACall_Test\n";
}

namespace run_blocking_test {  // this file's names, apart from the other tests' in a unity build

namespace {

weft::RunOptions opts(unsigned procs, unsigned max_threads = 10'000) {
  weft::RunOptions o;
  o.procs = procs;
  o.max_threads = max_threads;
  o.use_environment = false;
  return o;
}

class Blocking : public ::testing::TestWithParam<unsigned> {};

// The call waits for a value only another goroutine provides: at one processor that
// goroutine runs only if the call left the processor.
TEST_P(Blocking, CallLeavesItsProcessorToOthers) {
  int got = 0;
  ASSERT_EQ(weft::run([&] {
              std::promise<int> answer;
              weft::go([&] { answer.set_value(42); });
              got = weft::blocking([&] { return answer.get_future().get(); });
            }, opts(GetParam())),
            0);
  EXPECT_EQ(got, 42);
}

// Eight calls that can only finish together (a latch of 8): each needs a thread of its own.
TEST_P(Blocking, CallsInProgressTogetherEachGetAThread) {
  constexpr int kCalls = 8;
  std::atomic<int> done{0};
  ASSERT_EQ(weft::run([&] {
              std::latch all(kCalls);
              weft::WaitGroup wg;
              wg.add(kCalls);
              for (int i = 0; i < kCalls; ++i)
                weft::go([&] {
                  weft::blocking([&] { all.arrive_and_wait(); });
                  done.fetch_add(1);
                  wg.done();
                });
              wg.wait();
            }, opts(GetParam(), GetParam() + kCalls)),
            0);
  EXPECT_EQ(done.load(), kCalls);
}

// One thread beside the processors is enough for any number of calls made one after another
// (the worker is free again before its goroutine resumes), by one goroutine and then by
// another on another processor's turn.
TEST_P(Blocking, CallsOneAfterAnotherReuseOneThread) {
  long first = 0, second = 0;
  ASSERT_EQ(weft::run([&] {
              auto done = weft::make_chan<long>();
              weft::go([&, done] {
                long sum = 0;
                for (long i = 1; i <= 300; ++i) sum += weft::blocking([i] { return i; });
                done.send(sum);
              });
              first = done.recv();
              for (long i = 1; i <= 300; ++i) second += weft::blocking([i] { return 2 * i; });
            }, opts(GetParam(), GetParam() + 1)),
            0);
  EXPECT_EQ(first, 300L * 301 / 2);
  EXPECT_EQ(second, 300L * 301);
}

TEST_P(Blocking, ExceptionComesBackToTheGoroutine) {
  std::string what;
  ASSERT_EQ(weft::run([&] {
              try {
                weft::blocking([]() -> int { throw std::runtime_error("read failed"); });
              } catch (const std::runtime_error& e) {
                what = e.what();
              }
            }, opts(GetParam())),
            0);
  EXPECT_EQ(what, "read failed");
}

TEST_P(Blocking, GoroutineOperationsInsideTheCallThrow) {
  bool threw = false;
  ASSERT_EQ(weft::run([&] {
              try {
                weft::blocking([] { weft::go([] {}); });
              } catch (const std::logic_error&) {
                threw = true;
              }
            }, opts(GetParam())),
            0);
  EXPECT_TRUE(threw);
}

// Every processor idles while the only goroutine waits in the call, released by a plain
// thread: not a deadlock, and the goroutine resumes.
TEST_P(Blocking, WaitingOnlyForACallIsNoDeadlock) {
  std::promise<int> answer;
  std::promise<void> entered;
  std::thread releaser([&] {
    entered.get_future().wait();
    answer.set_value(7);
  });
  int got = 0;
  ASSERT_EQ(weft::run([&] {
              got = weft::blocking([&] {
                entered.set_value();
                return answer.get_future().get();
              });
            }, opts(GetParam())),
            0);
  releaser.join();
  EXPECT_EQ(got, 7);
}

// Goroutines coming back from calls are queued on a processor whose goroutines hand values
// back and forth; a park there may switch straight into one of them (no pass through the
// scheduler loop: when runnext has had its streak, the ring gets its turn), which must then
// finish the parked goroutine's park (its unlock step): otherwise the parked goroutine's
// channel stays locked or its state wrong, and the run hangs.
TEST_P(Blocking, CallsReturningBesideHandOffsLoseNoPark) {
  constexpr int kCallers = 8, kCalls = 100, kValues = 20000;
  long sum = 0;
  std::atomic<int> calls{0};
  ASSERT_EQ(weft::run([&] {
              auto ping = weft::make_chan<int>(), pong = weft::make_chan<int>();
              weft::WaitGroup wg;
              wg.add(kCallers + 1);
              for (int c = 0; c < kCallers; ++c)
                weft::go([&] {
                  for (int i = 0; i < kCalls; ++i) calls += weft::blocking([] { return 1; });
                  wg.done();
                });
              weft::go([&] {
                for (int i = 0; i < kValues; ++i) pong.send(ping.recv() + 1);
                wg.done();
              });
              for (int i = 0; i < kValues; ++i) {
                ping.send(i);
                sum += pong.recv();
              }
              wg.wait();
            }, opts(GetParam())),
            0);
  EXPECT_EQ(calls.load(), kCallers * kCalls);
  EXPECT_EQ(sum, long{kValues} * (kValues + 1) / 2);
}

// Main returns while a goroutine is still inside a call: run returns, the call finishes
// later on its own thread without touching the finished run.
TEST_P(Blocking, CallStillInProgressWhenMainReturnsIsAbandoned) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> finished{false};
  std::promise<void> entered;
  ASSERT_EQ(weft::run([&] {
              weft::go([&] {
                weft::blocking([&] {
                  entered.set_value();
                  released.wait();
                  finished.store(true);
                });
              });
              weft::blocking([&] { entered.get_future().wait(); });
            }, opts(GetParam())),
            0);
  EXPECT_FALSE(finished.load());  // still waiting: the run did not wait for it
  release.set_value();
  // The call ends on its own thread (which then touches nothing of this frame).
  while (!finished.load()) std::this_thread::yield();
  // A second run in the same process works while (or after) the old call ends.
  int got = 0;
  ASSERT_EQ(weft::run([&] { got = weft::blocking([] { return 5; }); }, opts(GetParam())), 0);
  EXPECT_EQ(got, 5);
}

TEST_P(Blocking, DumpShowsAGoroutineInACall) {
  std::string dump;
  // The reader's call may still be inside release's future when main returns (and even after
  // this test ends): the promises are shared with it, not locals of main, which a loaded
  // machine showed as a segfault when main's frame went first.
  struct Sync {
    std::promise<void> entered, release;
    std::shared_future<void> released = release.get_future().share();
  };
  auto sync = std::make_shared<Sync>();
  ASSERT_EQ(weft::run([sync, &dump] {
              weft::go_named("reader", [sync] {
                weft::blocking([sync] {
                  sync->entered.set_value();
                  sync->released.wait();
                });
              });
              weft::blocking([sync] { sync->entered.get_future().wait(); });
              testing::internal::CaptureStderr();
              weft::dump_goroutines();
              dump = testing::internal::GetCapturedStderr();
              sync->release.set_value();
            }, opts(GetParam())),
            0);
  EXPECT_NE(dump.find("\"reader\" [blocking call, "), std::string::npos) << dump;
}

INSTANTIATE_TEST_SUITE_P(Procs, Blocking, ::testing::Values(1u, 2u),
                         [](const auto& info) { return "procs" + std::to_string(info.param); });

TEST(Blocking, OutsideRunTheCallRunsInPlace) {
  const auto caller = std::this_thread::get_id();
  EXPECT_EQ(weft::blocking([&] { return std::this_thread::get_id(); }), caller);
  int& ref = weft::blocking([]() -> int& {
    static int x = 3;
    return x;
  });
  EXPECT_EQ(ref, 3);
}

TEST(Blocking, UnderExploreTheCallRunsInPlace) {
  weft::ExploreOptions o;
  o.iterations = 1;
  o.use_environment = false;
  int got = 0;
  auto r = weft::explore([&] { got = weft::blocking([] { return 9; }); }, o);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(got, 9);
}

TEST(Blocking, MaxThreadsBelowTheProcessorsIsAConfigurationError) {
  testing::internal::CaptureStderr();
  bool ran = false;
  EXPECT_EQ(weft::run([&] { ran = true; }, opts(4, 3)), 2);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_FALSE(ran);
  EXPECT_NE(err.find("RunOptions::max_threads = 3 is fewer than the 4 logical processors"),
            std::string::npos)
      << err;
}

// Two calls that can only finish together, one thread for calls: the second exceeds the cap.
TEST(BlockingDeathTest, MoreCallsThanThreadsIsThreadExhaustion) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        (void)weft::run([] {
          std::latch both(2);
          weft::go_named("first", [&] { weft::blocking([&] { both.arrive_and_wait(); }); });
          weft::blocking([&] { both.arrive_and_wait(); });
        }, opts(1, 2));
        std::exit(0);
      },
      ::testing::ExitedWithCode(2),
      "fatal error: thread exhaustion: goroutine [0-9]+ needs an OS thread for weft::blocking, "
      "and the run already uses 2 \\(1 processors and 1 blocking calls in progress\\)(.|\n)*"
      "RunOptions::max_threads(.|\n)*\\[blocking call");
}

}  // namespace

}  // namespace run_blocking_test
