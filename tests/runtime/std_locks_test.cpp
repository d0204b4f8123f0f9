// The standard guards over weft's mutexes (weft/std_locks.hpp): what weft records points at
// the user's line, and unique_lock/shared_lock keep the standard's ownership rules.
#include <gtest/gtest.h>

#include <mutex>
#include <shared_mutex>
#include <source_location>
#include <string>
#include <system_error>

#include "weft/weft.hpp"

namespace std_locks_test {  // this file's names, apart from the other tests' in a unity build

namespace {

weft::ExploreOptions opts(std::uint64_t iterations = 20) {
  weft::ExploreOptions o;
  o.iterations = iterations;
  o.use_environment = false;
  return o;
}

std::string at(const std::source_location& l) {
  return std::string(l.file_name()) + ":" + std::to_string(l.line()) + ":";
}

// Each body locks a mutex main already holds, so main blocks for ever at `here`.
void expect_blocked_at(const std::function<void(std::source_location&)>& body) {
  std::source_location here;
  auto r = weft::explore([&] { body(here); }, opts(3));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::deadlock) << r;
  EXPECT_NE(r.failure->report.find("blocked at " + at(here)), std::string::npos)
      << "expected the guard's line " << at(here) << " in:\n" << r.failure->report;
  EXPECT_EQ(r.failure->report.find("/mutex"), std::string::npos) << r.failure->report;
}

TEST(StdLocks, LockGuardIsRecordedAtItsLine) {
  expect_blocked_at([](std::source_location& here) {
    weft::Mutex mu;
    mu.lock();
    here = std::source_location::current(); std::lock_guard again(mu);
  });
}

TEST(StdLocks, ScopedLockIsRecordedAtItsLine) {
  expect_blocked_at([](std::source_location& here) {
    weft::Mutex mu;
    mu.lock();
    here = std::source_location::current(); std::scoped_lock again(mu);
  });
}

TEST(StdLocks, UniqueLockConstructorAndLockAreRecordedAtTheirLines) {
  expect_blocked_at([](std::source_location& here) {
    weft::Mutex mu;
    mu.lock();
    here = std::source_location::current(); std::unique_lock again(mu);
  });
  expect_blocked_at([](std::source_location& here) {
    weft::Mutex mu;
    mu.lock();
    std::unique_lock later(mu, std::defer_lock);
    here = std::source_location::current(); later.lock();
  });
}

TEST(StdLocks, SharedLockIsRecordedAtItsLine) {
  expect_blocked_at([](std::source_location& here) {
    weft::RWMutex rw;
    rw.lock();
    here = std::source_location::current(); std::shared_lock reader(rw);
  });
}

TEST(StdLocks, LockOrderInversionNamesTheGuardLines) {
  std::source_location first, second;
  auto r = weft::explore([&] {
    weft::Mutex a, b;
    {
      std::lock_guard la(a);
      first = std::source_location::current(); std::lock_guard lb(b);
    }
    {
      std::lock_guard lb(b);
      second = std::source_location::current(); std::lock_guard la(a);
    }
  }, opts());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::lock_order) << r;
  EXPECT_NE(r.failure->report.find(at(first)), std::string::npos) << r.failure->report;
  EXPECT_NE(r.failure->report.find(at(second)), std::string::npos) << r.failure->report;
}

TEST(StdLocks, UniqueLockOwnershipFollowsTheStandard) {
  auto r = weft::explore([] {
    weft::Mutex mu;
    std::unique_lock lk(mu, std::defer_lock);
    weft::check(!lk.owns_lock() && lk.mutex() == &mu, "deferred: not owned yet");
    lk.lock();
    weft::check(lk.owns_lock() && static_cast<bool>(lk), "locked");
    bool twice = false;
    try {
      lk.lock();
    } catch (const std::system_error& e) {
      twice = e.code() == std::errc::resource_deadlock_would_occur;
    }
    weft::check(twice, "locking an owned unique_lock throws resource_deadlock_would_occur");

    std::unique_lock other(mu, std::try_to_lock);
    weft::check(!other.owns_lock(), "try_to_lock fails while lk holds the mutex");

    std::unique_lock moved(std::move(lk));
    weft::check(moved.owns_lock() && !lk.owns_lock() && lk.mutex() == nullptr, "move");
    moved.unlock();
    bool not_owned = false;
    try {
      moved.unlock();
    } catch (const std::system_error& e) {
      not_owned = e.code() == std::errc::operation_not_permitted;
    }
    weft::check(not_owned, "unlocking an unowned unique_lock throws operation_not_permitted");

    weft::check(moved.try_lock(), "try_lock on a free mutex");
    weft::Mutex* raw = moved.release();
    weft::check(raw == &mu && !moved.owns_lock() && moved.mutex() == nullptr, "release");
    std::unique_lock adopted(mu, std::adopt_lock);  // unlocks mu at the end of the body

    std::unique_lock<weft::Mutex> empty;
    bool no_mutex = false;
    try {
      empty.lock();
    } catch (const std::system_error& e) {
      no_mutex = e.code() == std::errc::operation_not_permitted;
    }
    weft::check(no_mutex, "a unique_lock without a mutex cannot lock");
  }, opts(5));
  EXPECT_TRUE(r.ok()) << r;
}

TEST(StdLocks, GuardsAdoptALockAndReleaseIt) {
  auto r = weft::explore([] {
    weft::Mutex mu;
    mu.lock();
    { std::lock_guard g(mu, std::adopt_lock); }
    weft::check(mu.try_lock(), "lock_guard released the adopted lock");
    { std::scoped_lock g(std::adopt_lock, mu); }
    weft::check(mu.try_lock(), "scoped_lock released the adopted lock");
    mu.unlock();
  }, opts(3));
  EXPECT_TRUE(r.ok()) << r;
}

TEST(StdLocks, GuardsExcludeEachOther) {
  auto r = weft::explore([] {
    weft::RWMutex rw;
    weft::WaitGroup wg;
    int value = 0;
    int seen_odd = 0;
    for (int i = 0; i < 2; ++i) {
      wg.add(2);
      weft::go([&] {
        std::unique_lock w(rw);
        ++value;
        weft::yield();
        ++value;  // readers must never see the odd middle state
        wg.done();
      });
      weft::go([&] {
        std::shared_lock r(rw);
        if (value % 2 != 0) ++seen_odd;
        wg.done();
      });
    }
    wg.wait();
    weft::check(value == 4 && seen_odd == 0, "writers exclude readers");
  }, opts(200));
  EXPECT_TRUE(r.ok()) << r;
}

TEST(StdLocks, CondWaitsThroughAUniqueLock) {
  auto r = weft::explore([] {
    weft::Mutex mu;
    std::unique_lock lk(mu);
    weft::Cond cond(lk);  // the Cond's lock is the guard: wait() unlocks and relocks it
    bool ready = false;
    weft::go([&] {
      std::lock_guard g(mu);
      ready = true;
      cond.signal();
    });
    while (!ready) cond.wait();
    weft::check(lk.owns_lock(), "wait returns with the lock held again");
  }, opts(100));
  EXPECT_TRUE(r.ok()) << r;
}

}  // namespace

}  // namespace std_locks_test
