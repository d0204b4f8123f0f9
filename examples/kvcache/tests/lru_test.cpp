// Unit tests of LruMap: plain single-threaded code, no weft run needed.
#include <gtest/gtest.h>

#include "kvcache/lru.hpp"

namespace kvcache {
namespace {

using Keys = std::vector<std::string>;

TEST(LruMap, EvictsTheLeastRecentlyUsedEntry) {
  LruMap m(2);
  EXPECT_TRUE(m.put("a", "1", 0));
  EXPECT_TRUE(m.put("b", "2", 0));
  ASSERT_TRUE(m.get("a", 0));  // a is now the most recent
  EXPECT_TRUE(m.put("c", "3", 0));
  EXPECT_EQ(m.keys_by_recency(), (Keys{"c", "a"}));
  EXPECT_FALSE(m.get("b", 0));
  EXPECT_EQ(m.counts().evicted, 1u);
}

TEST(LruMap, ReplacingKeepsOneEntryAndTracksBytes) {
  LruMap m(4);
  EXPECT_TRUE(m.put("key", "short", 0));
  EXPECT_FALSE(m.put("key", "a longer value", 0));
  EXPECT_EQ(m.size(), 1u);
  EXPECT_EQ(m.bytes(), 3u + 14u);
  EXPECT_EQ(*m.get("key", 0), "a longer value");
}

TEST(LruMap, ExpiredEntriesAreDroppedOnReadAndBySweeps) {
  LruMap m(8);
  m.put("soon", "x", 100);
  m.put("later", "y", 500);
  m.put("never", "z", 0);
  EXPECT_TRUE(m.get("soon", 99));
  EXPECT_FALSE(m.get("soon", 100));
  EXPECT_EQ(m.counts().expired, 1u);
  EXPECT_EQ(m.expire(1000), 1u);
  EXPECT_EQ(m.keys_by_recency(), (Keys{"never"}));
  EXPECT_EQ(m.counts().expired, 2u);
}

TEST(LruMap, NodesAreReusedAfterErase) {
  LruMap m(3);
  for (int round = 0; round < 50; ++round) {
    std::string k = "k" + std::to_string(round % 5);
    m.put(k, std::string(static_cast<std::size_t>(round % 7), 'v'), 0);
    if (round % 3 == 0) m.erase(k);
  }
  EXPECT_LE(m.size(), 3u);
  std::size_t bytes = 0;
  for (const std::string& k : m.keys_by_recency()) bytes += k.size() + m.get(k, 0)->size();
  EXPECT_EQ(bytes, m.bytes());
}

TEST(LruMap, RejectsZeroCapacity) { EXPECT_THROW(LruMap(0), std::invalid_argument); }

}  // namespace
}  // namespace kvcache
