// weft::gtest (weft/gtest.hpp): WEFT_TEST runs its body under explore; a failure message
// holds the report and a command whose token replays the same failure; shard slices cover
// the iterations with no overlap and no gap; weft's option types print readably.
// check_shards.cmake runs this binary as shards (the GtestSharding tests below).
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <source_location>
#include <string>

#include "weft/gtest.hpp"
#include "weft/weft.hpp"

namespace {

weft::ExploreOptions quiet(std::uint64_t iterations = 200) {
  weft::ExploreOptions o;
  o.iterations = iterations;
  o.use_environment = false;
  return o;
}

// Race detection off, so lost_update fails on its check rather than on its data race.
weft::ExploreOptions checks_only(std::uint64_t iterations = 200) {
  weft::ExploreOptions o = quiet(iterations);
  o.detect_races = false;
  return o;
}

// Depth 2: both read before either writes back.
void lost_update() {
  weft::Shared<int> n{0};
  weft::WaitGroup wg;
  wg.add(2);
  for (int g = 0; g < 2; ++g)
    weft::go([&] {
      const int v = n.read();
      n.write(v + 1);
      wg.done();
    });
  wg.wait();
  weft::check(n.read() == 2, "an increment was lost");
}

void locked_update() {
  weft::Mutex mu;
  int n = 0;
  weft::WaitGroup wg;
  wg.add(2);
  for (int g = 0; g < 2; ++g)
    weft::go([&] {
      std::lock_guard lk(mu);
      ++n;
      wg.done();
    });
  wg.wait();
  std::lock_guard lk(mu);
  weft::check(n == 2, "both increments counted");
}

TEST(WeftGtest, ShardSlicesCoverTheIterationsExactlyOnce) {
  for (std::uint64_t count = 1; count <= 7; ++count)
    for (std::uint64_t n : {0ull, 1ull, 5ull, 100ull, 1001ull}) {
      std::uint64_t next = 10, smallest = ~0ull, largest = 0;
      for (std::uint64_t k = 0; k < count; ++k) {
        const weft::gtest::Slice s = weft::gtest::shard_slice(10, n, k, count);
        EXPECT_EQ(s.first, next) << "shard " << k << " of " << count << ", n " << n;
        next = s.first + s.iterations;
        smallest = std::min(smallest, s.iterations);
        largest = std::max(largest, s.iterations);
      }
      EXPECT_EQ(next, 10 + n) << count << " shards, n " << n;
      EXPECT_LE(largest - smallest, 1u);
    }
  const weft::gtest::Slice last = weft::gtest::shard_slice(0, ~0ull, 2, 3);
  EXPECT_EQ(last.first + last.iterations, ~0ull) << "no overflow at the top of the range";
}

TEST(WeftGtest, CorrectBodyPasses) { EXPECT_NO_CONCURRENCY_BUG(weft::explore(locked_update, quiet())); }

// The message of a failing exploration, as a test using the macro would print it; `at` is
// set to the explore() call (in this function), where its token replays.
std::string failure_message(std::source_location& at) {
  ::testing::TestPartResultArray parts;
  {
    ::testing::ScopedFakeTestPartResultReporter capture(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &parts);
    at = std::source_location::current();
    EXPECT_NO_CONCURRENCY_BUG(weft::explore(lost_update, checks_only()));
  }
  if (parts.size() != 1) return std::string("<not exactly one failure>");
  return parts.GetTestPartResult(0).message();
}

TEST(WeftGtest, FailureMessageHoldsReportAndReplayCommand) {
  std::source_location explored;
  const std::string msg = failure_message(explored);
  EXPECT_NE(msg.find("assertion failure"), std::string::npos) << msg;
  EXPECT_NE(msg.find("an increment was lost"), std::string::npos) << msg;
  const std::string filter =
      " --gtest_filter=WeftGtest.FailureMessageHoldsReportAndReplayCommand\n";
  const std::size_t at = msg.find("\n  WEFT_REPLAY=");
  ASSERT_NE(at, std::string::npos) << msg;
  const std::size_t token_at = at + std::string("\n  WEFT_REPLAY=").size();
  const std::size_t space = msg.find(' ', token_at);
  ASSERT_NE(space, std::string::npos) << msg;
  EXPECT_NE(msg.find(filter, space), std::string::npos) << msg;
  // The command's token replays the same failure.
  weft::ExploreOptions o = checks_only(1);
  o.strategy = weft::StrategyKind::replay;
  o.replay = msg.substr(token_at, space - token_at);
  auto again = weft::explore(lost_update, o, explored);  // the call that recorded it
  ASSERT_FALSE(again.ok()) << o.replay << "\n" << again;
  EXPECT_EQ(again.failure->kind, weft::FailureKind::assertion);
}

bool after_assert = false;
void assert_then_mark() {
  ASSERT_NO_CONCURRENCY_BUG(weft::explore(lost_update, checks_only()));
  after_assert = true;
}
TEST(WeftGtest, AssertFormStopsTheTest) {
  EXPECT_FATAL_FAILURE(assert_then_mark(), "WEFT_REPLAY=");
  EXPECT_FALSE(after_assert);
}

void explored_body_failing() { lost_update(); }
TEST(WeftGtest, RunTestReportsTheBodysFailure) {
  EXPECT_NONFATAL_FAILURE(weft::gtest::run_test(explored_body_failing, checks_only()),
                          "an increment was lost");
}

TEST(WeftGtest, EverySchedulePassesNamesTheCallerOnFailure) {
  ::testing::TestPartResultArray parts;
  {
    ::testing::ScopedFakeTestPartResultReporter capture(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &parts);
    weft::gtest::expect_every_schedule_passes(lost_update, checks_only());
    weft::gtest::expect_every_schedule_passes(locked_update, checks_only(30));
  }
  ASSERT_EQ(parts.size(), 1) << "the failing body only";
  const std::string msg = parts.GetTestPartResult(0).message();
  EXPECT_NE(msg.find("an increment was lost"), std::string::npos) << msg;
  EXPECT_NE(msg.find("explored here"), std::string::npos) << msg;
  EXPECT_NE(msg.find("gtest_test.cpp"), std::string::npos) << msg;
}

int explored_calls = 0;
WEFT_TEST_WITH(WeftGtest, ExploredWithOptions, quiet(25)) {
  ++explored_calls;
  locked_update();
}
// Checked when the tests are over (ctest runs each test in its own process): if
// ExploredWithOptions ran, its body ran once per iteration of the options it was given.
struct ExploredWithOptionsCheck : ::testing::Environment {
  void TearDown() override {
    if (explored_calls != 0) {
      EXPECT_EQ(explored_calls, 25) << "WEFT_TEST_WITH's options";
    }
  }
};
[[maybe_unused]] ::testing::Environment* const explored_check =
    ::testing::AddGlobalTestEnvironment(new ExploredWithOptionsCheck);

WEFT_TEST(WeftGtest, ExploredWithDefaults) {
  auto c = weft::make_chan<int>();
  weft::go([c] { c.send(7); });
  weft::check(c.recv() == 7, "the value sent is received");
}

TEST(WeftGtest, OptionTypesPrintReadably) {
  weft::ExploreOptions o;
  o.strategy = weft::StrategyKind::pct;
  o.pct_depth = 3;
  o.seed = 9;
  const std::string s = ::testing::PrintToString(o);
  EXPECT_EQ(s.find("byte object"), std::string::npos) << s;
  EXPECT_NE(s.find("strategy pct:3"), std::string::npos) << s;
  EXPECT_NE(s.find("seed 9"), std::string::npos) << s;
  EXPECT_EQ(::testing::PrintToString(weft::StrategyKind::pos), "pos");
  EXPECT_EQ(::testing::PrintToString(weft::FailureKind::deadlock),
            std::string(weft::failure_kind_name(weft::FailureKind::deadlock)));
}

// --- run as shards by check_shards.cmake ---

struct CountIterations : weft::EventSink {
  std::uint64_t n = 0;
  void iteration_begin() override { ++n; }
  ~CountIterations() override {
    if (n) std::printf("weft-shard-iterations: %llu\n", static_cast<unsigned long long>(n));
  }
} counted;

weft::ExploreOptions counted_options() {
  weft::ExploreOptions o;  // with the environment, as a user's test would
  o.iterations = 100;
  o.sinks = {&counted};
  return o;
}
WEFT_TEST_WITH(GtestSharding, Explored, counted_options()) { locked_update(); }
TEST(GtestSharding, PlainA) { SUCCEED(); }
TEST(GtestSharding, PlainB) { SUCCEED(); }
TEST(GtestSharding, PlainC) { SUCCEED(); }
TEST(GtestSharding, PlainD) { SUCCEED(); }

}  // namespace
