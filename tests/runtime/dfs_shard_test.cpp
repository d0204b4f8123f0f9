// dfs_shard_test.cpp — the exhaustive search split across processes (ExploreOptions::dfs_shard,
// WEFT_DFS_SHARD=K/N): N shards of one search together run every schedule once, each says
// when its part is exhausted, and a malformed shard is a configuration error. The split
// itself (no overlap, no gap, schedule by schedule) is checked in strategy_test.cpp
// (Dfs.ShardsSplitTheSearchTreeWithNoOverlapAndNoGap).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "weft/gtest.hpp"
#include "weft/weft.hpp"

namespace dfs_shard_test {  // this file's names, apart from the other tests' in a unity build

namespace {

// Two goroutines of three steps each, and main waiting for them.
void two_workers() {
  weft::WaitGroup wg;
  wg.add(2);
  for (int w = 0; w < 2; ++w) {
    weft::go([&] {
      for (int i = 0; i < 3; ++i) weft::yield();
      wg.done();
    });
  }
  wg.wait();
}

weft::ExploreOptions dfs(std::uint64_t shard, std::uint64_t shards) {
  weft::ExploreOptions o = weft::gtest::isolated(100'000);
  o.strategy = weft::StrategyKind::dfs;
  o.dfs_preemption_bound = 3;
  o.dfs_shard = shard;
  o.dfs_shards = shards;
  return o;
}

TEST(DfsShard, TheShardsOfASearchRunAsManySchedulesAsTheWholeSearch) {
  auto whole = weft::explore(two_workers, dfs(0, 1));
  ASSERT_TRUE(whole.ok()) << whole;
  ASSERT_TRUE(whole.exhausted);
  ASSERT_GT(whole.iterations, 20u);
  for (std::uint64_t shards : {2u, 4u}) {
    std::uint64_t sum = 0, nonempty = 0;
    for (std::uint64_t k = 0; k < shards; ++k) {
      auto part = weft::explore(two_workers, dfs(k, shards));
      EXPECT_TRUE(part.ok()) << part;
      EXPECT_TRUE(part.exhausted) << "shard " << k << " of " << shards;
      sum += part.iterations;
      nonempty += part.iterations > 0 ? 1 : 0;
    }
    EXPECT_EQ(sum, whole.iterations) << shards << " shards";
    EXPECT_GE(nonempty, 2u) << "the search was not split";
  }
}

TEST(DfsShard, AShardOutOfRangeIsAConfigurationError) {
  auto r = weft::explore(two_workers, dfs(2, 2));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::configuration);
  EXPECT_NE(r.failure->report.find("dfs_shard 2 of dfs_shards 2"), std::string::npos) << r;
}

TEST(DfsShard, TheEnvironmentVariableSetsTheShardAndRejectsMalformedOnes) {
  weft::ExploreOptions o = dfs(0, 1);
  o.use_environment = true;
  ::setenv("WEFT_DFS_SHARD", "1/2", 1);
  auto half = weft::explore(two_workers, o);
  ::setenv("WEFT_DFS_SHARD", "2/2", 1);
  auto beyond = weft::explore(two_workers, o);
  ::setenv("WEFT_DFS_SHARD", "half", 1);
  auto garbage = weft::explore(two_workers, o);
  ::unsetenv("WEFT_DFS_SHARD");
  auto whole = weft::explore(two_workers, dfs(0, 1));
  auto other_half = weft::explore(two_workers, dfs(0, 2));
  EXPECT_TRUE(half.ok()) << half;
  EXPECT_EQ(half.iterations + other_half.iterations, whole.iterations);
  for (const auto* bad : {&beyond, &garbage}) {
    ASSERT_FALSE(bad->ok());
    EXPECT_EQ(bad->failure->kind, weft::FailureKind::configuration);
    EXPECT_NE(bad->failure->report.find("is not a shard of the dfs search: use K/N"),
              std::string::npos)
        << *bad;
  }
}

}  // namespace

}  // namespace dfs_shard_test
