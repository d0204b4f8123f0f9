// The creation site of a thread that std::async starts, in a build like Debug: this file is
// compiled at -O0 with line tables (CMakeLists.txt), so none of libstdc++'s templates between
// the std::async call and pthread_create is inlined (thirteen frames with GCC 12, each
// with a file under /usr/include or in libstdc++.so, where the walk used to give up after
// twelve), and the walk in runtime/src/std_site.cpp must pass them all to reach
// this file's line.
#include <gtest/gtest.h>

#include <future>
#include <string>

#include "test_support.hpp"
#include "weft/weft.hpp"

namespace std_site_async_test {  // this file's names, apart from the other tests' in a unity build

namespace {

int async_line = 0;
int shared_value = 0;

// The async task's write and main's are not ordered: a data race in every schedule.
void race_with_async() {
  auto write = [] { weft::race::write(&shared_value, sizeof shared_value); };
  auto f = std::async(std::launch::async, write); async_line = __LINE__;
  write();
  f.get();
}

TEST(StdSiteAsync, TheAsyncThreadIsCreatedAtTheCallersLine) {
  auto r = weft::explore(race_with_async, weft_test::opts(20));
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.failure->kind, weft::FailureKind::data_race) << r;
  const weft::FailureGoroutine* task = nullptr;
  const weft::FailureGoroutine* spawner = nullptr;
  for (const weft::FailureGoroutine& g : r.failure->goroutines)
    (g.parent != 0 ? task : spawner) = &g;
  ASSERT_TRUE(task && spawner) << r;
  EXPECT_EQ(task->parent, spawner->id) << r;
  ASSERT_NE(async_line, 0);
  const auto lines = weft_test::creation_lines(r.failure->report, task->id);
  ASSERT_GE(lines.size(), 3u) << r;
  EXPECT_EQ(lines[0], "Goroutine " + std::to_string(task->id) +
                          " (\"std::thread\") created by goroutine " +
                          std::to_string(spawner->id) + " at:")
      << r;
  EXPECT_EQ(lines[1].rfind("  std::thread (pthread_create) in ", 0), 0u) << r;
  EXPECT_NE(lines[2].find("std_site_async_test.cpp:" + std::to_string(async_line) + ":"),
            std::string::npos)
      << r;
}

}  // namespace

}  // namespace std_site_async_test
