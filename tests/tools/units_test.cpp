// The weft CLI's parts on their own: shard slices, coverage ranges, reading a worker's end,
// listings, merging, rendering.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "outcome.hpp"
#include "render.hpp"
#include "run_result.hpp"
#include "target.hpp"

namespace {

using namespace weft::cli;

TEST(ShardSlice, TheSlicesPartitionTheIterations) {
  for (std::uint64_t total : {0ull, 1ull, 7ull, 1000ull, 1001ull, ~0ull}) {
    for (std::uint64_t n : {1ull, 2ull, 3ull, 7ull, 64ull}) {
      std::uint64_t at = 0;
      for (std::uint64_t k = 0; k < n; ++k) {
        Range s = shard_slice(total, k, n);
        EXPECT_EQ(s.first, at) << total << " " << k << "/" << n;
        EXPECT_LE(s.first, s.end);
        // Sizes differ by at most one.
        EXPECT_LE(s.end - s.first - total / n, 1u);
        at = s.end;
      }
      EXPECT_EQ(at, total) << total << " / " << n;
    }
  }
}

TEST(Ranges, AddMergesAndCountsOverlap) {
  std::vector<Range> rs;
  EXPECT_EQ(add_range(rs, {10, 20}), 0u);
  EXPECT_EQ(add_range(rs, {0, 5}), 0u);
  EXPECT_EQ(add_range(rs, {5, 10}), 0u);
  EXPECT_EQ(rs, (std::vector<Range>{{0, 20}}));
  EXPECT_EQ(add_range(rs, {15, 25}), 5u);
  EXPECT_EQ(rs, (std::vector<Range>{{0, 25}}));
  EXPECT_EQ(range_total(rs), 25u);
  std::vector<Range> holes{{2, 4}, {6, 8}};
  EXPECT_EQ(gaps(holes, {0, 10}), (std::vector<Range>{{0, 2}, {4, 6}, {8, 10}}));
  EXPECT_TRUE(gaps(rs, {0, 25}).empty());
}

TEST(FatalReport, ReadsTheCrashHeaderReportAndToken) {
  std::string err =
      "[ RUN      ] Kernels.X\n\nweft: crash in iteration 17 (strategy random, seed 3)\n\n"
      "signal SIGSEGV (segmentation fault) at address 0x0\ngoroutine 1 [running]:\n"
      "    last visible operation at /src/k.cpp:12:7 in f\n\nreplay with: WEFT_REPLAY=w2-abc_-9\n";
  auto f = parse_fatal_report(err);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->kind, "crash");
  EXPECT_EQ(f->iteration, 16u);
  EXPECT_EQ(f->seed, 3u);
  EXPECT_EQ(f->strategy, "random");
  EXPECT_EQ(f->token, "w2-abc_-9");
  EXPECT_EQ(f->report.rfind("signal SIGSEGV", 0), 0u) << f->report;
  EXPECT_NE(f->report.find("k.cpp:12:7"), std::string::npos);
  EXPECT_FALSE(parse_fatal_report("weft: no failure in 3 iterations\n"));
}

TEST(Outcome, ACrashCoversUpToItsIterationAndTheRestResumes) {
  ExitStatus segv{true, 0, 11};
  std::string err = "\nweft: crash in iteration 8 (strategy random, seed 1)\n\nboom\n\nreplay with: WEFT_REPLAY=w2-x\n";
  auto o = interpret(5, 10, segv, "", "", err);
  ASSERT_TRUE(o.finding);
  EXPECT_EQ(o.finding->kind, "crash");
  EXPECT_EQ(o.covered_end, 8u);  // iterations 5, 6, 7 (the crash was in index 7)
  EXPECT_TRUE(o.resumable);
  EXPECT_NE(o.finding->ended.find("SIGSEGV"), std::string::npos) << o.finding->ended;
}

TEST(Outcome, AWorkerKilledWithoutAReportIsNotSaidToHaveDiedOutsideAnIteration) {
  // SIGKILL (the out-of-memory killer) cannot be caught: where it came is unknown.
  auto killed = interpret(0, 10, ExitStatus{true, 0, SIGKILL}, "", "", "");
  ASSERT_TRUE(killed.finding);
  EXPECT_EQ(killed.finding->kind, "crash");
  EXPECT_NE(killed.finding->report.find("out-of-memory killer"), std::string::npos) << killed.finding->report;
  EXPECT_EQ(killed.finding->report.find("it ended outside"), std::string::npos) << killed.finding->report;
  EXPECT_EQ(killed.covered_end, 0u);  // nothing is known to have run
  EXPECT_FALSE(killed.resumable);
  // Any other signal without a report: the runtime would have reported it in an iteration.
  auto segv = interpret(0, 10, ExitStatus{true, 0, SIGSEGV}, "", "", "");
  ASSERT_TRUE(segv.finding);
  EXPECT_NE(segv.finding->report.find("it ended outside an explored iteration"), std::string::npos);
}

// The WEFT_PROGRESS word (runtime/src/progress.hpp): (i + 1) << 1, | 1 while iteration i runs.
TEST(Outcome, AWorkerKilledWithoutAReportIsPlacedByItsProgressWord) {
  const ExitStatus kill9{true, 0, SIGKILL};
  // Killed in iteration 7 of [5, 15): 5 and 6 ran, 7 is the finding, 8.. go on.
  auto in = interpret(5, 10, kill9, "", "", "", true, (8 << 1) | 1);
  ASSERT_TRUE(in.finding);
  EXPECT_EQ(in.finding->kind, "crash");
  EXPECT_EQ(in.finding->iteration, 7u);
  EXPECT_NE(in.finding->report.find("in iteration 8 and left no report (SIGKILL cannot be caught"),
            std::string::npos)
      << in.finding->report;
  EXPECT_EQ(in.covered_end, 8u);
  EXPECT_TRUE(in.resumable);
  // Killed after iteration 7 ended, before another began: a finding outside any iteration.
  auto after = interpret(5, 10, kill9, "", "", "", true, 8 << 1);
  ASSERT_TRUE(after.finding);
  EXPECT_FALSE(after.finding->iteration);
  EXPECT_NE(after.finding->report.find("after iteration 8, outside any explored iteration"),
            std::string::npos)
      << after.finding->report;
  EXPECT_EQ(after.covered_end, 8u);
  EXPECT_TRUE(after.resumable);
  // In the last iteration of its range: nothing left to resume.
  auto last = interpret(5, 10, kill9, "", "", "", true, (15 << 1) | 1);
  EXPECT_EQ(last.finding->iteration, 14u);
  EXPECT_FALSE(last.resumable);
  // A word that names no iteration of the range (garbage, another exploration's) is ignored,
  // and the finding is still there, without an iteration.
  for (std::uint64_t garbage : {std::uint64_t{1}, std::uint64_t{(3 << 1) | 1}, std::uint64_t{(16 << 1) | 1},
                                ~std::uint64_t{0}}) {
    auto o = interpret(5, 10, kill9, "", "", "", true, garbage);
    ASSERT_TRUE(o.finding) << garbage;
    EXPECT_FALSE(o.finding->iteration) << garbage;
    EXPECT_EQ(o.covered_end, 5u) << garbage;
    EXPECT_FALSE(o.resumable) << garbage;
  }
  // Exit status 0 in an iteration (_exit(0)), for either protocol: a crash in it, not a test
  // that never explored.
  for (bool gtest : {true, false}) {
    auto quit = interpret(5, 10, ExitStatus{}, "", "", "", gtest, (8 << 1) | 1);
    ASSERT_TRUE(quit.finding) << gtest;
    EXPECT_EQ(quit.finding->kind, "crash");
    EXPECT_EQ(quit.finding->iteration, 7u);
    EXPECT_TRUE(quit.ran_explore);
    EXPECT_EQ(quit.covered_end, 8u);
  }
  // A report (or a fatal report) still wins over the word.
  std::string err = "\nweft: crash in iteration 9 (strategy random, seed 1)\n\nboom\n\nreplay with: WEFT_REPLAY=w2-x\n";
  auto fatal = interpret(5, 10, ExitStatus{true, 0, SIGSEGV}, "", "", err, true, (8 << 1) | 1);
  EXPECT_EQ(fatal.finding->iteration, 8u);
  EXPECT_EQ(fatal.finding->token, "w2-x");
}

TEST(Outcome, AGoogleTestCutOffWithStatus0IsACrashNotATestThatNeverExplored) {
  // _Exit(0) inside an iteration: no report, no weft message, exit status 0.
  const std::string cut = "[==========] Running 1 test\n[ RUN      ] K.Quits\n";
  auto o = interpret(0, 10, ExitStatus{}, "", cut, "");
  ASSERT_TRUE(o.finding);
  EXPECT_EQ(o.finding->kind, "crash");
  EXPECT_NE(o.finding->report.find("_Exit()"), std::string::npos) << o.finding->report;
  EXPECT_FALSE(o.resumable);
  // A test that ran to its end without exploring is still that, as is any weft-protocol run.
  auto none = interpret(0, 10, ExitStatus{}, "", cut + "[       OK ] K.Quits (0 ms)\n", "");
  EXPECT_FALSE(none.finding);
  EXPECT_FALSE(none.ran_explore);
  auto weftp = interpret(0, 10, ExitStatus{}, "", cut, "", false);
  EXPECT_FALSE(weftp.finding);
}

TEST(Outcome, AReportedFailureAndAConfigurationError) {
  std::string fail = R"({"schema":"weft.explore/1","ok":false,"strategy":"random","seed":1,
    "iterations":3,"steps":30,"decisions":9,"budget_exhausted":false,
    "failure":{"kind":"deadlock","iteration":12,"token":"w2-t","report":"all asleep\n"}})";
  auto o = interpret(10, 10, ExitStatus{false, 1, 0}, fail, "", "");
  ASSERT_TRUE(o.finding);
  EXPECT_EQ(o.finding->kind, "deadlock");
  EXPECT_EQ(o.finding->iteration, 12u);
  EXPECT_EQ(o.covered_end, 13u);
  EXPECT_TRUE(o.resumable);
  auto c = interpret(0, 1, ExitStatus{false, 1, 0}, "", "weft: configuration error\n\nWEFT_X bad\n", "");
  ASSERT_TRUE(c.error);
  EXPECT_NE(c.error->find("WEFT_X bad"), std::string::npos);
  // A clean report with exit status 1: a failed GoogleTest test, but for the weft protocol
  // (weft-examples missing a bug in its batch) the report is the verdict.
  std::string clean = R"({"schema":"weft.explore/1","ok":true,"strategy":"random","seed":1,
    "iterations":4,"steps":8,"decisions":2,"budget_exhausted":false,"failure":null})";
  auto gtest = interpret(0, 4, ExitStatus{false, 1, 0}, clean, "[  FAILED  ] X.Y\n", "");
  ASSERT_TRUE(gtest.finding);
  EXPECT_EQ(gtest.finding->kind, "test failure");
  EXPECT_EQ(gtest.covered_end, 4u);
  auto weftp = interpret(0, 4, ExitStatus{false, 1, 0}, clean, "MISS x\n", "", false);
  EXPECT_FALSE(weftp.finding);
  EXPECT_EQ(weftp.covered_end, 4u);
  auto none = interpret(0, 4, ExitStatus{}, "", "", "");
  EXPECT_FALSE(none.ran_explore);
  EXPECT_FALSE(none.finding);
}

TEST(Listing, GoogleTestListsWithParametersAndComments) {
  auto l = parse_gtest_list(
      "Running main() from gtest_main.cc\nSuite.\n  A\n  B  # GetParam() = 3\nP/Typed/0.  # TypeParam = int\n  C\n");
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0].name, "Suite.A");
  EXPECT_EQ(l[1].name, "Suite.B");
  EXPECT_EQ(l[1].description, "GetParam() = 3");
  EXPECT_EQ(l[2].name, "P/Typed/0.C");
  auto w = parse_weft_list("pipeline   stages joined by channels\n\nleak\n");
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].name, "pipeline");
  EXPECT_EQ(w[0].description, "stages joined by channels");
  EXPECT_EQ(w[1].name, "leak");
}

TEST(WorkerEnvironment, TheCliOwnsSeedsAndShardsAndPassesTheRestOn) {
  Environment base;
  base.set("WEFT_SEED", "99");
  base.set("GTEST_TOTAL_SHARDS", "4");
  base.set("WEFT_SUPPRESS", "foo.cpp");
  WorkerRequest req;
  req.seed = 5;
  req.first = 40;
  req.count = 10;
  req.report_path = "/tmp/r.json";
  Environment e = worker_environment(base, req);
  EXPECT_EQ(*e.get("WEFT_SEED"), "5");
  EXPECT_EQ(*e.get("WEFT_FIRST_ITERATION"), "40");
  EXPECT_EQ(*e.get("WEFT_ITERATIONS"), "10");
  EXPECT_EQ(*e.get("WEFT_REPORT"), "/tmp/r.json");
  EXPECT_EQ(e.get("GTEST_TOTAL_SHARDS"), nullptr);
  EXPECT_EQ(*e.get("WEFT_SUPPRESS"), "foo.cpp");
}

RunResult shard_result(Range slice, std::vector<Finding> findings = {}) {
  RunResult r;
  r.binary = "/b";
  r.iterations = 30;
  r.shard_count = 3;
  r.shards = {slice};
  ExplorationResult e;
  e.name = "S.T";
  e.covered = {slice};
  e.steps = 5;
  e.findings = std::move(findings);
  r.explorations.push_back(std::move(e));
  return r;
}

TEST(Merge, ShardsUniteAndTheirFindingsAreKept) {
  Finding f;
  f.kind = "deadlock";
  f.iteration = 12;
  auto m = merge({shard_result({10, 20}, {f}), shard_result({0, 10}), shard_result({20, 30})});
  EXPECT_EQ(m.shards, (std::vector<Range>{{0, 30}}));
  ASSERT_EQ(m.explorations.size(), 1u);
  EXPECT_EQ(m.explorations[0].covered, (std::vector<Range>{{0, 30}}));
  EXPECT_EQ(m.explorations[0].steps, 15u);
  EXPECT_EQ(m.finding_count(), 1u);
  EXPECT_EQ(m.exit_code(), kExitFindings);
  // The same shard twice is an error; a different run cannot be merged.
  auto twice = merge({shard_result({0, 10}), shard_result({0, 10})});
  EXPECT_EQ(twice.exit_code(), kExitUsage);
  RunResult other = shard_result({10, 20});
  other.seed = 2;
  EXPECT_THROW(merge({shard_result({0, 10}), other}), UsageError);
}

TEST(Json, RoundTripsAndReadsAnExploreResult) {
  Finding f;
  f.kind = "crash";
  f.token = "w2-q";
  f.report = "signal\n";
  RunResult r = shard_result({0, 10}, {f});
  RunResult back = from_json(nlohmann::json::parse(to_json(r).dump()), "x.json", "x");
  EXPECT_EQ(to_json(back), to_json(r));
  auto single = from_json(nlohmann::json::parse(R"({"schema":"weft.explore/1","ok":true,
     "strategy":"random","seed":4,"iterations":50,"steps":9,"decisions":1,
     "budget_exhausted":false,"failure":null})"), "y.json", "y");
  ASSERT_EQ(single.explorations.size(), 1u);
  EXPECT_EQ(single.explorations[0].name, "y");
  EXPECT_EQ(single.explorations[0].covered, (std::vector<Range>{{0, 50}}));
  EXPECT_EQ(single.exit_code(), kExitClean);
  EXPECT_THROW(from_json(nlohmann::json::parse(R"({"schema":"other/9"})"), "z", "z"), UsageError);
  EXPECT_THROW(from_json(nlohmann::json::parse(R"({"schema":"weft.run/1"})"), "z", "z"), UsageError);
}

TEST(Render, ReportLocationsAreFoundInOrderOnce) {
  auto l = report_locations("at /a/b.cpp:12:3 in f\n  /a/c.hpp:7 in g\n  /a/b.cpp:12:9 in f\n");
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0].file, "/a/b.cpp");
  EXPECT_EQ(l[0].line, 12u);
  EXPECT_EQ(l[0].column, 3u);
  EXPECT_EQ(l[1].file, "/a/c.hpp");
  EXPECT_EQ(l[1].line, 7u);
}

TEST(Render, JUnitEscapesReportText) {
  Finding f;
  f.kind = "panic";
  f.iteration = 0;
  f.report = "value <1> & \"two\"\n";
  auto x = render_junit(shard_result({0, 1}, {f}));
  EXPECT_NE(x.find("value &lt;1&gt; &amp; &quot;two&quot;"), std::string::npos) << x;
  EXPECT_EQ(x.find("<1>"), std::string::npos);
  EXPECT_NE(x.find("<failure type=\"panic\""), std::string::npos);
  // Bytes that are not UTF-8 (a worker's raw output) become U+FFFD; UTF-8 stays as it is.
  f.report = "raw \xff\xfe, cut \xe2\x82 and kept \xe2\x82\xac\n";
  x = render_junit(shard_result({0, 1}, {f}));
  EXPECT_NE(x.find("raw &#xFFFD;&#xFFFD;, cut &#xFFFD;&#xFFFD; and kept \xe2\x82\xac"), std::string::npos) << x;
}

// A worker's failure as data (weft.explore/1 from the runtime): the CLI reads its fields,
// not its text, and renders SARIF locations and stacks from them.
const char* kDeadlockReport = R"({"schema":"weft.explore/1","ok":false,"strategy":"random",
  "seed":7,"iterations":3,"steps":40,"decisions":2,"budget_exhausted":false,
  "failure":{"kind":"deadlock","iteration":2,"token":"w2-t","seed":7,"strategy":"random",
    "report":"all goroutines are asleep - deadlock!\n\n(text that names no file)\n",
    "message":"all goroutines are asleep - deadlock!",
    "locations":[{"function":"f","file":"/src/a.cpp","line":12,"column":5},
                 {"function":"g","file":"/src/b.cpp","line":30,"column":3}],
    "goroutines":[{"id":2,"name":"worker","state":"blocked","wait":"chan send",
      "stack":[{"function":"f","file":"/src/a.cpp","line":12,"column":5},
               {"function":"run","file":"/src/a.cpp","line":40,"column":9}],
      "parent":1,"created_at":[{"function":"g","file":"/src/b.cpp","line":30,"column":3}],
      "locks":[{"mutex":"M1","exclusive":true,
                "acquired_at":[{"function":"f","file":"/src/a.cpp","line":10,"column":3}]}],
      "channel_created_at":[{"function":"g","file":"/src/b.cpp","line":20,"column":11}]}],
    "check":{"replayed":true,"deterministic":true}}})";

TEST(FailureData, TheWorkersFieldsAreReadNotItsText) {
  auto o = interpret(0, 3, ExitStatus{false, 0, 0}, kDeadlockReport, "", "");
  ASSERT_TRUE(o.finding);
  const Finding& f = *o.finding;
  EXPECT_EQ(f.kind, "deadlock");
  EXPECT_EQ(f.message, "all goroutines are asleep - deadlock!");
  ASSERT_EQ(f.locations.size(), 2u);
  EXPECT_EQ(f.locations[0].file, "/src/a.cpp");
  EXPECT_EQ(f.locations[0].line, 12u);
  EXPECT_EQ(f.locations[0].column, 5u);
  EXPECT_EQ(f.locations[0].function, "f");
  // The report text names no location: what the CLI shows comes from the fields.
  EXPECT_TRUE(report_locations(f.report).empty());
  EXPECT_EQ(finding_locations(f).size(), 2u);
  EXPECT_EQ(f.details["goroutines"][0]["locks"][0]["mutex"], "M1");

  // weft.run/1 keeps the fields, and reads them back.
  RunResult r = shard_result({0, 3}, {f});
  const nlohmann::json j = nlohmann::json::parse(to_json(r).dump());
  const nlohmann::json& saved = j["explorations"][0]["findings"][0];
  EXPECT_EQ(saved["message"], f.message);
  EXPECT_EQ(saved["locations"][1]["line"], 30);
  EXPECT_EQ(saved["goroutines"][0]["channel_created_at"][0]["line"], 20);
  RunResult back = from_json(j, "x.json", "x");
  EXPECT_EQ(to_json(back), to_json(r));
}

TEST(FailureData, SarifLocationsAndStacksComeFromTheFields) {
  auto o = interpret(0, 3, ExitStatus{false, 0, 0}, kDeadlockReport, "", "");
  ASSERT_TRUE(o.finding);
  const nlohmann::json sarif =
      nlohmann::json::parse(render_sarif(shard_result({0, 3}, {*o.finding}), {}));
  const nlohmann::json& res = sarif["runs"][0]["results"][0];
  const nlohmann::json& first = res["locations"][0]["physicalLocation"];
  EXPECT_EQ(first["artifactLocation"]["uri"], "file:///src/a.cpp");
  EXPECT_EQ(first["region"]["startLine"], 12);
  EXPECT_EQ(first["region"]["startColumn"], 5);
  EXPECT_EQ(res["locations"][0]["logicalLocations"][0]["fullyQualifiedName"], "f");
  ASSERT_EQ(res["relatedLocations"].size(), 1u);
  EXPECT_EQ(res["relatedLocations"][0]["physicalLocation"]["region"]["startLine"], 30);
  ASSERT_EQ(res["stacks"].size(), 1u);
  EXPECT_EQ(res["stacks"][0]["message"]["text"], "goroutine 2 \"worker\" [chan send]");
  ASSERT_EQ(res["stacks"][0]["frames"].size(), 2u);
  EXPECT_EQ(res["stacks"][0]["frames"][1]["location"]["physicalLocation"]["region"]["startLine"], 40);
  EXPECT_NE(res["message"]["text"].get<std::string>().find("all goroutines are asleep"),
            std::string::npos);
}

TEST(FailureData, ARaceGivesOneStackPerAccess) {
  Finding f;
  f.kind = "data race";
  f.iteration = 0;
  f.details = nlohmann::json::parse(R"({"accesses":[
    {"access":"write","size":4,"goroutine":3,"stack":[{"function":"w","file":"/s/x.cpp","line":5,"column":1}]},
    {"access":"read","goroutine":2,"stack":[{"function":"r","file":"/s/x.cpp","line":9,"column":1}]}]})");
  auto stacks = failure_stacks(f);
  ASSERT_EQ(stacks.size(), 2u);
  EXPECT_EQ(stacks[0].title, "current write by goroutine 3");
  EXPECT_EQ(stacks[1].title, "previous read by goroutine 2");
  EXPECT_EQ(stacks[1].frames.at(0).line, 9u);
}

TEST(FailureData, JUnitNamesTheMessageAndWhere) {
  auto o = interpret(0, 3, ExitStatus{false, 0, 0}, kDeadlockReport, "", "");
  ASSERT_TRUE(o.finding);
  auto x = render_junit(shard_result({0, 3}, {*o.finding}));
  EXPECT_NE(x.find("first: deadlock in iteration 3 (strategy random, seed 7): all goroutines are "
                   "asleep - deadlock!\""),
            std::string::npos)
      << x;
  EXPECT_NE(x.find("at /src/a.cpp:12\n"), std::string::npos) << x;
}

// Findings of older workers (text only) still get their locations from the text.
TEST(FailureData, WithoutFieldsTheTextIsRead) {
  Finding f;
  f.kind = "panic";
  f.report = "panic: x\n\ngoroutine 1 [running]:\n    at /a/b.cpp:12:3 in f\n";
  auto l = finding_locations(f);
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].line, 12u);
}

}  // namespace
