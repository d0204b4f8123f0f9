// The sharded cache under weft::explore: concurrent goroutines, every interleaving the
// explorer picks, the race detector watching every (instrumented) access.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "explore_util.hpp"
#include "kvcache/cache.hpp"
#include "weft/weft.hpp"

namespace kvcache {
namespace {

using namespace std::chrono_literals;
using testing::expect_clean;

TEST(Cache, ConcurrentSetsAndGetsAreRaceFree) {
  expect_clean([] {
    Cache cache({.shards = 2, .capacity_per_shard = 4});
    weft::WaitGroup wg;
    std::vector<int> found(3, 0);
    for (int g = 0; g < 3; ++g) {
      wg.add(1);
      weft::go([&, g] {
        for (int i = 0; i < 3; ++i) {
          std::string key = "k" + std::to_string((g + i) % 4);
          cache.set(key, "v" + std::to_string(g));
          if (cache.get(key)) found[static_cast<std::size_t>(g)]++;
        }
        wg.done();
      });
    }
    wg.wait();
    CacheStats s = cache.stats();
    weft::check(s.sets == 9, "every set counted");
    weft::check(s.hits + s.misses == 9, "every get counted");
    weft::check(s.entries <= 4, "never more entries than keys");
    weft::check(found[0] + found[1] + found[2] == static_cast<int>(s.hits), "hits agree");
  });
}

TEST(Cache, AppendIsAtomicPerKey) {
  expect_clean([] {
    Cache cache({.shards = 4, .capacity_per_shard = 8});
    weft::WaitGroup wg;
    for (int g = 0; g < 4; ++g) {
      wg.add(1);
      weft::go([&] {
        cache.append("log", "x");
        wg.done();
      });
    }
    wg.wait();
    weft::check(cache.get("log") == std::optional<std::string>("xxxx"), "four appends");
  });
}

TEST(Cache, EvictionKeepsEachShardWithinCapacity) {
  expect_clean([] {
    Cache cache({.shards = 2, .capacity_per_shard = 3});
    weft::WaitGroup wg;
    for (int g = 0; g < 2; ++g) {
      wg.add(1);
      weft::go([&, g] {
        for (int i = 0; i < 6; ++i) cache.set("g" + std::to_string(g) + "-" + std::to_string(i), "v");
        wg.done();
      });
    }
    wg.wait();
    CacheStats s = cache.stats();
    weft::check(s.entries <= 6, "at most capacity per shard");
    weft::check(s.entries + s.evicted == 12, "every set is an entry or an eviction");
  }, 100);
}

TEST(Cache, TtlExpiresInVirtualTime) {
  expect_clean([] {
    Cache cache({.shards = 1, .capacity_per_shard = 8});
    cache.set("session", "abc", 10ms);
    cache.set("config", "on");
    auto reader = weft::make_chan<bool>(1);
    weft::go([&cache, reader] {
      weft::sleep(5ms);
      reader.send(cache.get("session").has_value());
    });
    weft::check(reader.recv(), "alive after 5ms");
    weft::sleep(20ms);
    weft::check(!cache.get("session"), "expired after 25ms");
    weft::check(cache.get("config").has_value(), "no ttl, no expiry");
    weft::check(cache.stats().expired == 1, "one expiry counted");
  }, 50);
}

TEST(Cache, SweepRacesWithReadersWithoutDataRaces) {
  expect_clean([] {
    Cache cache({.shards = 2, .capacity_per_shard = 8});
    for (int i = 0; i < 4; ++i) cache.set("t" + std::to_string(i), "v", std::chrono::milliseconds(i + 1));
    weft::WaitGroup wg;
    wg.add(2);
    std::size_t swept = 0;
    int seen = 0;
    weft::go([&] {
      weft::sleep(2ms);
      swept = cache.expire_now();
      wg.done();
    });
    weft::go([&] {
      weft::sleep(2ms);
      for (int i = 0; i < 4; ++i) seen += cache.get("t" + std::to_string(i)) ? 1 : 0;
      wg.done();
    });
    wg.wait();
    CacheStats s = cache.stats();
    weft::check(s.expired >= swept, "sweeps are counted");
    weft::check(seen <= 2, "entries with ttl <= 2ms are gone at 2ms");
  });
}

}  // namespace
}  // namespace kvcache
