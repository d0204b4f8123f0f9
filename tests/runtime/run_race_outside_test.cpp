// Race detection under weft::run on threads that run no goroutine: the program's own
// std::threads and weft::blocking's function on its worker. Their accesses are checked and
// their synchronisation makes edges, under an identity of their own (a thread) or of the
// goroutine whose blocking call they run, as weft::explore sees a std::thread (a goroutine).
//
// The threads wait for each other with std::atomic flags, which the detector does not see
// (as ThreadSanitizer's tests do): the only edges are the ones each test names, and every
// assertion holds in every interleaving.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

#include <pthread.h>

#include "test_support.hpp"
#include "weft/detail/access.hpp"
#include "weft/weft.hpp"

namespace run_race_outside_test {  // this file's names, apart from the other tests' in a unity build

namespace {

using Outcome = weft_test::RunOutcome;

// Runs `body` with race detection on `procs` processors, capturing stderr.
template <class F>
Outcome run_capturing(F body, unsigned procs) {
  return weft_test::run_capturing(std::move(body), weft_test::racy_procs(procs));
}

// Waits for a flag the detector does not see, in a blocking call (the run is not deadlocked
// while main waits for another thread).
void await(const std::atomic<bool>& flag) {
  weft::blocking([&] {
    while (!flag.load()) std::this_thread::yield();
  });
}

class RunRaceOutside : public ::testing::TestWithParam<unsigned> {};

// A thread started before the run (no edge from its start) writes, then sends; a goroutine
// receives and reads: ordered by the channel alone.
TEST_P(RunRaceOutside, AThreadsWriteBeforeItsSendIsNoRaceWithTheReceiver) {
  int x = 0;
  std::atomic<bool> started{false}, sent{false};
  auto c = weft::make_chan<int>(1);
  std::thread t([&] {
    while (!started.load()) std::this_thread::yield();
    weft::race::write(&x, sizeof x);
    x = 1;
    c.send(1);  // into the buffer: never waits
    sent = true;
  });
  const Outcome out = run_capturing(
      [&] {
        started = true;
        await(sent);
        EXPECT_EQ(c.recv(), 1);
        weft::race::read(&x, sizeof x);
        EXPECT_EQ(x, 1);
      },
      GetParam());
  t.join();
  EXPECT_EQ(out.status, 0) << out.err;
  EXPECT_EQ(out.err.find("DATA RACE"), std::string::npos) << out.err;
}

// The same without the send: the thread's write and the goroutine's read are unordered, and
// reported (the thread's accesses are checked, as a goroutine's are).
TEST_P(RunRaceOutside, AThreadsWriteWithNoEdgeIsReported) {
  int x = 0;
  std::atomic<bool> started{false}, wrote{false};
  std::thread t([&] {
    while (!started.load()) std::this_thread::yield();
    weft::race::write(&x, sizeof x);
    x = 1;
    wrote = true;
  });
  const Outcome out = run_capturing(
      [&] {
        started = true;
        await(wrote);
        weft::race::read(&x, sizeof x);
        EXPECT_EQ(x, 1);
      },
      GetParam());
  t.join();
  EXPECT_EQ(out.status, 66) << out.err;
  EXPECT_NE(out.err.find("WARNING: DATA RACE"), std::string::npos) << out.err;
  EXPECT_NE(out.err.find("Read of size 4 by goroutine"), std::string::npos) << out.err;
  EXPECT_NE(out.err.find("Previous write by goroutine"), std::string::npos) << out.err;
}

// Goroutine A writes and sends; a thread receives and sends on; goroutine B receives and
// writes. Ordered through the thread's receive and send (its clock carries A's write to B).
// (Before, a thread's edges were dropped, and B's write was reported against A's.)
TEST_P(RunRaceOutside, EdgesThroughAThreadOrderTwoGoroutines) {
  int x = 0;
  std::atomic<bool> started{false}, relayed{false};
  auto a_to_t = weft::make_chan<int>(1);
  auto t_to_b = weft::make_chan<int>(1);
  std::thread t([&] {
    while (!started.load()) std::this_thread::yield();
    weft::TryRecv<int> got = a_to_t.try_recv();
    while (!got) {
      std::this_thread::yield();
      got = a_to_t.try_recv();
    }
    t_to_b.send(*got.value);
    relayed = true;
  });
  const Outcome out = run_capturing(
      [&] {
        started = true;
        weft::WaitGroup wg;
        wg.add(2);
        weft::go([&] {
          weft::race::write(&x, sizeof x);
          x = 1;
          a_to_t.send(1);
          wg.done();
        });
        await(relayed);
        weft::go([&] {
          (void)t_to_b.recv();
          weft::race::write(&x, sizeof x);
          x = 2;
          wg.done();
        });
        wg.wait();
      },
      GetParam());
  t.join();
  EXPECT_EQ(out.status, 0) << out.err;
  EXPECT_EQ(out.err.find("DATA RACE"), std::string::npos) << out.err;
}

// A thread unlocks a weft::Mutex that a goroutine then locks: what the thread wrote before
// the unlock happens before what the goroutine does after the lock, and the goroutine's
// writes before a weft::race::release happen before the thread's after the acquire.
TEST_P(RunRaceOutside, AThreadsMutexAndAnnotationsMakeEdges) {
  int x = 0, y = 0;
  int flag = 0;
  std::atomic<bool> started{false}, unlocked{false}, released{false}, done{false};
  weft::Mutex mu;
  std::thread t([&] {
    while (!started.load()) std::this_thread::yield();
    mu.lock();  // uncontended: never waits
    weft::race::write(&x, sizeof x);
    x = 1;
    mu.unlock();
    unlocked = true;
    while (!released.load()) std::this_thread::yield();
    weft::race::acquire(&flag);
    weft::race::write(&y, sizeof y);
    y = 2;
    done = true;
  });
  const Outcome out = run_capturing(
      [&] {
        started = true;
        await(unlocked);
        mu.lock();
        weft::race::write(&x, sizeof x);
        x = 3;
        mu.unlock();
        weft::race::write(&y, sizeof y);
        y = 1;
        weft::race::release(&flag);
        released = true;
        await(done);
      },
      GetParam());
  t.join();
  EXPECT_EQ(out.status, 0) << out.err;
  EXPECT_EQ(out.err.find("DATA RACE"), std::string::npos) << out.err;
}

// weft::blocking's function runs as its goroutine: its accesses are that goroutine's, in its
// program order, and a channel edge made after the call orders them for another goroutine.
TEST_P(RunRaceOutside, ABlockingCallsAccessesAreItsGoroutines) {
  int x = 0;
  const Outcome out = run_capturing(
      [&] {
        weft::race::write(&x, sizeof x);
        x = 1;
        weft::blocking([&] {
          weft::race::write(&x, sizeof x);  // after main's write: its own
          x = 2;
        });
        auto c = weft::make_chan<int>();
        weft::go([&, c] {
          (void)c.recv();
          weft::race::read(&x, sizeof x);
          EXPECT_EQ(x, 2);
        });
        c.send(1);
      },
      GetParam());
  EXPECT_EQ(out.status, 0) << out.err;
  EXPECT_EQ(out.err.find("DATA RACE"), std::string::npos) << out.err;
}

// A blocking call's write and another goroutine's, unordered: reported.
TEST_P(RunRaceOutside, ABlockingCallsWriteWithNoEdgeIsReported) {
  int x = 0;
  std::atomic<bool> wrote{false};
  const Outcome out = run_capturing(
      [&] {
        weft::WaitGroup wg;
        wg.add(1);
        weft::go([&] {
          while (!wrote.load()) weft::yield();
          weft::race::write(&x, sizeof x);
          x = 2;
          wg.done();
        });
        weft::blocking([&] {
          weft::race::write(&x, sizeof x);
          x = 1;
          wrote = true;
        });
        wg.wait();
      },
      GetParam());
  EXPECT_EQ(out.status, 66) << out.err;
  EXPECT_NE(out.err.find("WARNING: DATA RACE"), std::string::npos) << out.err;
}

// A std::thread started by a goroutine starts after everything the goroutine did, and its
// end comes before what its joiner does after the join (pthread_create and pthread_join, as
// weft::explore's std::thread are a go statement and a wait). Made by weft's definitions of
// the pthread functions, which a ThreadSanitizer build leaves out (its own intercept them).
TEST_P(RunRaceOutside, AThreadStartedByAGoroutineIsOrderedByItsStartAndJoin) {
#ifdef WEFT_ACCESS_TSAN
  GTEST_SKIP() << "a ThreadSanitizer build does not define the pthread functions";
#endif
  int x = 0;
  const Outcome out = run_capturing(
      [&] {
        weft::race::write(&x, sizeof x);
        x = 1;
        std::thread t([&] {
          weft::race::write(&x, sizeof x);
          x = 2;
        });
        weft::blocking([&] { t.join(); });
        weft::race::write(&x, sizeof x);
        x = 3;
      },
      GetParam());
  EXPECT_EQ(out.status, 0) << out.err;
  EXPECT_EQ(out.err.find("DATA RACE"), std::string::npos) << out.err;
}

// The same when the thread leaves through pthread_exit: its end is still released for the
// join (pthread_exit skips the rest of the start routine's wrapper).
TEST_P(RunRaceOutside, AThreadLeavingThroughPthreadExitIsOrderedBeforeItsJoiner) {
#ifdef WEFT_ACCESS_TSAN
  GTEST_SKIP() << "a ThreadSanitizer build does not define the pthread functions";
#endif
  static int x = 0;
  x = 0;
  const Outcome out = run_capturing(
      [&] {
        pthread_t t;
        ASSERT_EQ(pthread_create(
                      &t, nullptr,
                      [](void*) -> void* {
                        weft::race::write(&x, sizeof x);
                        x = 2;
                        pthread_exit(nullptr);
                      },
                      nullptr),
                  0);
        weft::blocking([&] { pthread_join(t, nullptr); });
        weft::race::write(&x, sizeof x);
        x = 3;
      },
      GetParam());
  EXPECT_EQ(out.status, 0) << out.err;
  EXPECT_EQ(out.err.find("DATA RACE"), std::string::npos) << out.err;
}

INSTANTIATE_TEST_SUITE_P(Procs, RunRaceOutside, ::testing::Values(1u, 2u),
                         [](const auto& info) { return "procs" + std::to_string(info.param); });

}  // namespace

}  // namespace run_race_outside_test
