// How the CLI reads what the runtime writes to WEFT_REPORT (runtime/src/report_file.hpp):
// a worker's crash or hang written as JSON by the fatal path, and a process's several
// explorations in one weft.explore-runs/1 document, for `weft explore` (interpret) and
// `weft report` (from_json).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "outcome.hpp"
#include "process.hpp"
#include "run_result.hpp"

namespace {

using nlohmann::json;
using weft::cli::ExitStatus;

json run_json(std::uint64_t iterations, const char* kind = nullptr, std::uint64_t iteration = 0) {
  json j = {{"schema", "weft.explore/1"}, {"ok", kind == nullptr}, {"strategy", "random"},
            {"seed", 5},  {"iterations", iterations}, {"steps", 10}, {"budget_exhausted", false}};
  j["failure"] = kind ? json{{"kind", kind}, {"iteration", iteration}, {"token", "w2-AAAA"},
                             {"report", std::string(kind) + " report\n"}}
                      : json(nullptr);
  return j;
}

json runs_json(std::vector<json> runs, bool ok) {
  return {{"schema", "weft.explore-runs/1"}, {"ok", ok}, {"runs", runs}};
}

TEST(ReportRead, ACrashWrittenByTheFatalPathIsAFindingWithHowTheWorkerEnded) {
  ExitStatus died;
  died.signaled = true;
  died.signal = 11;
  // The worker was given [10, 20) and died in iteration 13; stderr holds nothing parseable.
  auto o = weft::cli::interpret(10, 10, died, run_json(4, "crash", 13).dump(), "", "");
  ASSERT_FALSE(o.error) << *o.error;
  ASSERT_TRUE(o.finding);
  EXPECT_EQ(o.finding->kind, "crash");
  EXPECT_EQ(o.finding->iteration, 13u);
  EXPECT_EQ(o.finding->token, "w2-AAAA");
  EXPECT_EQ(o.finding->ended, died.describe());
  EXPECT_EQ(o.covered_end, 14u);
  EXPECT_TRUE(o.resumable);  // [14, 20) goes on in a fresh worker
}

TEST(ReportRead, SeveralExplorationsOfOneWorkerGiveTheirFirstFailure) {
  ExitStatus failed;
  failed.code = 1;
  auto doc = runs_json({run_json(20), run_json(3, "deadlock", 2), run_json(1, "panic", 0)}, false);
  auto o = weft::cli::interpret(0, 20, failed, doc.dump(), "", "");
  ASSERT_FALSE(o.error) << *o.error;
  ASSERT_TRUE(o.finding);
  EXPECT_EQ(o.finding->kind, "deadlock");
  EXPECT_EQ(o.covered_end, 3u);
  // All passing: the last run's coverage.
  ExitStatus ok;
  auto clean = weft::cli::interpret(0, 20, ok, runs_json({run_json(20), run_json(20)}, true).dump(), "", "");
  EXPECT_FALSE(clean.finding);
  EXPECT_EQ(clean.covered_end, 20u);
}

TEST(ReportRead, WeftReportReadsEveryRunOfAProcess) {
  auto r = weft::cli::from_json(runs_json({run_json(20), run_json(3, "deadlock", 2)}, false),
                                "r.json", "r");
  ASSERT_EQ(r.explorations.size(), 2u);
  EXPECT_EQ(r.explorations[0].name, "r#1");
  EXPECT_EQ(r.explorations[1].name, "r#2");
  EXPECT_TRUE(r.explorations[0].findings.empty());
  ASSERT_EQ(r.explorations[1].findings.size(), 1u);
  EXPECT_EQ(r.explorations[1].findings[0].kind, "deadlock");
  EXPECT_EQ(r.exit_code(), weft::cli::kExitFindings);
  EXPECT_THROW((void)weft::cli::from_json(runs_json({}, true), "e.json", "e"), weft::cli::UsageError);
}

}  // namespace
