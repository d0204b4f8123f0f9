// Unmodified std::thread / std::mutex / std::condition_variable code under weft::explore
// (runtime/src/std_shim.hpp): nothing in these bodies names weft except the explore call,
// the weft::race annotations that show the detector an access, and weft::check.
//
// Each test states what could go wrong: a bug the exploration must find (and whose token
// must replay to the same report), a correct program that must pass every iteration, a
// misuse C++ leaves undefined that must be reported, and real threads outside a run that
// must still be real.
//
// Every std::this_thread::sleep_for below runs inside an explored body, where the
// interposition makes it virtual time (no real waiting; SleepForAndSteadyClockUseVirtualTime checks a one-hour sleep
// returns at once): they are what is tested, not timing the tests depend on.
#include <pthread.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <future>
#include <latch>
#include <mutex>
#include <semaphore>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"
#include "weft/weft.hpp"

namespace std_thread_test {  // this file's names, apart from the other tests' in a unity build

using namespace std::chrono_literals;

namespace {

weft::ExploreOptions opts(std::uint64_t iterations = 200, std::uint64_t seed = 1) {
  weft::ExploreOptions o;
  o.iterations = iterations;
  o.seed = seed;
  o.use_environment = false;
  return o;
}

template <class F>
void expect_ok(F body, std::uint64_t iterations = 200) {
  auto r = weft::explore(body, opts(iterations));
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.iterations, iterations);
}

using weft_test::contains;

// ---------------------------------------------------------------------------------------
// A bounded queue as people write it, with its two classic bugs behind switches.

struct BoundedQueue {
  enum class Bug { none, if_not_while, notify_one_for_two_kinds };

  explicit BoundedQueue(std::size_t cap, Bug bug = Bug::none) : cap_(cap), bug_(bug) {}

  void push(int v) {
    std::unique_lock lk(mu_);
    if (bug_ == Bug::if_not_while) {
      if (items_.size() == cap_) changed_.wait(lk);  // the bug: no re-check after waking
    } else {
      changed_.wait(lk, [&] { return items_.size() < cap_; });
    }
    weft::check(items_.size() < cap_, "push into a full queue");
    items_.push_back(v);
    wake();
  }

  int pop() {
    std::unique_lock lk(mu_);
    changed_.wait(lk, [&] { return !items_.empty(); });
    int v = items_.front();
    items_.pop_front();
    wake();
    return v;
  }

 private:
  // One condition variable serves producers and consumers: notify_one may wake the wrong
  // kind, and then nobody wakes the right one.
  void wake() {
    if (bug_ == Bug::notify_one_for_two_kinds)
      changed_.notify_one();
    else
      changed_.notify_all();
  }

  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<int> items_;
  std::size_t cap_;
  Bug bug_;
};

// Two producers and two consumers over a queue of capacity 1; every item arrives once.
void producers_and_consumers(BoundedQueue::Bug bug) {
  BoundedQueue q(1, bug);
  std::mutex got_mu;
  std::multiset<int> got;
  std::vector<std::thread> ts;
  for (int p = 0; p < 2; ++p)
    ts.emplace_back([&q, p] {
      for (int i = 0; i < 2; ++i) q.push(p * 10 + i);
    });
  for (int c = 0; c < 2; ++c)
    ts.emplace_back([&] {
      for (int i = 0; i < 2; ++i) {
        int v = q.pop();
        std::lock_guard lk(got_mu);
        got.insert(v);
      }
    });
  for (auto& t : ts) t.join();
  weft::check(got == std::multiset<int>{0, 1, 10, 11}, "every item arrives exactly once");
}

TEST(StdThread, CorrectBoundedQueuePassesEveryIteration) {
  expect_ok([] { producers_and_consumers(BoundedQueue::Bug::none); }, 300);
}

TEST(StdThread, IfInsteadOfWhileAroundWaitIsFoundAndReplays) {
  // When an iteration fails, threads not yet started are abandoned at teardown; their
  // std::thread state is destroyed then (CI's LeakSanitizer run checks nothing leaks).
  auto r = weft::explore([] { producers_and_consumers(BoundedQueue::Bug::if_not_while); },
                         opts(500));
  ASSERT_FALSE(r.ok()) << "the missing re-check was not found";
  EXPECT_EQ(r.failure->kind, weft::FailureKind::assertion) << r;
  EXPECT_TRUE(contains(r.failure->report, "push into a full queue")) << r;
  ASSERT_FALSE(r.token.empty());

  weft::ExploreOptions replay = opts(1);
  replay.strategy = weft::StrategyKind::replay;
  replay.replay = r.token;
  auto again = weft::explore([] { producers_and_consumers(BoundedQueue::Bug::if_not_while); },
                             replay);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.failure->kind, r.failure->kind);
  EXPECT_EQ(again.failure->report, r.failure->report);
}

// A counted object captured by value in a thread's callable: every copy made is destroyed.
struct Tracked {
  static inline int alive = 0;
  Tracked() { ++alive; }
  Tracked(const Tracked&) { ++alive; }
  ~Tracked() { --alive; }
};

TEST(StdThread, ThreadAbandonedUnstartedAtTeardownDestroysItsCallable) {
  // The body fails right after starting a thread, so in some schedules the thread has not
  // started when the iteration is torn down. Its callable (and the Tracked it holds) must
  // still be destroyed, as libstdc++'s start routine would have destroyed it.
  Tracked::alive = 0;
  int started = 0;
  const int seeds = 20;
  for (int seed = 1; seed <= seeds; ++seed) {
    auto r = weft::explore(
        [&] {
          std::thread([t = Tracked{}, &started] { ++started; }).detach();
          weft::check(false, "stop here");
        },
        opts(1, static_cast<std::uint64_t>(seed)));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(Tracked::alive, 0) << "seed " << seed << ": a never-started thread's callable "
                                 << "was not destroyed";
  }
  EXPECT_LT(started, seeds) << "every thread started before the teardown: nothing tested";
}

TEST(StdThread, NotifyOneWhereNotifyAllIsNeededDeadlocks) {
  auto r = weft::explore(
      [] { producers_and_consumers(BoundedQueue::Bug::notify_one_for_two_kinds); }, opts(1000));
  ASSERT_FALSE(r.ok()) << "the lost wake-up was not found";
  EXPECT_EQ(r.failure->kind, weft::FailureKind::deadlock) << r;
  EXPECT_TRUE(contains(r.failure->report, "std::condition_variable::wait")) << r;
}

// ---------------------------------------------------------------------------------------
// std::mutex and the race detector.

struct Counter {
  std::mutex mu;
  long n = 0;
  void add(bool locked) {
    std::unique_lock lk(mu, std::defer_lock);
    if (locked) lk.lock();
    weft::race::update(&n, sizeof n);
    long v = n;
    std::this_thread::yield();
    n = v + 1;
  }
};

TEST(StdThread, MutexProtectedCounterHasNoRaceAndNoLostUpdate) {
  expect_ok([] {
    Counter c;
    std::thread a([&] { c.add(true); });
    std::thread b([&] { c.add(true); });
    a.join();
    b.join();
    weft::race::read(&c.n, sizeof c.n);
    weft::check(c.n == 2, "no update lost");
  });
}

TEST(StdThread, ForgottenLockIsADataRace) {
  auto r = weft::explore(
      [] {
        Counter c;
        std::thread a([&] { c.add(true); });
        std::thread b([&] { c.add(false); });
        a.join();
        b.join();
      },
      opts(200));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::data_race) << r;
}

TEST(StdThread, ThreadStartAndJoinOrderAccesses) {
  expect_ok([] {
    int x = 0;
    weft::race::write(&x, sizeof x);
    x = 1;
    std::thread t([&] {
      weft::race::update(&x, sizeof x);
      ++x;
    });
    t.join();
    weft::race::read(&x, sizeof x);
    weft::check(x == 2, "the thread's write is seen after join");
  });
}

TEST(StdThread, UnlockOfAMutexNotHeldIsReported) {
  auto r = weft::explore(
      [] {
        std::mutex mu;
        std::thread t([&] { mu.lock(); });
        t.join();
        mu.unlock();  // held by the thread, which ended
      },
      opts(5));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::undefined_behavior) << r;
  EXPECT_TRUE(contains(r.failure->report, "does not hold")) << r;
}

TEST(StdThread, LockOrderInversionOfStdMutexesIsFound) {
  auto r = weft::explore(
      [] {
        std::mutex a, b;
        std::thread t1([&] {
          std::lock_guard la(a);
          std::lock_guard lb(b);
        });
        std::thread t2([&] {
          std::lock_guard lb(b);
          std::lock_guard la(a);
        });
        t1.join();
        t2.join();
      },
      opts(200));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.failure->kind == weft::FailureKind::lock_order ||
              r.failure->kind == weft::FailureKind::deadlock)
      << r;
}

TEST(StdThread, ScopedLockAndStdLockTakeSeveralMutexesWithoutDeadlock) {
  expect_ok([] {
    std::mutex a, b;
    int shared = 0;
    std::thread t1([&] {
      std::scoped_lock both(a, b);
      ++shared;
    });
    std::thread t2([&] {
      std::unique_lock lb(b, std::defer_lock), la(a, std::defer_lock);
      std::lock(lb, la);
      ++shared;
    });
    t1.join();
    t2.join();
    weft::check(shared == 2, "both ran");
  });
}

// ---------------------------------------------------------------------------------------
// Virtual time: sleep_for, steady_clock, wait_for, try_lock_for.

TEST(StdThread, SleepForAndSteadyClockUseVirtualTime) {
  expect_ok(
      [] {
        const auto t0 = std::chrono::steady_clock::now();
        std::this_thread::sleep_for(1h);
        const auto slept = std::chrono::steady_clock::now() - t0;
        weft::check(slept == 1h, "exactly one virtual hour passed");
      },
      5);
}

TEST(StdThread, SystemClockAndSleepUntilUseVirtualTime) {
  // system_clock reads a fixed base plus the run's virtual time: the same instant at the
  // start of every iteration, and sleep_until wakes exactly at its deadline on both clocks.
  static std::vector<std::chrono::system_clock::time_point> starts;
  starts.clear();
  expect_ok(
      [] {
        const auto wall0 = std::chrono::system_clock::now();
        const auto mono0 = std::chrono::steady_clock::now();
        starts.push_back(wall0);
        std::this_thread::sleep_until(wall0 + 90min);
        weft::check(std::chrono::system_clock::now() == wall0 + 90min, "woke at the wall deadline");
        std::this_thread::sleep_until(mono0 + 2h);
        weft::check(std::chrono::steady_clock::now() == mono0 + 2h, "woke at the steady deadline");
        // A deadline already past returns at once, leaving the clock where it was.
        std::this_thread::sleep_until(wall0);
        weft::check(std::chrono::steady_clock::now() == mono0 + 2h, "a past deadline returns at once");
      },
      5);
  ASSERT_EQ(starts.size(), 5u);
  for (const auto& t : starts) EXPECT_EQ(t, starts.front());
  // Virtual, not the machine's: a real clock would have moved on between iterations, and
  // after a real two-hour sleep the test would not have finished.
  EXPECT_NE(starts.front(), std::chrono::system_clock::now());
}

TEST(StdThread, SleepUntilOrdersThreadsByTheirDeadlines) {
  expect_ok([] {
    std::mutex mu;
    std::vector<int> order;
    const auto t0 = std::chrono::system_clock::now();
    std::thread late([&] {
      std::this_thread::sleep_until(t0 + 3s);
      std::lock_guard lk(mu);
      order.push_back(3);
    });
    std::thread early([&] {
      std::this_thread::sleep_until(t0 + 1s);
      std::lock_guard lk(mu);
      order.push_back(1);
    });
    late.join();
    early.join();
    weft::check(order == std::vector<int>{1, 3}, "the earlier deadline wakes first");
    weft::check(std::chrono::system_clock::now() == t0 + 3s, "the run ended at the last deadline");
  });
}

TEST(StdThread, WaitForTimesOutAtItsVirtualDeadline) {
  expect_ok(
      [] {
        std::mutex mu;
        std::condition_variable cv;
        std::unique_lock lk(mu);
        const auto t0 = std::chrono::steady_clock::now();
        const bool ready = cv.wait_for(lk, 250ms, [] { return false; });
        weft::check(!ready, "nobody notifies");
        weft::check(std::chrono::steady_clock::now() - t0 == 250ms, "woke at the deadline");
      },
      20);
}

TEST(StdThread, NotifyBeforeTheDeadlineEndsWaitFor) {
  expect_ok([] {
    std::mutex mu;
    std::condition_variable cv;
    bool ready = false;
    std::thread t([&] {
      std::this_thread::sleep_for(10ms);
      std::lock_guard lk(mu);
      ready = true;
      cv.notify_one();
    });
    {
      std::unique_lock lk(mu);
      weft::check(cv.wait_for(lk, 1s, [&] { return ready; }), "notified in time");
    }
    t.join();
  });
}

TEST(StdThread, TimedMutexTryLockForGivesUpAtTheDeadline) {
  expect_ok(
      [] {
        std::timed_mutex mu;
        std::mutex done_mu;
        std::condition_variable done_cv;
        bool done = false;
        mu.lock();
        std::thread t([&] {
          const auto t0 = std::chrono::steady_clock::now();
          weft::check(!mu.try_lock_for(50ms), "held by main throughout");
          weft::check(std::chrono::steady_clock::now() - t0 == 50ms, "gave up at 50ms");
          std::lock_guard lk(done_mu);
          done = true;
          done_cv.notify_one();
        });
        {
          std::unique_lock lk(done_mu);
          done_cv.wait(lk, [&] { return done; });
        }
        mu.unlock();
        t.join();
      },
      50);
}

// ---------------------------------------------------------------------------------------
// The rest of the vocabulary.

TEST(StdThread, ThreadIdsDifferAndJoinReturnsTheThreadsWork) {
  expect_ok([] {
    std::thread::id main_id = std::this_thread::get_id();
    std::thread::id seen;
    std::thread t([&] { seen = std::this_thread::get_id(); });
    const std::thread::id tid = t.get_id();
    t.join();
    weft::check(seen != main_id, "a thread has its own id");
    weft::check(seen == tid, "get_id() inside the thread matches thread::get_id()");
    weft::check(!t.joinable(), "joined");
  });
}

TEST(StdThread, CallOnceRunsOnceAndOrdersItsWrite) {
  expect_ok([] {
    std::once_flag flag;
    int inits = 0;
    std::vector<std::thread> ts;
    for (int i = 0; i < 3; ++i)
      ts.emplace_back([&] {
        std::call_once(flag, [&] {
          weft::race::update(&inits, sizeof inits);
          std::this_thread::yield();
          ++inits;
        });
        weft::race::read(&inits, sizeof inits);
        weft::check(inits == 1, "initialised exactly once before call_once returns");
      });
    for (auto& t : ts) t.join();
  });
}

TEST(StdThread, SharedMutexAdmitsReadersTogetherAndWritersAlone) {
  expect_ok([] {
    std::shared_mutex rw;
    int value = 0;
    int readers_in = 0, max_readers = 0;
    std::mutex stats;
    std::vector<std::thread> ts;
    for (int i = 0; i < 2; ++i)
      ts.emplace_back([&] {
        std::shared_lock lk(rw);
        {
          std::lock_guard g(stats);
          max_readers = std::max(max_readers, ++readers_in);
        }
        weft::race::read(&value, sizeof value);
        std::this_thread::yield();
        std::lock_guard g(stats);
        --readers_in;
      });
    ts.emplace_back([&] {
      std::unique_lock lk(rw);
      weft::race::write(&value, sizeof value);
      value = 1;
      weft::check(readers_in == 0, "no reader inside while the writer is");
    });
    for (auto& t : ts) t.join();
  });
}

// A std::mutex's unlock is not a scheduling point either; a try_lock that could have come
// inside a critical section with nothing else in it still fails in some schedule (dfs
// reaches both answers), and one that comes after the thread saw the unlock never does.
TEST(StdThread, TryLockFailsInsideAShortCriticalSectionInSomeSchedule) {
  std::set<bool> answers;
  weft::ExploreOptions o = opts(10'000);
  o.strategy = weft::StrategyKind::dfs;
  auto r = weft::explore(
      [&] {
        std::mutex mu;
        bool got = false;
        std::thread t([&] {
          mu.lock();
          mu.unlock();
        });
        std::thread u([&] {
          got = mu.try_lock();
          if (got) mu.unlock();
        });
        t.join();
        u.join();
        answers.insert(got);
      },
      o);
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_TRUE(r.exhausted);
  EXPECT_EQ(answers, (std::set<bool>{false, true}));
}

TEST(StdThread, TryLockAfterTheUnlockWasSeenTakesTheFreeMutex) {
  weft::ExploreOptions o = opts(10'000);
  o.strategy = weft::StrategyKind::dfs;
  auto r = weft::explore(
      [] {
        std::mutex mu;
        std::thread t([&] {
          mu.lock();
          mu.unlock();
        });
        t.join();
        bool got = false;
        std::thread u([&] {
          got = mu.try_lock();
          if (got) mu.unlock();
        });
        u.join();
        weft::check(got, "a free std::mutex refused a try_lock");
      },
      o);
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_TRUE(r.exhausted);
}

// A std::shared_mutex's unlock (either kind) is not a scheduling point either: each section
// adds one step (its lock), not two.
TEST(StdThread, SharedMutexUnlocksAreNotSchedulingPoints) {
  using weft_test::steps_of_sections;
  EXPECT_EQ(
      steps_of_sections<std::shared_mutex>(5, true) - steps_of_sections<std::shared_mutex>(1, true),
      4u)
      << "lock/unlock";
  EXPECT_EQ(steps_of_sections<std::shared_mutex>(5, false) -
                steps_of_sections<std::shared_mutex>(1, false),
            4u)
      << "lock_shared/unlock_shared";
}

// A try-lock that could have come inside a section with nothing else in it still fails in
// some schedule; none is invented. std::shared_timed_mutex is the same pthread_rwlock.
TEST(StdThread, SharedMutexTryLocksFailInsideAShortSectionInSomeSchedule) {
  weft_test::expect_try_locks_fail_inside_a_short_section_where_they_can<std::shared_mutex>();
  weft_test::expect_try_locks_fail_inside_a_short_section_where_they_can<
      std::shared_timed_mutex>();
}

TEST(StdThread, SharedMutexTryLocksAfterTheUnlockWasSeenTakeTheFreeLock) {
  weft_test::expect_try_locks_take_a_lock_released_before_they_came<std::shared_mutex>();
}

TEST(StdThread, RecursiveMutexNests) {
  expect_ok([] {
    std::recursive_mutex mu;
    int n = 0;
    auto twice = [&] {
      std::lock_guard a(mu);
      std::lock_guard b(mu);
      weft::race::update(&n, sizeof n);
      ++n;
    };
    std::thread t(twice);
    twice();
    t.join();
    weft::check(n == 2, "both ran");
  });
}

TEST(StdThread, JthreadStopsAndJoinsOnDestruction) {
  expect_ok([] {
    int rounds = 0;
    {
      std::jthread worker([&](std::stop_token st) {
        while (!st.stop_requested()) {
          weft::race::update(&rounds, sizeof rounds);
          ++rounds;
          std::this_thread::sleep_for(1ms);
        }
      });
      std::this_thread::sleep_for(5ms);
    }  // request_stop() and join()
    weft::race::read(&rounds, sizeof rounds);
    weft::check(rounds >= 1, "the worker ran before it was stopped");
  });
}

TEST(StdThread, LatchSemaphoreAndFutureBlockAsGoroutines) {
  expect_ok([] {
    std::latch started(2);
    std::binary_semaphore go(0);
    std::promise<int> result;
    std::future<int> f = result.get_future();
    std::thread a([&] {
      started.count_down();
      go.acquire();
      result.set_value(42);
    });
    std::thread b([&] { started.count_down(); });
    started.wait();
    go.release();
    weft::check(f.get() == 42, "the promise's value");
    a.join();
    b.join();
  });
}

// A pool of two connections guarded by std::counting_semaphore: a worker that gives its
// permit back before it has let go of its connection lets a third worker in while both are
// still in use.
static void connection_pool(bool release_early) {
  std::counting_semaphore<2> permits(2);
  std::mutex mu;
  int in_use = 0;
  auto worker = [&] {
    permits.acquire();
    {
      std::lock_guard lk(mu);
      ++in_use;
      weft::check(in_use <= 2, "more connections in use than the pool has");
    }
    if (release_early) permits.release();  // the bug: the permit goes back first
    {
      std::lock_guard lk(mu);
      --in_use;
    }
    if (!release_early) permits.release();
  };
  std::thread a(worker), b(worker), c(worker);
  a.join();
  b.join();
  c.join();
  weft::check(in_use == 0, "every connection returned");
}

TEST(StdThread, CountingSemaphoreBoundsThePool) {
  expect_ok([] { connection_pool(false); }, 300);
}

TEST(StdThread, CountingSemaphoreReleasedEarlyIsFoundAndReplays) {
  auto r = weft::explore([] { connection_pool(true); }, opts(500));
  ASSERT_FALSE(r.ok()) << "the early release was not found";
  EXPECT_EQ(r.failure->kind, weft::FailureKind::assertion) << r;
  EXPECT_TRUE(contains(r.failure->report, "more connections in use than the pool has")) << r;
  weft::ExploreOptions replay = opts(1);
  replay.strategy = weft::StrategyKind::replay;
  replay.replay = r.token;
  auto again = weft::explore([] { connection_pool(true); }, replay);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.failure->report, r.failure->report);
}

TEST(StdThread, AsyncRunsOnAGoroutine) {
  expect_ok([] {
    auto f = std::async(std::launch::async, [] {
      std::this_thread::sleep_for(1s);
      return 7;
    });
    weft::check(f.get() == 7, "async's result");
  });
}

TEST(StdThread, BarrierPhasesComplete) {
  expect_ok(
      [] {
        int phases = 0;
        std::barrier sync(2, [&]() noexcept { ++phases; });
        std::thread t([&] {
          sync.arrive_and_wait();
          sync.arrive_and_wait();
        });
        sync.arrive_and_wait();
        sync.arrive_and_wait();
        t.join();
        weft::check(phases == 2, "two phases completed");
      },
      100);
}

// A wait that is not in a loop: only a spurious wake-up (which the standard allows, and the
// strategy chooses) returns it before the flag is set.
void wait_without_loop() {
  std::mutex mu;
  std::condition_variable cv;
  bool ready = false;
  std::thread t([&] {
    std::this_thread::sleep_for(1ms);
    std::lock_guard lk(mu);
    ready = true;
    cv.notify_one();
  });
  bool seen = false;
  {
    std::unique_lock lk(mu);
    if (!ready) cv.wait(lk);
    seen = ready;
  }
  t.join();  // before the check: a failing check unwinds, and a joinable thread terminates
  weft::check(seen, "woke before the flag was set");
}

TEST(StdThread, SpuriousWakeUpIsExploredAndCanBeTurnedOff) {
  auto r = weft::explore(wait_without_loop, opts(200));
  ASSERT_FALSE(r.ok()) << "no spurious wake-up was explored";
  EXPECT_EQ(r.failure->kind, weft::FailureKind::assertion) << r;

  ::setenv("WEFT_SPURIOUS_WAKEUPS", "0", 1);
  auto off = weft::explore(wait_without_loop, opts(200));
  ::unsetenv("WEFT_SPURIOUS_WAKEUPS");
  EXPECT_TRUE(off.ok()) << off;
}

TEST(StdThread, ConditionVariableAnyOverASharedMutex) {
  expect_ok([] {
    std::shared_mutex rw;
    std::condition_variable_any cv;
    int stage = 0;
    std::thread t([&] {
      std::unique_lock lk(rw);
      stage = 1;
      cv.notify_all();
    });
    {
      std::shared_lock lk(rw);
      cv.wait(lk, [&] { return stage == 1; });
    }
    t.join();
  });
}

// C code: pthread_create with an argument and a result, a statically initialised mutex and
// condition variable.
struct CState {
  pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
  int produced = 0;
};

void* c_producer(void* p) {
  auto* s = static_cast<CState*>(p);
  pthread_mutex_lock(&s->mu);
  s->produced = 5;
  pthread_cond_signal(&s->cv);
  pthread_mutex_unlock(&s->mu);
  return &s->produced;
}

TEST(StdThread, PthreadCCodeRunsAsGoroutines) {
  expect_ok([] {
    CState s;
    pthread_t t;
    weft::check(pthread_create(&t, nullptr, c_producer, &s) == 0, "created");
    pthread_mutex_lock(&s.mu);
    while (s.produced == 0) pthread_cond_wait(&s.cv, &s.mu);
    pthread_mutex_unlock(&s.mu);
    void* ret = nullptr;
    weft::check(pthread_join(t, &ret) == 0, "joined");
    weft::check(ret == &s.produced, "the thread's result");
    weft::check(pthread_join(t, &ret) != 0, "a thread is joined once");
  });
}

void* exits_early(void* p) {
  *static_cast<int*>(p) = 1;
  pthread_exit(p);
}

TEST(StdThread, PthreadExitEndsTheThreadWithItsResult) {
  expect_ok([] {
    int x = 0;
    pthread_t t;
    pthread_create(&t, nullptr, exits_early, &x);
    void* ret = nullptr;
    pthread_join(t, &ret);
    weft::check(ret == &x && x == 1, "pthread_exit's value reaches pthread_join");
  });
}

// A mutex that lives outside the run: each iteration starts with it free, whatever the last
// one left held, and the real object is untouched afterwards.
std::mutex global_mu;

TEST(StdThread, AMutexFromOutsideTheRunIsFreeInEachIterationAndUntouchedAfter) {
  auto r = weft::explore(
      [] {
        global_mu.lock();  // never unlocked: the iteration ends holding it
      },
      opts(20));
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.iterations, 20u);
  ASSERT_TRUE(global_mu.try_lock()) << "the real mutex was left locked";
  global_mu.unlock();
}

// A function-local static whose initialiser blocks: the second thread to reach it waits on
// the guard (a futex in libstdc++), which used to block the OS thread for good.
int slow_answer() {
  std::this_thread::sleep_for(1ms);
  return 42;
}
int& answer() {
  static int v = slow_answer();
  return v;
}

TEST(StdThread, AContendedStaticInitialiserWaitsAsAGoroutine) {
  expect_ok(
      [] {
        int a = 0, b = 0;
        std::thread t([&] { a = answer(); });
        b = answer();
        t.join();
        weft::check(a == 42 && b == 42, "both see the initialised value");
      },
      5);
}

// ---------------------------------------------------------------------------------------
// Outside a run, the C library's threads.

TEST(StdThread, OutsideARunThreadsAreRealThreads) {
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0;
  std::set<std::thread::id> ids;
  auto work = [&] {
    std::unique_lock lk(mu);
    ids.insert(std::this_thread::get_id());
    ++arrived;
    cv.notify_all();
    cv.wait(lk, [&] { return arrived == 2; });  // both must run at once: real threads
  };
  std::thread a(work), b(work);
  a.join();
  b.join();
  EXPECT_EQ(arrived, 2);
  EXPECT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids.count(std::this_thread::get_id()), 0u);
  // A real thread's id is the C library's, not a run's tagged number.
  EXPECT_LT(static_cast<std::uint64_t>(pthread_self()) >> 56, 0xE5u);
}

TEST(StdThreadDeathTest, DestroyingAJoinableThreadIsACrashWithAToken) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        auto r = weft::explore(
            [] {
              std::thread t([] {});
              // t goes out of scope joinable: std::terminate
            },
            opts(5));
        (void)r;
        std::exit(0);
      },
      [](int status) { return status != 0; }, "terminate called.*\n(.|\n)*WEFT_REPLAY=");
}

}  // namespace

}  // namespace std_thread_test
