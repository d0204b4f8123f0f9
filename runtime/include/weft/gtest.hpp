// weft/gtest.hpp — weft in GoogleTest (target weft::gtest; the core weft library does not
// depend on GoogleTest).
//
//   WEFT_TEST(Cache, GetAfterPutSeesTheValue) {       // explored with default options
//     kv::Cache c;
//     weft::go([&] { c.put("k", 1); });
//     weft::check(c.get("k") <= 1, "no invented value");
//   }
//   WEFT_TEST_WITH(Cache, Exhaustive, dfs_options()) { ... }   // any ExploreOptions
//
//   TEST(Cache, Manual) {
//     EXPECT_NO_CONCURRENCY_BUG(weft::explore(body, opt));   // or ASSERT_...
//   }
//
// A failure message holds weft's report and one line that replays it:
//   WEFT_REPLAY=w2-... ./cache_tests --gtest_filter=Cache.GetAfterPutSeesTheValue
//
// Sharding: link weft::gtest_main (or call weft::gtest::init(argc, argv) in your main after
// testing::InitGoogleTest). Under GTEST_TOTAL_SHARDS / GTEST_SHARD_INDEX every explored test
// then runs in every shard and explores its own slice of the iterations (iteration i is a
// function of the seed and i only, so the slices together are exactly the unsharded run),
// while every other test (EXPECT_NO_CONCURRENCY_BUG in a plain TEST too) runs in exactly
// one shard, as GoogleTest would run it. dfs splits its search tree instead
// (ExploreOptions::dfs_shard); a replay is not split: shard 0 runs it. A shard with no
// iteration of a test reports it skipped. A sharded explored test
// does not write WEFT_REPORT (the WEFT_* variables are applied before its slice is cut).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <iosfwd>
#include <source_location>
#include <string>
#include <string_view>

#include "weft/explore.hpp"

namespace weft::gtest {

// The slice of iterations shard `index` of `count` explores: [first, first + iterations)
// split into `count` consecutive parts whose sizes differ by at most one.
struct Slice {
  std::uint64_t first = 0;
  std::uint64_t iterations = 0;
};
Slice shard_slice(std::uint64_t first, std::uint64_t iterations, std::uint64_t index,
                  std::uint64_t count);

// Reads GTEST_TOTAL_SHARDS / GTEST_SHARD_INDEX and takes sharding over from GoogleTest
// (see above). Call after testing::InitGoogleTest and before RUN_ALL_TESTS. Returns false,
// with a message naming the variable on stderr, when they are malformed.
bool init(int argc, char** argv);
// The shard this process explores (0 of 1 without sharding or without init()).
std::uint64_t shard_index();
std::uint64_t shard_count();

// Registers Suite.Name as an explored test (WEFT_TEST does it): it runs in every shard.
bool register_explored(const char* suite, const char* name);

// `options` for this process's shard: with use_environment, the WEFT_* variables are
// applied first (and use_environment cleared), then [first_iteration, first_iteration +
// iterations) is cut to this shard's slice. dfs (whose schedules are not indexed by
// iteration) gets this shard's part of its search tree; a replay runs whole in shard 0. Returns false when this shard has nothing to
// explore; throws std::invalid_argument on a malformed WEFT_* variable.
bool apply_shard(ExploreOptions& options);

// The command that replays `r`'s failing schedule of the running test:
// `WEFT_REPLAY=<token> <binary> --gtest_filter=<Suite>.<Name>`; empty when there is no token.
std::string replay_command(const ExploreResult& r);

// Options for a test that must not be steered by WEFT_* variables (weft's own tests:
// their assertions depend on the exact strategy, seed and iteration count).
ExploreOptions isolated(std::uint64_t iterations = 200);

// Explores `body` and records a test failure, with the report and replay command, unless
// every one of options.iterations schedules ran and passed; the failure names the caller's
// line.
void expect_every_schedule_passes(
    std::function<void()> body, const ExploreOptions& options,
    std::source_location where = std::source_location::current());

// The predicate formatter behind EXPECT_NO_CONCURRENCY_BUG.
::testing::AssertionResult no_concurrency_bug(const char* expression, const ExploreResult& r);

// Runs `body` under explore(options) and records a failure with the report.
void run_test(void (*body)(), ExploreOptions options);

}  // namespace weft::gtest

namespace weft {
// Readable parameters in parameterised tests (instead of GoogleTest's raw bytes).
void PrintTo(const ExploreOptions& o, std::ostream* os);
void PrintTo(StrategyKind k, std::ostream* os);
void PrintTo(FailureKind k, std::ostream* os);
void PrintTo(const ExploreResult& r, std::ostream* os);
}  // namespace weft

#define EXPECT_NO_CONCURRENCY_BUG(result) \
  EXPECT_PRED_FORMAT1(::weft::gtest::no_concurrency_bug, result)
#define ASSERT_NO_CONCURRENCY_BUG(result) \
  ASSERT_PRED_FORMAT1(::weft::gtest::no_concurrency_bug, result)

// WEFT_TEST(Suite, Name) { body }: a test whose body is explored with ExploreOptions{}
// (and the WEFT_* environment). WEFT_TEST_WITH(Suite, Name, options) takes the options.
#define WEFT_TEST_WITH(suite, name, options)                                   \
  static void weft_test_body_##suite##_##name();                               \
  [[maybe_unused]] static const bool weft_test_registered_##suite##_##name =   \
      ::weft::gtest::register_explored(#suite, #name);                         \
  TEST(suite, name) {                                                          \
    ::weft::gtest::run_test(&weft_test_body_##suite##_##name, (options));      \
  }                                                                            \
  static void weft_test_body_##suite##_##name()
#define WEFT_TEST(suite, name) WEFT_TEST_WITH(suite, name, ::weft::ExploreOptions{})
