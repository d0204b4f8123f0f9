// The thread pool under weft::explore: every test body is the pool's ordinary use, run in
// many interleavings of its workers (std::threads, run as goroutines) with virtual time.
// A test fails if any interleaving loses a task, returns early, deadlocks or leaks a worker.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "threadpool/thread_pool.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

void expect_ok(std::function<void()> body, std::uint64_t iterations = 300) {
  weft::ExploreOptions o;
  o.iterations = iterations;
  auto r = weft::explore(std::move(body), o);
  EXPECT_TRUE(r.ok()) << r;
}

TEST(ThreadPool, SubmitReturnsEveryResult) {
  expect_ok([] {
    tp::ThreadPool pool(2);
    std::vector<std::future<int>> fs;
    for (int i = 0; i < 4; ++i) fs.push_back(pool.submit([i] { return i * i; }));
    int sum = 0;
    for (auto& f : fs) sum += f.get();
    weft::check(sum == 0 + 1 + 4 + 9, "every task's result arrives");
  });
}

TEST(ThreadPool, ATasksExceptionReachesItsFuture) {
  expect_ok([] {
    tp::ThreadPool pool(2);
    auto bad = pool.submit([]() -> int { throw std::runtime_error("task failed"); });
    auto good = pool.submit([] { return 1; });
    bool thrown = false;
    try {
      bad.get();
    } catch (const std::runtime_error&) {
      thrown = true;
    }
    weft::check(thrown, "the exception arrives through the future");
    weft::check(good.get() == 1, "the pool goes on after a failing task");
  });
}

// The property the seeded bug breaks (tests/seeded_bug_test.cpp runs the same body).
void wait_idle_sees_every_task_finished() {
  tp::ThreadPool pool(2);
  std::mutex mu;
  int done = 0;
  for (int i = 0; i < 3; ++i)
    (void)pool.submit([&] {
      std::lock_guard lock(mu);
      ++done;
    });
  pool.wait_idle();
  std::lock_guard lock(mu);
  weft::check(done == 3, "wait_idle() returned before every task had finished");
}

TEST(ThreadPool, WaitIdleSeesEveryTaskFinished) { expect_ok(wait_idle_sees_every_task_finished); }

TEST(ThreadPool, ShutdownRunsWhatIsQueuedThenJoins) {
  expect_ok([] {
    tp::ThreadPool pool(2);
    std::mutex mu;
    int done = 0;
    for (int i = 0; i < 5; ++i)
      (void)pool.submit([&] {
        std::lock_guard lock(mu);
        ++done;
      });
    pool.shutdown();
    weft::check(done == 5, "queued tasks run before the workers stop");
    weft::check(pool.completed() == 5, "and are counted");
    bool refused = false;
    try {
      (void)pool.submit([] {});
    } catch (const std::logic_error&) {
      refused = true;
    }
    weft::check(refused, "submit after shutdown throws");
  });
}

TEST(ThreadPool, ParallelForVisitsEveryIndexOnce) {
  expect_ok([] {
    tp::ThreadPool pool(3);
    std::vector<int> hits(10, 0);
    pool.parallel_for(0, hits.size(), [&](std::size_t i) { ++hits[i]; });
    for (int h : hits) weft::check(h == 1, "each index exactly once");
  });
}

TEST(ThreadPool, DestructorDrainsTheQueue) {
  expect_ok([] {
    std::mutex mu;
    int done = 0;
    {
      tp::ThreadPool pool(1);
      for (int i = 0; i < 3; ++i)
        (void)pool.submit([&] {
          std::lock_guard lock(mu);
          ++done;
        });
    }
    weft::check(done == 3, "~ThreadPool runs the queued tasks and joins");
  });
}

TEST(ThreadPool, FourOneSecondTasksOnTwoWorkersTakeTwoVirtualSeconds) {
  expect_ok(
      [] {
        tp::ThreadPool pool(2);
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < 4; ++i) (void)pool.submit([] { std::this_thread::sleep_for(1s); });
        pool.wait_idle();
        weft::check(std::chrono::steady_clock::now() - t0 == 2s, "two rounds of one second");
      },
      50);
}

}  // namespace
