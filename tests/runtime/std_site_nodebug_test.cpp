// Without line information (this file is compiled with -g0, see CMakeLists.txt) a std::thread's
// creation site cannot be a file:line; the race report still says which goroutine started the
// thread and names the std operation, and only main is a root goroutine.
#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "test_support.hpp"
#include "weft/weft.hpp"

namespace std_site_nodebug_test {  // this file's names, apart from the others' in a unity build

namespace {

int shared_value = 0;

void race_with_a_thread() {
  std::thread t([] { weft::race::write(&shared_value, sizeof shared_value); });
  weft::race::write(&shared_value, sizeof shared_value);
  t.join();
}

TEST(StdSiteNoDebug, RaceReportNamesTheParentAndTheStdOperation) {
  auto r = weft::explore(race_with_a_thread, weft_test::opts(20));
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.failure->kind, weft::FailureKind::data_race) << r;
  const weft::FailureGoroutine* thread = nullptr;
  const weft::FailureGoroutine* spawner = nullptr;
  for (const weft::FailureGoroutine& g : r.failure->goroutines)
    (g.name == "std::thread" ? thread : spawner) = &g;
  ASSERT_TRUE(thread && spawner) << r;
  EXPECT_EQ(thread->parent, spawner->id) << r;
  EXPECT_EQ(spawner->parent, 0u) << r;
  const auto lines = weft_test::creation_lines(r.failure->report, thread->id);
  ASSERT_GE(lines.size(), 2u) << r;
  EXPECT_EQ(lines[0], "Goroutine " + std::to_string(thread->id) +
                          " (\"std::thread\") created by goroutine " +
                          std::to_string(spawner->id) + " at:")
      << r;
  EXPECT_EQ(lines[1], "  std::thread (pthread_create)") << r;
  const auto main_lines = weft_test::creation_lines(r.failure->report, spawner->id);
  ASSERT_FALSE(main_lines.empty()) << r;
  EXPECT_EQ(main_lines[0].find("created by"), std::string::npos) << r;
}

}  // namespace

}  // namespace std_site_nodebug_test
