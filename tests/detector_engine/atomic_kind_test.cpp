// atomic_kind_test.cpp — atomic accesses (Access::atomic_*): two atomic operations never race;
// a plain read races with an unordered atomic store or RMW, a plain write with any unordered
// atomic operation; and the report says which side was atomic.
#include "trace.hpp"

#include <gtest/gtest.h>

#include <weft/detector/report.hpp>

#include <nlohmann/json.hpp>

namespace weft::det {
namespace {

using namespace testing;

void atomic(Trace& t, GoId g, Access kind, std::uint32_t line, std::size_t size = 4) {
  t.d.access(g, addr(kX), size, kind, at(line));
}

TEST(DetectorAtomicKind, AtomicOperationsNeverRaceWithEachOther) {
  Trace t;
  t.go(2, 1);
  t.go(3, 1);
  atomic(t, 2, Access::atomic_write, 10);
  atomic(t, 3, Access::atomic_update, 11);
  atomic(t, 1, Access::atomic_read, 12);
  atomic(t, 2, Access::atomic_update, 13);
  atomic(t, 3, Access::atomic_write, 14);
  EXPECT_EQ(t.races(), 0u);
}

TEST(DetectorAtomicKind, PlainReadRacesWithAnUnorderedAtomicStore) {
  Trace t;
  t.go(2, 1);
  atomic(t, 2, Access::atomic_write, 10);
  t.read(1, kX, 11, 4);
  ASSERT_EQ(t.races(), 1u);
  const Report r = t.d.reports().front();
  EXPECT_EQ(r.current.kind, Access::read);
  EXPECT_EQ(r.previous.kind, Access::atomic_write);
  EXPECT_TRUE(is_atomic(r.previous.kind));
  EXPECT_FALSE(is_atomic(r.current.kind));
  const std::string text = render_text(r);
  EXPECT_NE(text.find("Read of size 4 by goroutine 1"), std::string::npos) << text;
  EXPECT_NE(text.find("Previous atomic write by goroutine 2"), std::string::npos) << text;
  const auto j = nlohmann::json::parse(render_json(r));
  EXPECT_EQ(j["previous"]["access"], "write");
  EXPECT_EQ(j["previous"]["atomic"], true);
  EXPECT_FALSE(j["current"].contains("atomic"));
}

TEST(DetectorAtomicKind, AtomicStoreRacesWithAnEarlierUnorderedPlainRead) {
  Trace t;
  t.go(2, 1);
  t.read(1, kX, 10, 4);
  atomic(t, 2, Access::atomic_update, 11);
  ASSERT_EQ(t.races(), 1u);
  const Report r = t.d.reports().front();
  EXPECT_EQ(r.current.kind, Access::atomic_update);
  EXPECT_EQ(r.previous.kind, Access::read);
  EXPECT_NE(render_text(r).find("Atomic read-modify-write of size 4 by goroutine 2"),
            std::string::npos)
      << render_text(r);
}

TEST(DetectorAtomicKind, AtomicLoadRacesOnlyWithPlainWrites) {
  Trace t;
  t.go(2, 1);
  t.read(2, kX, 10, 4);
  atomic(t, 1, Access::atomic_read, 11);
  EXPECT_EQ(t.races(), 0u);  // two reads
  t.write(2, kX, 12, 4);
  ASSERT_EQ(t.races(), 1u);  // the plain write races with main's atomic load
  EXPECT_EQ(t.d.reports().front().previous.kind, Access::atomic_read);
}

TEST(DetectorAtomicKind, OrderedPlainAccessesAfterAtomicsAreClean) {
  Trace t;
  t.go(2, 1);
  atomic(t, 2, Access::atomic_write, 10);
  t.d.release(2, sync_obj(0));
  t.d.acquire(1, sync_obj(0));
  t.read(1, kX, 11, 4);
  t.write(1, kX, 12, 4);
  EXPECT_EQ(t.races(), 0u);
}

// Every concurrent atomic store is remembered: a plain read ordered after one of them but not
// the other still races with the other.
TEST(DetectorAtomicKind, ConcurrentAtomicStoresAreAllKept) {
  Trace t;
  t.go(2, 1);
  t.go(3, 1);
  atomic(t, 2, Access::atomic_write, 10);
  atomic(t, 3, Access::atomic_write, 11);
  t.d.release(3, sync_obj(0));
  t.d.acquire(1, sync_obj(0));
  t.read(1, kX, 12, 4);
  ASSERT_EQ(t.races(), 1u);
  EXPECT_EQ(t.d.reports().front().previous.goroutine.id, 2u);
  EXPECT_EQ(t.d.reports().front().previous.stack.at(0).line, 10u);
}

// A goroutine's own atomic load does not make its later plain read a same-epoch repeat: the
// read must still find another goroutine's unordered atomic store.
TEST(DetectorAtomicKind, AtomicLoadThenPlainReadInOneEpochStillChecks) {
  Trace t;
  t.go(2, 1);
  atomic(t, 2, Access::atomic_write, 10);
  t.d.access(1, addr(kX), 8, Access::atomic_read, at(11));
  EXPECT_EQ(t.races(), 0u);
  t.read(1, kX, 12, 8);
  EXPECT_EQ(t.races(), 1u);
}

// A plain read before an atomic load of the same goroutine stays recorded: a later atomic
// store by another goroutine races with it.
TEST(DetectorAtomicKind, PlainReadIsNotDroppedForALaterAtomicLoad) {
  Trace t;
  t.go(2, 1);
  t.read(1, kX, 10, 4);
  t.d.release(1, sync_obj(1));  // a new epoch for main
  atomic(t, 1, Access::atomic_read, 11);
  atomic(t, 2, Access::atomic_write, 12);
  ASSERT_EQ(t.races(), 1u);
  EXPECT_EQ(t.d.reports().front().previous.stack.at(0).line, 10u);
}

}  // namespace
}  // namespace weft::det
