// How the CLI reads what the runtime writes to WEFT_REPORT (runtime/src/report_file.hpp):
// a worker's crash or hang written as JSON by the fatal path, and a process's several
// explorations in one weft.explore-runs/1 document, for `weft explore` (interpret) and
// `weft report` (from_json).
#include <gtest/gtest.h>

#include <signal.h>

#include <nlohmann/json.hpp>

#include "outcome.hpp"
#include "process.hpp"
#include "render.hpp"
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

// WEFT_KEEP_GOING: the findings of a report written as each was found ("partial") survive a
// worker killed afterwards; its end is read from its progress word as without a report.
TEST(ReportRead, AKilledKeepGoingWorkersPartialReportKeepsItsFindings) {
  ExitStatus killed;
  killed.signaled = true;
  killed.signal = SIGKILL;
  json partial = run_json(3, "deadlock", 12);
  partial["partial"] = true;
  partial["findings"] = json::array({partial["failure"]});
  // Given [10, 20), killed while in iteration 15.
  const std::uint64_t in_15 = (15 + 1) << 1 | 1;
  auto o = weft::cli::interpret(10, 10, killed, partial.dump(), "", "", true, in_15);
  ASSERT_FALSE(o.error) << *o.error;
  ASSERT_EQ(o.also.size(), 1u);
  EXPECT_EQ(o.also[0].kind, "deadlock");
  EXPECT_EQ(o.also[0].iteration, 12u);
  EXPECT_EQ(o.also[0].token, "w2-AAAA");
  ASSERT_TRUE(o.finding);
  EXPECT_EQ(o.finding->kind, "crash");
  EXPECT_EQ(o.finding->iteration, 15u);
  EXPECT_EQ(o.finding->ended, killed.describe());
  EXPECT_NE(o.finding->report.find("reported only the 1 finding it had found before"), std::string::npos)
      << o.finding->report;
  EXPECT_EQ(o.covered_end, 16u);
  EXPECT_TRUE(o.resumable);
  // Without a progress word: covered as far as the report says, and the kill is still a
  // finding.
  auto blind = weft::cli::interpret(10, 10, killed, partial.dump(), "", "", true, 0);
  ASSERT_EQ(blind.also.size(), 1u);
  ASSERT_TRUE(blind.finding);
  EXPECT_EQ(blind.finding->ended, killed.describe());
  EXPECT_EQ(blind.covered_end, 13u);
  EXPECT_TRUE(blind.resumable);
}

// A finished keep-going report lists every distinct failure: all are findings, and all the
// iterations it ran are covered (none explored twice).
TEST(ReportRead, AFinishedKeepGoingReportGivesEveryFinding) {
  ExitStatus failed;
  failed.code = 1;
  json done = run_json(10, "deadlock", 12);
  json later = {{"kind", "panic"}, {"iteration", 17}, {"token", "w2-BBBB"}, {"report", "panic\n"}};
  done["findings"] = json::array({done["failure"], later});
  auto o = weft::cli::interpret(10, 10, failed, done.dump(), "", "");
  ASSERT_TRUE(o.finding);
  EXPECT_EQ(o.finding->kind, "deadlock");
  ASSERT_EQ(o.also.size(), 1u);
  EXPECT_EQ(o.also[0].kind, "panic");
  EXPECT_EQ(o.also[0].iteration, 17u);
  EXPECT_EQ(o.also[0].token, "w2-BBBB");
  EXPECT_EQ(o.covered_end, 20u);
  EXPECT_FALSE(o.resumable);
}

// A process whose earlier explore() call failed, killed in a later keep-going one: the earlier
// failure and the partial run's findings are all kept, and the kill read from the progress.
TEST(ReportRead, AKilledProcessKeepsItsEarlierRunsFailuresToo) {
  ExitStatus killed;
  killed.signaled = true;
  killed.signal = SIGKILL;
  json partial = run_json(2, "deadlock", 1);
  partial["partial"] = true;
  partial["findings"] = json::array({partial["failure"]});
  auto doc = runs_json({run_json(1, "panic", 0), partial}, false);
  const std::uint64_t in_3 = (3 + 1) << 1 | 1;
  auto o = weft::cli::interpret(0, 10, killed, doc.dump(), "", "", true, in_3);
  ASSERT_EQ(o.also.size(), 2u);
  EXPECT_EQ(o.also[0].kind, "panic");
  EXPECT_EQ(o.also[1].kind, "deadlock");
  ASSERT_TRUE(o.finding);
  EXPECT_EQ(o.finding->iteration, 3u);
  EXPECT_EQ(o.finding->ended, killed.describe());
  EXPECT_NE(o.finding->report.find("reported only the 2 findings it had found before"),
            std::string::npos)
      << o.finding->report;
  EXPECT_EQ(o.covered_end, 4u);
}

// `weft report` on a keep-going WEFT_REPORT: every finding, and a partial one says so.
TEST(ReportRead, WeftReportReadsEveryKeepGoingFindingAndSaysWhenPartial) {
  json run = run_json(7, "deadlock", 2);
  json later = {{"kind", "panic"}, {"iteration", 6}, {"token", "w2-BBBB"}, {"report", "panic\n"}};
  run["findings"] = json::array({run["failure"], later});
  auto done = weft::cli::from_json(run, "r.json", "r");
  ASSERT_EQ(done.explorations.size(), 1u);
  ASSERT_EQ(done.explorations[0].findings.size(), 2u);
  EXPECT_EQ(done.explorations[0].findings[0].kind, "deadlock");
  EXPECT_EQ(done.explorations[0].findings[1].kind, "panic");
  EXPECT_EQ(done.explorations[0].findings[1].token, "w2-BBBB");
  EXPECT_TRUE(done.explorations[0].notes.empty());
  run["partial"] = true;
  auto cut = weft::cli::from_json(run, "r.json", "r");
  EXPECT_EQ(cut.explorations[0].findings.size(), 2u);
  ASSERT_EQ(cut.explorations[0].notes.size(), 1u);
  EXPECT_NE(cut.explorations[0].notes[0].find("the process ended before this exploration "
                                              "finished"),
            std::string::npos)
      << cut.explorations[0].notes[0];
}

// `weft report` on a test binary's own WEFT_REPORT: the header says what it read (no binary,
// no protocol: not "(report) (?)") and counts its iterations.
TEST(ReportRead, ATestBinarysOwnReportSaysSoInTheHeader) {
  const std::string many = weft::cli::render_text(weft::cli::from_json(run_json(7), "r.json", "r"));
  EXPECT_EQ(many.rfind("weft: a test binary's WEFT_REPORT, strategy random, seed 5, 7 iterations "
                       "per exploration\n",
                       0),
            0u)
      << many;
  const std::string one = weft::cli::render_text(weft::cli::from_json(run_json(1), "r.json", "r"));
  EXPECT_NE(one.find(", 1 iteration per exploration\n"), std::string::npos) << one;
}

}  // namespace
