// The example programs behave as their registry entries say: every correct example passes
// every schedule tried, every bug example is found with the expected kind of failure and
// its replay token reproduces the report byte for byte. Also the runner's verdicts and exit
// code, on a small table of made-up examples.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "registry.hpp"
#include "runner.hpp"
#include "weft/weft.hpp"

namespace weft_examples {
namespace {

std::vector<Example> select_examples(bool bugs) {
  std::vector<Example> out;
  for (const Example& e : all_examples())
    if (e.expect.is_bug() == bugs) out.push_back(e);
  return out;
}

std::string test_name(const testing::TestParamInfo<Example>& info) {
  std::string s(info.param.name);
  std::replace(s.begin(), s.end(), '-', '_');
  return s;
}

weft::ExploreOptions fixed_options(std::uint64_t iterations) {
  weft::ExploreOptions o;
  o.iterations = iterations;
  o.seed = 1;
  o.use_environment = false;
  return o;
}

// --- The registry -------------------------------------------------------------------------

TEST(Registry, NamesAreUniqueLowerCaseWordsAndEveryExampleSaysWhatItTeaches) {
  std::set<std::string_view> names;
  for (const Example& e : all_examples()) {
    EXPECT_TRUE(names.insert(e.name).second) << "duplicate name " << e.name;
    EXPECT_FALSE(e.name.empty());
    EXPECT_TRUE(std::all_of(e.name.begin(), e.name.end(),
                            [](char c) { return std::islower(c) || std::isdigit(c) || c == '-'; }))
        << e.name;
    EXPECT_FALSE(e.teaches.empty()) << e.name;
    EXPECT_NE(e.body, nullptr) << e.name;
    EXPECT_EQ(find_example(e.name), &e);
  }
  EXPECT_EQ(find_example("no-such-example"), nullptr);
}

TEST(Registry, HoldsTheSeedTopicsAndTheThreeClassicBugs) {
  EXPECT_EQ(select_examples(false).size(), 15u);
  ASSERT_EQ(select_examples(true).size(), 3u);
  EXPECT_TRUE(find_example("bug-lost-update")->expect.accepts(weft::FailureKind::data_race));
  EXPECT_TRUE(find_example("bug-lost-update")->expect.accepts(weft::FailureKind::assertion));
  EXPECT_TRUE(find_example("bug-lock-order-deadlock")->expect.accepts(weft::FailureKind::deadlock));
  EXPECT_TRUE(find_example("bug-leaked-goroutine")->expect.accepts(weft::FailureKind::leak));
}

// --- Correct examples: no schedule fails ---------------------------------------------------

class CorrectExample : public testing::TestWithParam<Example> {};

TEST_P(CorrectExample, PassesEveryScheduleTried) {
  const Example& e = GetParam();
  weft::ExploreResult r = weft::explore(e.body, fixed_options(300));
  EXPECT_TRUE(r.ok()) << r.to_string();
  EXPECT_EQ(r.iterations, 300u);
  EXPECT_EQ(judge(e, r), Verdict::passed);
}

INSTANTIATE_TEST_SUITE_P(Examples, CorrectExample, testing::ValuesIn(select_examples(false)),
                         test_name);

// --- Bug examples: found, and the token reproduces the report ------------------------------

class BugExample : public testing::TestWithParam<Example> {};

TEST_P(BugExample, IsFoundWithTheExpectedKindAndReplaysByteForByte) {
  const Example& e = GetParam();
  weft::ExploreOptions o = fixed_options(1000);
  o.name = e.name;  // as the runner names it, which replays the token below
  weft::ExploreResult found = weft::explore(e.body, o);
  ASSERT_FALSE(found.ok()) << e.name << ": no failure in " << found.iterations << " iterations";
  EXPECT_TRUE(e.expect.accepts(found.failure->kind)) << found.to_string();
  EXPECT_EQ(judge(e, found), Verdict::bug_found);
  ASSERT_FALSE(found.token.empty());

  weft::ExploreOptions replay = fixed_options(1);
  replay.strategy = weft::StrategyKind::replay;
  replay.replay = found.token;
  replay.name = e.name;
  weft::ExploreResult again = weft::explore(e.body, replay);
  ASSERT_FALSE(again.ok()) << "the replayed schedule did not fail";
  EXPECT_EQ(again.failure->kind, found.failure->kind);
  EXPECT_EQ(again.failure->report, found.failure->report);
  EXPECT_EQ(again.token, found.token);

  std::ostringstream out;
  EXPECT_EQ(replay_example(e, found.token, out), Verdict::bug_found);
  EXPECT_NE(out.str().find(found.failure->report), std::string::npos) << out.str();
}

INSTANTIATE_TEST_SUITE_P(Examples, BugExample, testing::ValuesIn(select_examples(true)),
                         test_name);

// --- The runner's verdicts and exit code ----------------------------------------------------

void passes() {}
void fails_a_check() { weft::check(false, "made to fail"); }
void deadlocks() { weft::make_chan<int>().recv(); }

weft::ExploreResult result_with(std::optional<weft::FailureKind> kind) {
  weft::ExploreResult r;
  if (kind) r.failure = weft::Failure{*kind, "report"};
  return r;
}

TEST(Runner, JudgesEachCombinationOfExpectationAndResult) {
  const Example ok{"ok", "", passes, Expect::ok()};
  const Example bug{"bug", "", deadlocks, Expect::bug(weft::FailureKind::deadlock)};
  const Example either{"either", "",  deadlocks,
                       Expect::bug(weft::FailureKind::deadlock).or_else(weft::FailureKind::lock_order)};
  using K = weft::FailureKind;
  EXPECT_EQ(judge(ok, result_with(std::nullopt)), Verdict::passed);
  EXPECT_EQ(judge(ok, result_with(K::assertion)), Verdict::failed);
  EXPECT_EQ(judge(bug, result_with(K::deadlock)), Verdict::bug_found);
  EXPECT_EQ(judge(bug, result_with(std::nullopt)), Verdict::bug_missed);
  EXPECT_EQ(judge(bug, result_with(K::leak)), Verdict::wrong_kind);
  EXPECT_EQ(judge(bug, result_with(K::lock_order)), Verdict::wrong_kind);
  EXPECT_EQ(judge(either, result_with(K::lock_order)), Verdict::bug_found);
  EXPECT_EQ(judge(either, result_with(K::deadlock)), Verdict::bug_found);
}

TEST(Runner, ExitsZeroOnlyWhenEveryExampleBehavedAsExpected) {
  using V = Verdict;
  EXPECT_EQ(exit_code(std::vector<V>{}), 0);
  EXPECT_EQ(exit_code(std::vector<V>{V::passed, V::bug_found}), 0);
  EXPECT_EQ(exit_code(std::vector<V>{V::passed, V::failed}), 1);
  EXPECT_EQ(exit_code(std::vector<V>{V::bug_found, V::bug_missed}), 1);
  EXPECT_EQ(exit_code(std::vector<V>{V::wrong_kind}), 1);
}

TEST(Runner, PrintsOkLinesReportsAndASummary) {
  const std::vector<Example> table = {
      {"fine", "passes", passes, Expect::ok()},
      {"broken", "a correct example that fails", fails_a_check, Expect::ok()},
      {"stuck", "a bug that is found", deadlocks, Expect::bug(weft::FailureKind::deadlock)},
      {"hidden", "a bug that is not", passes, Expect::bug(weft::FailureKind::leak)},
  };
  std::ostringstream out;
  std::vector<Verdict> v = run_examples(table, fixed_options(20), out);
  EXPECT_EQ(v, (std::vector<Verdict>{Verdict::passed, Verdict::failed, Verdict::bug_found,
                                     Verdict::bug_missed}));
  EXPECT_EQ(exit_code(v), 1);
  const std::string s = out.str();
  EXPECT_NE(s.find("ok    fine    (20 iterations)"), std::string::npos) << s;
  EXPECT_NE(s.find("=== broken: FAILED"), std::string::npos) << s;
  EXPECT_NE(s.find("made to fail"), std::string::npos) << s;
  EXPECT_NE(s.find("=== stuck: bug found, as expected"), std::string::npos) << s;
  EXPECT_NE(s.find("all goroutines are asleep - deadlock!"), std::string::npos) << s;
  EXPECT_NE(s.find("weft-examples --replay stuck w3-"), std::string::npos) << s;
  EXPECT_NE(s.find("MISS  hidden"), std::string::npos) << s;
  EXPECT_NE(s.find("correct examples: 1 of 2"), std::string::npos) << s;
  EXPECT_NE(s.find("bug examples:     1 of 2"), std::string::npos) << s;
  EXPECT_NE(s.find("SOME EXAMPLES DID NOT BEHAVE AS EXPECTED"), std::string::npos) << s;
}

TEST(Runner, ATokenFromAnotherExampleIsRefusedAndOneThatDoesNotFitDiverges) {
  // The runner's tokens name their example: replayed for another, refused (main exits 2).
  weft::ExploreOptions o = fixed_options(1000);
  o.name = "bug-lost-update";
  weft::ExploreResult found = weft::explore(find_example("bug-lost-update")->body, o);
  ASSERT_FALSE(found.ok());
  std::ostringstream refused_out;
  try {
    (void)replay_example(*find_example("worker-pool"), found.token, refused_out);
    ADD_FAILURE() << "a token of bug-lost-update replayed for worker-pool: " << refused_out.str();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("replay token was recorded for another test"),
              std::string::npos)
        << e.what();
  }
  // A w3 token that names no exploration (semantics 3, space 7, test 0) and whose one
  // choice, 127, fits no schedule of worker-pool: a diverged replay, said so.
  std::ostringstream out;
  EXPECT_FALSE(as_expected(replay_example(*find_example("worker-pool"), "w3-AwcAAAAABH8", out)));
  EXPECT_NE(out.str().find("REPLAY DIVERGED"), std::string::npos) << out.str();
}

}  // namespace
}  // namespace weft_examples
