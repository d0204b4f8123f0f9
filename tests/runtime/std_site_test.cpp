// Reports of std calls name the user's line: the goroutine a std::thread became is "created
// at" the file:line of the std::thread's construction (runtime/src/std_site.cpp), not at
// the pthread_create inside libstdc++. This file is compiled with line tables (-g1, see
// CMakeLists.txt): without debug information there is no line to name.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <thread>

#include "weft/weft.hpp"

namespace {

weft::ExploreOptions opts() {
  weft::ExploreOptions o;
  o.iterations = 50;
  o.seed = 3;
  o.use_environment = false;
  return o;
}

std::string here(int line) { return "std_site_test.cpp:" + std::to_string(line) + ":"; }

int thread_line = 0;
int lock_line = 0;

void deadlock_on_join() {
  std::mutex mu;
  std::lock_guard held(mu);
  std::thread t([&] {
    lock_line = __LINE__; std::lock_guard lk(mu);
  }); thread_line = __LINE__;
  t.join();  // waits for a thread that waits for `held`
}

void leak_detached() {
  static std::mutex mu;
  mu.lock();
  std::thread([] { std::lock_guard lk(mu); }).detach(); thread_line = __LINE__;
  // returns with the detached thread blocked on `mu` for good
}

}  // namespace

TEST(StdSite, DeadlockReportNamesTheLineThatStartedTheThread) {
  auto r = weft::explore(deadlock_on_join, opts());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::deadlock) << r;
  ASSERT_NE(thread_line, 0);
  EXPECT_NE(r.failure->report.find(here(thread_line)), std::string::npos) << r;
  EXPECT_NE(r.failure->report.find("std::thread (pthread_create) in"), std::string::npos) << r;
  // The thread blocked on the mutex is shown at its lock_guard.
  ASSERT_NE(lock_line, 0);
  EXPECT_NE(r.failure->report.find(here(lock_line) + "0 in std::mutex::lock"), std::string::npos)
      << r;
}

TEST(StdSite, UnlockOfAMutexNotHeldNamesTheLine) {
  static int unlock_line = 0;
  auto r = weft::explore(
      [] {
        std::mutex mu;
        mu.unlock(); unlock_line = __LINE__;
      },
      opts());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::undefined_behavior) << r;
  EXPECT_NE(r.failure->report.find(here(unlock_line)), std::string::npos) << r;
}

TEST(StdSite, LeakReportNamesTheLineThatStartedTheThread) {
  auto r = weft::explore(leak_detached, opts());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::leak) << r;
  ASSERT_NE(thread_line, 0);
  EXPECT_NE(r.failure->report.find(here(thread_line)), std::string::npos) << r;
}
