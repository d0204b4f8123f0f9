// report_test.cpp — report contents, deduplication, text layout and JSON fields.
#include "trace.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

namespace weft::det::testing {
namespace {

const Loc kMain{"main.cpp", "int main()", 5, 3};
const Loc kMainEntry{"main.cpp", "int main()", 4, 1};
const Loc kRun{"app.cpp", "void run()", 20, 1};
const Loc kGoWorker{"app.cpp", "void run()", 22, 5};
const Loc kWork{"app.cpp", "void work(int*)", 30, 1};
const Loc kWorkWrite{"app.cpp", "void work(int*)", 31, 7};
const Loc kRunRead{"app.cpp", "void run()", 24, 9};

// main() calls run(), which spawns "worker" running work(); work writes *p, run reads it.
// Each access is in the function on top of its stack, so it stands in for that frame.
void race_trace(Detector& d, const void* p) {
  d.go_start(1, 0, "main", kMain);
  d.func_enter(1, kMainEntry);
  d.func_enter(1, kRun);
  d.go_start(7, 1, "worker", kGoWorker);
  d.func_enter(7, kWork);
  d.access(7, p, 4, Access::write, kWorkWrite);
  d.func_exit(7);
  d.access(1, p, 4, Access::read, kRunRead);
}

// The parent the previous access's goroutine carries in the report itself.
GoId reports_parent_of(const Detector& d, GoId g) {
  for (const Report& r : d.reports())
    for (const AccessRef* a : {&r.current, &r.previous})
      if (a->goroutine.id == g) return a->goroutine.parent;
  return ~GoId{0};
}

const char* const kRaceText = R"(==================
WARNING: DATA RACE
Read of size 4 by goroutine 1 ("main"):
  void run()
      app.cpp:24:9
  int main()
      main.cpp:4:1

Previous write by goroutine 7 ("worker"):
  void work(int*)
      app.cpp:31:7

Goroutine 1 ("main") created at:
  int main()
      main.cpp:5:3

Goroutine 7 ("worker") created by goroutine 1 at:
  void run()
      app.cpp:22:5
  int main()
      main.cpp:4:1
==================
)";

TEST(DetectorReport, RaceTextExactMatch) {
  Detector d;
  race_trace(d, addr(kX));
  auto reports = d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(render_text(reports[0]), kRaceText);
  EXPECT_EQ(render_text(reports), kRaceText);
}

TEST(DetectorReport, TextIsTheSameForDifferentAddresses) {
  auto a = std::make_unique<int[]>(4), b = std::make_unique<int[]>(4);
  Detector d1, d2;
  race_trace(d1, &a[1]);
  race_trace(d2, &b[3]);
  EXPECT_EQ(render_text(d1.reports()), render_text(d2.reports()));
  EXPECT_EQ(render_json(d1.reports()), render_json(d2.reports()));
}

TEST(DetectorReport, AddressesOnRequest) {
  Detector d;
  race_trace(d, addr(0x1234560));
  std::string text = render_text(d.reports(), RenderOptions{.addresses = true});
  EXPECT_NE(text.find("Read of size 4 at 0x0000000001234560 by goroutine 1"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Previous write at 0x0000000001234560 by goroutine 7"), std::string::npos);
  auto j = nlohmann::json::parse(render_json(d.reports()[0], RenderOptions{.addresses = true}));
  EXPECT_EQ(j["address"], "0x0000000001234560");
  auto quiet = nlohmann::json::parse(render_json(d.reports()[0]));
  EXPECT_FALSE(quiet.contains("address"));
}

TEST(DetectorReport, ConflictOffsetInText) {
  Trace t;
  t.go(2, 1);
  t.write(2, kX + 4, 10, 4);
  t.write(1, kX, 11, 8);
  std::string text = render_text(t.d.reports());
  EXPECT_NE(text.find("Write of size 8 by goroutine 1 (\"main\") (first conflicting byte at "
                      "offset 4):"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Goroutine 2 created by goroutine 1 at:"), std::string::npos) << text;
}

TEST(DetectorReport, RaceJsonFields) {
  Detector d;
  race_trace(d, addr(kX));
  auto j = nlohmann::json::parse(render_json(d.reports()[0]));
  EXPECT_EQ(j["kind"], "data race");
  EXPECT_EQ(j["size"], 4);
  EXPECT_EQ(j["conflict_offset"], 0);
  EXPECT_EQ(j["current"]["access"], "read");
  EXPECT_EQ(j["current"]["goroutine"]["id"], 1);
  EXPECT_EQ(j["current"]["goroutine"]["name"], "main");
  EXPECT_EQ(j["current"]["goroutine"]["created_at"][0]["file"], "main.cpp");
  EXPECT_EQ(j["current"]["stack"].size(), 2u);
  EXPECT_EQ(j["current"]["stack"][0]["line"], 24);
  EXPECT_EQ(j["current"]["stack"][0]["column"], 9);
  EXPECT_EQ(j["current"]["stack"][0]["function"], "void run()");
  EXPECT_EQ(j["previous"]["access"], "write");
  EXPECT_EQ(j["previous"]["goroutine"]["id"], 7);
  EXPECT_EQ(j["previous"]["goroutine"]["created_at"][0]["line"], 22);
  EXPECT_EQ(j["current"]["goroutine"]["parent"], 0);
  EXPECT_EQ(j["previous"]["goroutine"]["parent"], 1);
  EXPECT_EQ(reports_parent_of(d, 7), 1u);
  EXPECT_EQ(j["current"]["stack"][1]["function"], "int main()");
  EXPECT_EQ(j["previous"]["stack"].size(), 1u);
  EXPECT_EQ(j["previous"]["stack"][0]["line"], 31);
}

TEST(DetectorReport, AGoStatementNamedByGccFoldsIntoItsFunctionsFrame) {
  // Instrumented run() spawns a goroutine; the go statement's location carries GCC's pretty
  // name (std::source_location), the frame weft-instrument's qualified one.
  Detector d;
  d.go_start(1, 0, "main", kMain);
  d.func_enter(1, kMainEntry);
  d.func_enter(1, Loc{"app.cpp", "app::run", 20, 1});
  d.go_start(7, 1, "worker", Loc{"app.cpp", "void app::run()", 22, 5});
  d.access(7, addr(kX), 4, Access::write, kWorkWrite);
  d.access(1, addr(kX), 4, Access::read, Loc{"app.cpp", "app::run", 24, 9});
  auto reports = d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  const std::vector<Loc>& created = reports[0].previous.goroutine.created_at;
  ASSERT_EQ(created.size(), 2u) << render_text(reports[0]);
  EXPECT_EQ(created[0].line, 22u);
  EXPECT_EQ(created[1].line, 4u);
}

TEST(DetectorReport, AFunctionEnteredFromACallSiteShowsItsCallerAtTheCall) {
  // main() (entered at 4) calls run() from line 9; run's access is at 24. The chain shows
  // main at the call, not where main begins.
  Detector d;
  d.go_start(1, 0, "main", kMain);
  d.func_enter(1, kMainEntry);
  d.func_enter(1, kRun, Loc{"main.cpp", "int main()", 9, 3});
  d.go_start(2, 1, "", kGoWorker);
  d.access(2, addr(kX), 4, Access::write, kWorkWrite);
  d.access(1, addr(kX), 4, Access::read, kRunRead);
  d.func_exit(1);
  auto reports = d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  const std::vector<Loc>& stack = reports[0].current.stack;
  ASSERT_EQ(stack.size(), 2u) << render_text(reports[0]);
  EXPECT_EQ(stack[0].line, 24u);
  EXPECT_EQ(stack[1].line, 9u);
  EXPECT_STREQ(stack[1].function, "int main()");
}

TEST(DetectorReport, AnAccessOutsideTheTopFunctionKeepsItsFrame) {
  // A location labelled with another function (a library call inlined from a header, a
  // sync operation's std::source_location name) does not replace the entry frame.
  Detector d;
  d.go_start(1, 0, "main", kMain);
  d.go_start(2, 1, "", kGoWorker);
  d.func_enter(2, kWork);
  d.access(2, addr(kX), 4, Access::write, Loc{"vector", "std::vector<int>::push_back", 9, 1});
  d.access(1, addr(kX), 4, Access::read, kRunRead);
  auto reports = d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  ASSERT_EQ(reports[0].previous.stack.size(), 2u);
  EXPECT_EQ(reports[0].previous.stack[1].line, 30u);
}

TEST(DetectorReport, JsonCollection) {
  Detector d;
  race_trace(d, addr(kX));
  auto j = nlohmann::json::parse(render_json(d.reports(), {}, 2));
  EXPECT_EQ(j["version"], 1);
  ASSERT_EQ(j["reports"].size(), 1u);
  EXPECT_EQ(j["reports"][0]["kind"], "data race");
  auto empty = nlohmann::json::parse(render_json(std::vector<Report>{}));
  EXPECT_TRUE(empty["reports"].empty());
}

// Two goroutines take A, B in opposite orders.
std::vector<Report> inversion() {
  Detector d;
  d.go_start(1, 0, "main", kMain);
  d.go_start(2, 1, "a", Loc{"main.cpp", "int main()", 6, 3});
  d.go_start(3, 1, "b", Loc{"main.cpp", "int main()", 7, 3});
  d.lock_acquired(2, sync_obj(1), true, Loc{"a.cpp", "f", 10, 1});
  d.lock_acquired(2, sync_obj(2), true, Loc{"a.cpp", "f", 11, 1});
  d.lock_released(2, sync_obj(2));
  d.lock_released(2, sync_obj(1));
  d.lock_acquired(3, sync_obj(2), true, Loc{"b.cpp", "g", 20, 1});
  d.lock_acquired(3, sync_obj(1), false, Loc{"b.cpp", "g", 21, 1});
  return d.take_reports();
}

const char* const kCycleText = R"(==================
WARNING: LOCK-ORDER INVERSION (potential deadlock)
Cycle in lock order graph: M1 => M2 => M1

Mutex M2 acquired by goroutine 2 ("a") while holding mutex M1:
  f
      a.cpp:11:1
Mutex M1 previously acquired by the same goroutine at:
  f
      a.cpp:10:1

Mutex M1 (shared) acquired by goroutine 3 ("b") while holding mutex M2:
  g
      b.cpp:21:1
Mutex M2 previously acquired by the same goroutine at:
  g
      b.cpp:20:1

Goroutine 2 ("a") created by goroutine 1 at:
  int main()
      main.cpp:6:3

Goroutine 3 ("b") created by goroutine 1 at:
  int main()
      main.cpp:7:3
==================
)";

TEST(DetectorReport, LockOrderTextExactMatch) {
  auto reports = inversion();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(render_text(reports[0]), kCycleText);
}

TEST(DetectorReport, LockOrderJsonFields) {
  auto reports = inversion();
  auto j = nlohmann::json::parse(render_json(reports[0]));
  EXPECT_EQ(j["kind"], "lock-order inversion");
  ASSERT_EQ(j["cycle"].size(), 2u);
  EXPECT_EQ(j["cycle"][0]["held"], "M1");
  EXPECT_EQ(j["cycle"][0]["acquired"], "M2");
  EXPECT_EQ(j["cycle"][0]["exclusive"], true);
  EXPECT_EQ(j["cycle"][0]["goroutine"]["name"], "a");
  EXPECT_EQ(j["cycle"][0]["held_at"][0]["line"], 10);
  EXPECT_EQ(j["cycle"][0]["acquired_at"][0]["line"], 11);
  EXPECT_EQ(j["cycle"][1]["held"], "M2");
  EXPECT_EQ(j["cycle"][1]["exclusive"], false);
  EXPECT_FALSE(j["cycle"][0].contains("held_address"));
  auto with = nlohmann::json::parse(render_json(reports[0], RenderOptions{.addresses = true}));
  EXPECT_TRUE(with["cycle"][0].contains("held_address"));
}

TEST(DetectorReport, DeduplicatedByUnorderedLocationPair) {
  Trace t;
  t.go(2, 1);
  t.go(3, 1);
  t.write(2, kX, 10);
  t.write(3, kX, 11);  // pair {10, 11}
  t.write(2, kY, 11);
  t.write(3, kY, 10);  // the same pair, other way round, other address
  t.write(2, kX + 64, 12);
  t.write(3, kX + 64, 11);  // {11, 12}: new
  EXPECT_EQ(t.races(), 2u);
  EXPECT_EQ(t.d.stats().races, 3u);
}

TEST(DetectorReport, CallChainFollowsFuncEnterAndExit) {
  Trace t;
  t.go(2, 1);
  t.d.func_enter(2, at(100, "outer"));
  t.d.func_enter(2, at(200, "inner"));
  t.d.func_exit(2);
  t.d.func_enter(2, at(300, "sibling"));
  t.write(2, kX, 301);
  t.d.func_exit(2);
  t.d.func_exit(2);
  t.d.func_exit(2);  // unbalanced: ignored
  t.write(1, kX, 10);
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  const auto& s = reports[0].previous.stack;
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].line, 301u);
  EXPECT_EQ(s[1].line, 300u);
  EXPECT_EQ(s[2].line, 100u);
  EXPECT_EQ(reports[0].current.stack.size(), 1u);
}

TEST(DetectorReport, TakeReportsEmptiesTheList) {
  Trace t;
  t.go(2, 1);
  t.write(2, kX, 10);
  t.write(1, kX, 11);
  EXPECT_EQ(t.d.take_reports().size(), 1u);
  EXPECT_EQ(t.d.report_count(), 0u);
  t.write(2, kX, 10);  // same pair: still deduplicated until reset
  EXPECT_EQ(t.d.report_count(), 0u);
}

TEST(DetectorReport, MaxReportsCapsTheList) {
  Detector d(DetectorOptions{.max_reports = 3});
  d.go_start(1, 0, "main", at(1));
  d.go_start(2, 1, "", at(2));
  for (std::uint32_t i = 0; i < 10; ++i) {
    d.access(2, addr(kX + 8 * i), 8, Access::write, at(100 + i));
    d.access(1, addr(kX + 8 * i), 8, Access::write, at(200 + i));
  }
  EXPECT_EQ(d.report_count(), 3u);
  EXPECT_EQ(d.stats().races, 10u);
}

// A goroutine whose site is only a description (the runtime's for a std::thread started in
// code without line information) still names its spawner, and the site is one line.
TEST(DetectorReport, ASpawnedGoroutineWithoutAFileNamesItsParent) {
  Detector d;
  d.go_start(1, 0, "main", Loc{});
  d.go_start(2, 1, "std::thread", Loc{"", "std::thread (pthread_create)", 0, 0});
  d.access(2, addr(kX), 4, Access::write, at(10));
  d.access(1, addr(kX), 4, Access::write, at(11));
  const std::string text = render_text(d.reports());
  EXPECT_NE(text.find("\nGoroutine 2 (\"std::thread\") created by goroutine 1 at:\n"
                      "  std::thread (pthread_create)\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("??:0:0"), std::string::npos) << text;
  EXPECT_NE(text.find("Goroutine 1 (\"main\") is a root goroutine."), std::string::npos) << text;
  EXPECT_EQ(text.find("Goroutine 2 (\"std::thread\") is a root goroutine"), std::string::npos)
      << text;
}

TEST(DetectorReport, RootWithoutSiteAndUnnamedGoroutines) {
  Detector d;
  d.access(5, addr(kX), 1, Access::write, at(10));
  d.access(6, addr(kX), 1, Access::update, at(11));
  std::string text = render_text(d.reports());
  EXPECT_NE(text.find("Read-modify-write of size 1 by goroutine 6:"), std::string::npos) << text;
  EXPECT_NE(text.find("Goroutine 5 is a root goroutine."), std::string::npos) << text;
}

}  // namespace
}  // namespace weft::det::testing
