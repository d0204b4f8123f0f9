// The seeded bug: built with KVCACHE_SEED_STATS_RACE, Shard::get bumps its hit counter after
// releasing the shard's lock. Exploring the instrumented build must report that data race,
// at the marked line of the original src/shard.cpp, with both functions named.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <string>

#include "explore_util.hpp"
#include "kvcache/cache.hpp"
#include "weft/weft.hpp"

#ifndef KVCACHE_SEED_STATS_RACE
#error "seeded_race_test.cpp is built with KVCACHE_SEED_STATS_RACE"
#endif

namespace kvcache {
namespace {

// The line of src/shard.cpp marked SEEDED-RACE, read from the original source.
int seeded_line() {
  std::ifstream in(std::string(KVCACHE_SOURCE_DIR) + "/src/shard.cpp");
  std::string line;
  for (int n = 1; std::getline(in, line); ++n)
    if (line.find("// SEEDED-RACE") != std::string::npos) return n;
  return -1;
}

TEST(SeededBug, UnlockedStatsCounterIsReportedAsADataRace) {
  weft::ExploreResult r = weft::explore(
      [] {
        Cache cache({.shards = 1, .capacity_per_shard = 4});
        cache.set("k", "v");
        weft::WaitGroup wg;
        wg.add(1);
        weft::go([&] {
          (void)cache.get("k");
          wg.done();
        });
        CacheStats s = cache.stats();
        wg.wait();
        (void)s;
      },
      testing::options(500));
  ASSERT_FALSE(r.ok()) << "the seeded race was not found in " << r.iterations << " iterations";
  EXPECT_EQ(r.failure->kind, weft::FailureKind::data_race) << r;
  const std::string& report = r.failure->report;
  int line = seeded_line();
  ASSERT_GT(line, 0);
  EXPECT_NE(report.find("shard.cpp:" + std::to_string(line) + ":"), std::string::npos)
      << "expected shard.cpp:" << line << " in\n" << report;
  EXPECT_NE(report.find("Shard::get"), std::string::npos) << report;
  EXPECT_NE(report.find("Shard::stats"), std::string::npos) << report;
  std::cout << r;  // the report, for the log
}

}  // namespace
}  // namespace kvcache
