// Reports of std calls name the user's line: the goroutine a std::thread became is "created
// at" the file:line of the std::thread's construction (runtime/src/std_site.cpp), not at
// the pthread_create inside libstdc++. This file is compiled with line tables (-g1, see
// CMakeLists.txt): without debug information there is no line to name.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <mutex>
#include <string>
#include <thread>

#include "test_support.hpp"
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

int shared_value = 0;

// The thread's write and main's are not ordered: a data race in every schedule.
void race_with_a_thread() {
  auto write = [] { weft::race::write(&shared_value, sizeof shared_value); };
  std::thread t(write); thread_line = __LINE__;
  write();
  t.join();
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

// A race report reads like Go's: the std::thread's goroutine was created by main at the
// line of its construction, and only main is a root goroutine; the JSON says the same.
TEST(StdSite, RaceReportNamesTheThreadsParentAndLine) {
  auto r = weft::explore(race_with_a_thread, opts());
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.failure->kind, weft::FailureKind::data_race) << r;
  const weft::FailureGoroutine* thread = nullptr;
  const weft::FailureGoroutine* spawner = nullptr;
  for (const weft::FailureGoroutine& g : r.failure->goroutines)
    (g.name == "std::thread" ? thread : spawner) = &g;
  ASSERT_TRUE(thread && spawner) << r;
  EXPECT_EQ(thread->parent, spawner->id) << r;
  EXPECT_EQ(spawner->parent, 0u) << r;
  ASSERT_NE(thread_line, 0);
  const auto lines = weft_test::creation_lines(r.failure->report, thread->id);
  ASSERT_GE(lines.size(), 3u) << r;
  EXPECT_EQ(lines[0], "Goroutine " + std::to_string(thread->id) +
                          " (\"std::thread\") created by goroutine " +
                          std::to_string(spawner->id) + " at:")
      << r;
  EXPECT_EQ(lines[1].rfind("  std::thread (pthread_create) in ", 0), 0u) << r;
  EXPECT_NE(lines[2].find(here(thread_line)), std::string::npos) << r;  // this file, its line
  const nlohmann::json j = nlohmann::json::parse(r.to_json());
  bool saw_thread = false;
  for (const auto& g : j["failure"]["goroutines"]) {
    if (g["name"] == "std::thread") {
      saw_thread = true;
      EXPECT_EQ(g["parent"], spawner->id) << g;
      ASSERT_FALSE(g["created_at"].empty()) << g;
      EXPECT_EQ(g["created_at"][0]["line"], thread_line) << g;
    } else {
      EXPECT_EQ(g["parent"], 0) << g;
    }
  }
  EXPECT_TRUE(saw_thread) << j.dump(2);
}
