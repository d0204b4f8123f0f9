// weft::gtest — explored tests in GoogleTest: WEFT_TEST, the failure message with its replay
// command, sharding of iterations, and readable printing of weft's option types.
//
// Sharding, as taken over by init(): GoogleTest's own sharding runs each test in one shard.
// An explored test instead runs in every shard, over the slice
//   [first + floor(k·n / N), first + floor((k+1)·n / N))   for shard k of N and n iterations,
// so the N slices cover [first, first + n) exactly once. Plain tests keep "each in exactly
// one shard": init() turns GoogleTest's sharding off and excludes, through the filter, the
// plain tests of other shards (plain test j, counted in registration order, belongs to shard
// j mod N).
#include "weft/gtest.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>

namespace weft::gtest {
namespace {

struct ShardState {
  std::uint64_t index = 0;
  std::uint64_t count = 1;
};
ShardState& shard() {
  static ShardState s;
  return s;
}

std::set<std::string>& explored_tests() {
  static std::set<std::string> names;
  return names;
}

// A whole number from an environment variable; false (with a message) when malformed.
bool read_count(const char* var, std::uint64_t& out) {
  const char* v = std::getenv(var);
  if (!v || !*v) return false;
  char* end = nullptr;
  errno = 0;
  const unsigned long long n = std::strtoull(v, &end, 10);
  if (*v == '-' || errno != 0 || *end != '\0') {
    std::fprintf(stderr, "weft: %s='%s' is not a whole number; unset it or give e.g. 0\n", var, v);
    return false;
  }
  out = n;
  return true;
}

std::string current_test_name() {
  const ::testing::TestInfo* t = ::testing::UnitTest::GetInstance()->current_test_info();
  if (!t) return {};
  return std::string(t->test_suite_name()) + "." + t->name();
}

}  // namespace

Slice shard_slice(std::uint64_t first, std::uint64_t iterations, std::uint64_t index,
                  std::uint64_t count) {
  // 128-bit products: iterations * index does not overflow for any 64-bit inputs.
  auto cut = [&](std::uint64_t k) {
    return static_cast<std::uint64_t>(static_cast<unsigned __int128>(iterations) * k / count);
  };
  const std::uint64_t begin = cut(index), end = cut(index + 1);
  return Slice{first + begin, end - begin};
}

bool register_explored(const char* suite, const char* name) {
  explored_tests().insert(std::string(suite) + "." + name);
  return true;
}

std::uint64_t shard_index() { return shard().index; }
std::uint64_t shard_count() { return shard().count; }

bool init(int, char**) {
  std::uint64_t total = 0, index = 0;
  const bool has_total = std::getenv("GTEST_TOTAL_SHARDS") != nullptr;
  const bool has_index = std::getenv("GTEST_SHARD_INDEX") != nullptr;
  if (!has_total && !has_index) return true;
  if (!read_count("GTEST_TOTAL_SHARDS", total) || !read_count("GTEST_SHARD_INDEX", index))
    return false;
  if (total == 0 || index >= total) {
    std::fprintf(stderr,
                 "weft: GTEST_SHARD_INDEX=%llu with GTEST_TOTAL_SHARDS=%llu: the index must be "
                 "below the number of shards (and that at least 1)\n",
                 static_cast<unsigned long long>(index), static_cast<unsigned long long>(total));
    return false;
  }
  shard() = ShardState{index, total};
  // GoogleTest would run each test in one shard only; from here on this process does it.
  unsetenv("GTEST_TOTAL_SHARDS");
  unsetenv("GTEST_SHARD_INDEX");
  if (const char* status = std::getenv("GTEST_SHARD_STATUS_FILE"); status && *status)
    std::ofstream{status};  // tells the runner that sharding is supported
  std::string excluded;
  std::uint64_t plain = 0;
  ::testing::UnitTest& unit = *::testing::UnitTest::GetInstance();
  for (int s = 0; s < unit.total_test_suite_count(); ++s) {
    const ::testing::TestSuite& suite = *unit.GetTestSuite(s);
    for (int t = 0; t < suite.total_test_count(); ++t) {
      const ::testing::TestInfo& info = *suite.GetTestInfo(t);
      const std::string name = std::string(info.test_suite_name()) + "." + info.name();
      if (explored_tests().count(name)) continue;
      if (plain++ % total != index) excluded += (excluded.empty() ? "" : ":") + name;
    }
  }
  if (!excluded.empty()) {
    std::string filter = GTEST_FLAG_GET(filter);
    filter += filter.find('-') == std::string::npos ? "-" : ":";
    GTEST_FLAG_SET(filter, filter + excluded);
  }
  return true;
}

bool apply_shard(ExploreOptions& o) {
  if (shard().count == 1) return true;
  // The environment first (it may set the iterations to slice), once: explore() still
  // writes WEFT_REPORT and the fatal report file (use_environment stays on).
  if (o.use_environment && !o.environment_applied) {
    apply_environment(o);
    o.environment_applied = true;
  }
  if (o.strategy == StrategyKind::replay) return shard().index == 0;
  if (o.strategy == StrategyKind::dfs) {  // the search tree is split, not the iterations
    if (o.dfs_shards != 1) return shard().index == 0;  // already split by WEFT_DFS_SHARD
    o.dfs_shard = shard().index;
    o.dfs_shards = shard().count;
    return true;
  }
  const Slice s = shard_slice(o.first_iteration, o.iterations, shard().index, shard().count);
  o.first_iteration = s.first;
  o.iterations = s.iterations;
  return s.iterations > 0;
}

std::string replay_command(const ExploreResult& r) {
  if (r.token.empty()) return {};
  std::string cmd = "WEFT_REPLAY=" + r.token + " " + program_invocation_name;
  if (std::string test = current_test_name(); !test.empty()) cmd += " --gtest_filter=" + test;
  return cmd;
}

::testing::AssertionResult no_concurrency_bug(const char* expression, const ExploreResult& r) {
  if (r.ok()) return ::testing::AssertionSuccess();
  ::testing::AssertionResult failed = ::testing::AssertionFailure();
  failed << expression << " found a concurrency bug:\n" << r.to_string();
  if (std::string cmd = replay_command(r); !cmd.empty()) failed << "replay this test with:\n  " << cmd << "\n";
  return failed;
}

ExploreOptions isolated(std::uint64_t iterations) {
  ExploreOptions o;
  o.iterations = iterations;
  o.use_environment = false;
  return o;
}

void expect_every_schedule_passes(std::function<void()> body, const ExploreOptions& options,
                                  std::source_location where) {
  ::testing::ScopedTrace at(where.file_name(), static_cast<int>(where.line()), "explored here");
  ExploreOptions named = options;
  if (named.name.empty()) named.name = current_test_name();  // in its tokens' fingerprint
  const ExploreResult r = explore(std::move(body), named, where);
  EXPECT_NO_CONCURRENCY_BUG(r);
  if (r.ok() && !r.exhausted) {
    EXPECT_EQ(r.iterations, options.iterations) << "the exploration stopped early: " << r;
  }
}

void run_test(void (*body)(), ExploreOptions options) {
  const bool explored = explored_tests().count(current_test_name()) > 0;
  try {
    if (explored && !apply_shard(options))
      GTEST_SKIP() << "no iteration of this test falls in shard " << shard().index << " of "
                   << shard().count;
  } catch (const std::invalid_argument&) {
    // A malformed WEFT_* variable: explore() reports it as a configuration failure.
  }
  if (options.name.empty()) options.name = current_test_name();  // in its tokens' fingerprint
  EXPECT_NO_CONCURRENCY_BUG(explore(body, options));
}

}  // namespace weft::gtest

namespace weft {
namespace {
const char* strategy_word(StrategyKind k) {
  switch (k) {
    case StrategyKind::random: return "random";
    case StrategyKind::pct: return "pct";
    case StrategyKind::dfs: return "dfs";
    case StrategyKind::replay: return "replay";
    case StrategyKind::pos: return "pos";
    case StrategyKind::portfolio: return "portfolio";
    case StrategyKind::surw: return "surw";
    case StrategyKind::urw: return "urw";
    case StrategyKind::mutate: return "mutate";
  }
  return "?";
}
}  // namespace

void PrintTo(StrategyKind k, std::ostream* os) { *os << strategy_word(k); }

void PrintTo(FailureKind k, std::ostream* os) { *os << failure_kind_name(k); }

void PrintTo(const ExploreOptions& o, std::ostream* os) {
  *os << "{strategy " << strategy_word(o.strategy);
  if (o.strategy == StrategyKind::pct) *os << ":" << o.pct_depth;
  if (o.strategy == StrategyKind::dfs) *os << ":" << o.dfs_preemption_bound;
  if (o.strategy == StrategyKind::replay) *os << ":" << o.replay;
  *os << ", seed " << o.seed << ", iterations " << o.iterations;
  if (o.first_iteration) *os << " from " << o.first_iteration;
  *os << ", max_steps " << o.max_steps << ", races " << (o.detect_races ? "on" : "off")
      << ", access scheduling " << (o.schedule_accesses ? "on" : "off");
  if (o.keep_going) *os << ", keep going";
  if (!o.report_leaks) *os << ", leaks not reported";
  if (!o.use_environment) *os << ", environment ignored";
  *os << "}";
}

void PrintTo(const ExploreResult& r, std::ostream* os) { *os << r.to_string(); }

}  // namespace weft
