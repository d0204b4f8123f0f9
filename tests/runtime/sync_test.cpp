// Conformance: Go's sync package (Mutex, RWMutex, WaitGroup, Once, Cond) under
// weft::explore — mutual exclusion in every explored interleaving, Go's panics with Go's
// messages, the blocking rules (barging Mutex, writer-preferring RWMutex), and the
// happens-before edges of the Go memory model ("Locks", "Once") checked with the vector
// clocks of recorder.hpp.
//
// "settle()" below is weft::sleep: virtual time moves only when no goroutine can run, so
// after it returns every other goroutine has run until it blocked. That makes "goroutine X
// is now blocked in Lock" a deterministic precondition rather than a lucky schedule.
#include <gtest/gtest.h>

#include <source_location>

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "recorder.hpp"
#include "test_support.hpp"
#include "weft/gtest.hpp"
#include "weft/weft.hpp"

namespace sync_test {  // this file's names, apart from the other tests' in a unity build

using namespace std::chrono_literals;

namespace {

using weft_test::Point;
using weft_test::Recorder;

using weft_test::expect_ok;
using weft_test::opts;

// Every other goroutine runs until it blocks (or ends) before this returns.
void settle() { weft::sleep(1ms); }

// The message of the weft::Panic that f raises ("" if none).
template <class F>
std::string panic_of(F f) {
  try {
    f();
  } catch (const weft::Panic& p) {
    return p.what();
  }
  return "";
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// =======================================================================================
// Mutex

// Several goroutines do read; yield; write on a shared counter. The yield inside the critical
// section is a scheduling point, so only the lock keeps the count exact.
void racy_counter(weft::Mutex* mu) {
  weft::WaitGroup wg;
  int n = 0;
  for (int g = 0; g < 3; ++g) {
    wg.add(1);
    weft::go([&] {
      for (int k = 0; k < 3; ++k) {
        if (mu) mu->lock();
        int v = n;
        weft::yield();
        n = v + 1;
        if (mu) mu->unlock();
      }
      wg.done();
    });
  }
  wg.wait();
  weft::check(n == 9, "counter is exact");
}

TEST(SyncMutex, CounterUnderLockIsAlwaysExact) {
  expect_ok([] {
    weft::Mutex mu;
    racy_counter(&mu);
  }, 500);
}

TEST(SyncMutex, SameCounterWithoutLockLosesUpdates) {
  auto r = weft::explore([] { racy_counter(nullptr); }, opts(500));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::assertion);
  EXPECT_TRUE(starts_with(r.failure->report, "assertion failed: counter is exact\n"))
      << r.failure->report;
}

TEST(SyncMutex, TryLock) {
  expect_ok([] {
    weft::Mutex mu;
    weft::check(mu.try_lock(), "free mutex");
    weft::check(!mu.try_lock(), "held mutex (even by the same goroutine: not reentrant)");
    auto res = weft::make_chan<bool>();
    weft::go([&, res] { res.send(mu.try_lock()); });
    weft::check(!res.recv(), "held by another goroutine");
    mu.unlock();
    weft::go([&, res] { res.send(mu.try_lock()); });
    weft::check(res.recv(), "free again");
    weft::check(!mu.try_lock(), "the other goroutine holds it now");
    mu.unlock();  // Go: a Mutex is not tied to a goroutine
  }, 50);
}

TEST(SyncMutex, StandardLockWrappers) {
  expect_ok([] {
    weft::Mutex a, b;
    int n = 0;
    weft::WaitGroup wg;
    for (int g = 0; g < 2; ++g) {
      wg.add(1);
      weft::go([&] {
        {
          std::lock_guard l(a);
          int v = n;
          weft::yield();
          n = v + 1;
        }
        {
          std::unique_lock l(a, std::defer_lock);
          weft::check(!l.owns_lock(), "deferred");
          l.lock();
          int v = n;
          weft::yield();
          n = v + 1;
          l.unlock();
          l.lock();
        }
        wg.done();
      });
    }
    wg.wait();
    weft::check(n == 4, "exact");
    std::unique_lock l(a, std::try_to_lock);
    weft::check(l.owns_lock(), "unlocked by every wrapper");
  }, 300);
}

TEST(SyncMutex, ScopedLockOfTwoMutexes) {
  // std::scoped_lock(a, b) avoids deadlock with std::lock's lock + try_lock back-off, in
  // whichever order each goroutine names the mutexes. The race detector is off here: its
  // lock-order graph counts an acquisition by try_lock as an ordering edge, so it reports
  // this deadlock-free idiom as a lock-order inversion (reported as a detector issue).
  auto o = opts(300);
  o.detect_races = false;
  auto r = weft::explore([] {
    weft::Mutex a, b;
    int n = 0;
    weft::WaitGroup wg;
    for (int g = 0; g < 2; ++g) {
      wg.add(1);
      weft::go([&, g] {
        for (int k = 0; k < 2; ++k) {
          if (g == 0) {
            std::scoped_lock l(a, b);
            int v = n;
            weft::yield();
            n = v + 1;
          } else {
            std::scoped_lock l(b, a);
            int v = n;
            weft::yield();
            n = v + 1;
          }
        }
        wg.done();
      });
    }
    wg.wait();
    weft::check(n == 4, "exact");
    weft::check(a.try_lock() && b.try_lock(), "both released");
    a.unlock();
    b.unlock();
  }, o);
  EXPECT_TRUE(r.ok()) << r;
}

TEST(SyncMutex, UnlockOfUnlockedMutexPanics) {
  expect_ok([] {
    weft::Mutex mu;
    weft::check(panic_of([&] { mu.unlock(); }) == "sync: unlock of unlocked mutex", "fresh");
    mu.lock();
    mu.unlock();
    weft::check(panic_of([&] { mu.unlock(); }) == "sync: unlock of unlocked mutex", "twice");
    weft::check(mu.try_lock(), "still usable after the panic");
    mu.unlock();
  }, 5);
}

TEST(SyncMutex, UnlockOfUnlockedMutexFailsTheIterationAsAPanic) {
  auto r = weft::explore([] {
    weft::Mutex mu;
    mu.unlock();
  }, opts(5));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::panic);
  EXPECT_TRUE(starts_with(r.failure->report,
                          "panic: sync: unlock of unlocked mutex\n\ngoroutine 1 [running]:\n"))
      << r.failure->report;
}

TEST(SyncMutex, LockOrderDeadlockIsFound) {
  auto o = opts(500);
  o.detect_races = false;  // the deadlock itself, not the lock-order warning
  auto r = weft::explore([] {
    auto a = std::make_shared<weft::Mutex>();
    auto b = std::make_shared<weft::Mutex>();
    auto wg = std::make_shared<weft::WaitGroup>();
    wg->add(2);
    weft::go([a, b, wg] {
      std::lock_guard la(*a);
      std::lock_guard lb(*b);
      wg->done();
    });
    weft::go([a, b, wg] {
      std::lock_guard lb(*b);
      std::lock_guard la(*a);
      wg->done();
    });
    wg->wait();
  }, o);
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.failure->kind, weft::FailureKind::deadlock) << r;
  const std::string& rep = r.failure->report;
  EXPECT_TRUE(starts_with(rep, "all goroutines are asleep - deadlock!\n")) << rep;
  EXPECT_NE(rep.find("goroutine 1 [sync.WaitGroup.Wait]:"), std::string::npos) << rep;
  EXPECT_NE(rep.find("goroutine 2 [sync.Mutex.Lock]:"), std::string::npos) << rep;
  EXPECT_NE(rep.find("goroutine 3 [sync.Mutex.Lock]:"), std::string::npos) << rep;
}

// An unlock is not a scheduling point (controlled.hpp): a critical section with no other
// visible operation in it runs as one step. The one outcome a point at the unlock reached
// that the point after it does not, a try_lock failing while that section holds the lock,
// must still be explored: dfs reaches both answers.
TEST(SyncMutex, TryLockCanFailInsideACriticalSectionWithNoOtherOperation) {
  std::set<bool> answers;
  weft::ExploreResult r = weft::explore(
      [&] {
        weft::Mutex mu;
        weft::WaitGroup wg;
        bool got = false;
        wg.add(2);
        weft::go([&] {
          mu.lock();
          mu.unlock();
          wg.done();
        });
        weft::go([&] {
          got = mu.try_lock();
          if (got) mu.unlock();
          wg.done();
        });
        wg.wait();
        answers.insert(got);
      },
      weft_test::opts(weft::StrategyKind::dfs, 10'000));
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_TRUE(r.exhausted);
  EXPECT_EQ(answers, (std::set<bool>{false, true}));
}

// Two tries in a row, both inside one critical section with nothing else in it, both fail
// on real hardware: the second may be ordered from the first one's point too, so dfs reaches
// 0, 1 and 2 failures (and a std::mutex the same).
template <class M>
std::set<int> failures_of_two_tries() {
  std::set<int> failures;
  weft::ExploreResult r = weft::explore(
      [&] {
        M mu;
        weft::WaitGroup wg;
        int failed = 0;
        wg.add(2);
        weft::go([&] {
          mu.lock();
          mu.unlock();
          wg.done();
        });
        weft::go([&] {
          for (int i = 0; i < 2; ++i) {
            if (mu.try_lock()) {
              mu.unlock();
              break;
            }
            ++failed;
          }
          wg.done();
        });
        wg.wait();
        failures.insert(failed);
      },
      weft_test::opts(weft::StrategyKind::dfs, 10'000));
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_TRUE(r.exhausted);
  return failures;
}

TEST(SyncMutex, TwoTriesInARowCanBothFailInsideOneCriticalSection) {
  EXPECT_EQ(failures_of_two_tries<weft::Mutex>(), (std::set<int>{0, 1, 2}));
  EXPECT_EQ(failures_of_two_tries<std::mutex>(), (std::set<int>{0, 1, 2}));
}

// ...but not forever: a loop spinning on try_lock against a section that released the lock
// fails at most a few tries in a row that way, so dfs exhausts its schedules (an unbounded
// streak made the tree infinite and ended at the step limit as a false livelock).
TEST(SyncMutex, ASpinOnTryLockFailsBeforeAReleaseOnlyAFewTimes) {
  std::set<int> failures;
  weft::ExploreOptions o = weft_test::opts(weft::StrategyKind::dfs, 10'000);
  o.max_steps = 5'000;
  weft::ExploreResult r = weft::explore(
      [&] {
        weft::Mutex mu;
        weft::WaitGroup wg;
        wg.add(1);
        weft::go([&] {
          mu.lock();
          mu.unlock();
          wg.done();
        });
        int failed = 0;
        while (!mu.try_lock()) ++failed;
        mu.unlock();
        wg.wait();
        failures.insert(failed);
      },
      o);
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_TRUE(r.exhausted) << r;
  EXPECT_EQ(failures, (std::set<int>{0, 1, 2, 3}));
}

// ...and its failing schedule replays: the choice is in the token.
TEST(SyncMutex, TryLockFailingBeforeAnUnlockReplaysFromItsToken) {
  auto body = [] {
    weft::Mutex mu;
    weft::WaitGroup wg;
    wg.add(1);
    weft::go([&] {
      mu.lock();
      mu.unlock();
      wg.done();
    });
    const bool got = mu.try_lock();
    if (got) mu.unlock();
    wg.wait();
    weft::check(got, "try_lock failed");
  };
  weft::ExploreResult r = weft::explore(body, weft_test::opts(weft::StrategyKind::dfs, 10'000));
  ASSERT_FALSE(r.ok());
  ASSERT_TRUE(r.failure.has_value());
  EXPECT_TRUE(r.check.replayed);
  EXPECT_EQ(r.check.nondeterminism, "") << r;
  weft::ExploreOptions again = weft_test::opts(weft::StrategyKind::replay, 1);
  again.replay = r.token;
  weft::ExploreResult replayed = weft::explore(body, again);
  ASSERT_FALSE(replayed.ok());
  EXPECT_NE(replayed.failure->report.find("try_lock failed"), std::string::npos) << replayed;
}

// No failure is invented: a try_lock by a goroutine that reached its scheduling point after
// the last unlock (here: created after it) always takes a free mutex.
TEST(SyncMutex, TryLockNeverFailsOnAMutexFreeSinceTheTryingGoroutineArrived) {
  weft::ExploreResult r = weft::explore(
      [] {
        weft::Mutex mu;
        auto released = weft::make_chan<weft::Unit>();
        auto got = weft::make_chan<bool>();
        weft::go([&, released] {
          mu.lock();
          mu.unlock();
          released.send({});
        });
        released.recv();
        weft::go([&, got] {
          const bool ok = mu.try_lock();
          if (ok) mu.unlock();
          got.send(ok);
        });
        weft::check(got.recv(), "a free mutex refused a try_lock");
      },
      weft_test::opts(weft::StrategyKind::dfs, 10'000));
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_TRUE(r.exhausted);
}

TEST(SyncMutex, EitherGoroutineCanWinTheLock) {
  std::set<int> first;
  expect_ok([&] {
    weft::Mutex mu;
    weft::WaitGroup wg;
    std::optional<int> winner;
    for (int id = 0; id < 2; ++id) {
      wg.add(1);
      weft::go([&, id] {
        {
          std::lock_guard l(mu);
          if (!winner) winner = id;
        }
        wg.done();  // after the unlock: main's locals die once Wait returns
      });
    }
    wg.wait();
    first.insert(*winner);
  });
  EXPECT_EQ(first, (std::set<int>{0, 1}));
}

TEST(SyncMutex, WokenWaiterCanBeBargedPast) {
  // Go's normal mode: Unlock wakes a waiter, but a goroutine arriving at Lock meanwhile may
  // take the mutex first. Both outcomes occur under exploration.
  std::set<std::string> outcomes;
  expect_ok([&] {
    weft::Mutex mu;
    std::string order;
    weft::WaitGroup wg;
    mu.lock();
    wg.add(1);
    weft::go([&] {
      mu.lock();  // blocks: main holds it
      order += "W";
      mu.unlock();
      wg.done();
    });
    settle();  // W is parked in Lock
    weft::check(order.empty(), "W waits while main holds the lock");
    mu.unlock();
    mu.lock();  // races with the woken W
    order += "M";
    mu.unlock();
    wg.wait();
    outcomes.insert(order);
  });
  EXPECT_EQ(outcomes, (std::set<std::string>{"MW", "WM"}));
}

TEST(SyncMutex, LockBlocksUntilUnlock) {
  expect_ok([] {
    weft::Mutex mu;
    bool got = false;
    auto done = weft::make_chan<int>();
    mu.lock();
    weft::go([&, done] {
      mu.lock();
      got = true;
      mu.unlock();
      done.send(0);
    });
    weft::sleep(1h);
    weft::check(!got, "Lock returned while the mutex was held");
    mu.unlock();
    done.recv();
    weft::check(got, "Lock returned after Unlock");
  }, 50);
}

// =======================================================================================
// RWMutex

TEST(SyncRWMutex, ManyReadersHoldItAtOnce) {
  expect_ok([] {
    weft::RWMutex rw;
    auto inside = weft::make_chan<int>();
    auto leave = weft::make_chan<weft::Unit>();
    rw.lock_shared();
    for (int i = 0; i < 3; ++i)
      weft::go([&, inside, leave, i] {
        rw.lock_shared();
        inside.send(i);  // reported while holding the read lock
        leave.recv();
        rw.unlock_shared();
      });
    for (int i = 0; i < 3; ++i) inside.recv();  // main still holds its read lock, too
    weft::check(rw.try_lock_shared(), "another reader gets in");
    weft::check(!rw.try_lock(), "no writer while readers hold it");
    rw.unlock_shared();
    leave.close();
    rw.unlock_shared();
    rw.lock();  // every reader leaves eventually
    rw.unlock();
  });
}

TEST(SyncRWMutex, WriterExcludesReadersAndWriters) {
  expect_ok([] {
    weft::RWMutex rw;
    int readers_in = 0, writers_in = 0;
    weft::WaitGroup wg;
    rw.lock();
    wg.add(2);
    weft::go([&] {
      weft::check(!rw.try_lock_shared(), "TryRLock while write-locked");
      rw.lock_shared();
      ++readers_in;
      rw.unlock_shared();
      wg.done();
    });
    weft::go([&] {
      weft::check(!rw.try_lock(), "TryLock while write-locked");
      rw.lock();
      ++writers_in;
      rw.unlock();
      wg.done();
    });
    settle();
    weft::check(readers_in == 0 && writers_in == 0, "excluded while the writer holds it");
    rw.unlock();
    wg.wait();
    weft::check(readers_in == 1 && writers_in == 1, "both got in afterwards");
  });
}

TEST(SyncRWMutex, ReadersExcludeWriters) {
  expect_ok([] {
    weft::RWMutex rw;
    bool wrote = false;
    auto done = weft::make_chan<int>();
    rw.rlock();
    weft::go([&, done] {
      rw.lock();
      wrote = true;
      rw.unlock();
      done.send(0);
    });
    settle();
    weft::check(!wrote, "writer got in while a reader holds the lock");
    rw.runlock();
    done.recv();
    weft::check(wrote, "writer got in after the last RUnlock");
  });
}

TEST(SyncRWMutex, BlockedWriterKeepsNewReadersOut) {
  // Go: "If any goroutine calls Lock while the lock is already held by one or more readers,
  // concurrent calls to RLock will block until the writer has acquired (and released) the
  // lock." Reader holds; writer blocks; a new reader must wait for the writer's turn.
  expect_ok([] {
    weft::RWMutex rw;
    std::string order;
    weft::WaitGroup wg;
    rw.rlock();
    wg.add(2);
    weft::go([&] {
      rw.lock();
      order += "W";
      weft::yield();
      rw.unlock();
      wg.done();
    });
    settle();  // the writer is parked in Lock
    weft::check(!rw.try_lock_shared(), "TryRLock while a writer waits");
    bool tried = true;
    weft::go([&] {
      tried = rw.try_lock_shared();
      rw.rlock();
      order += "R";
      rw.runlock();
      wg.done();
    });
    settle();  // the new reader is parked in RLock
    weft::check(!tried, "the new reader's TryRLock failed");
    weft::check(order.empty(), "nobody got in while the first reader holds the lock");
    rw.runlock();  // hands the lock to the writer
    wg.wait();
    weft::check(order == "WR", "the waiting writer went before the later reader");
  });
}

TEST(SyncRWMutex, WriterUnlockAdmitsEveryQueuedReader) {
  expect_ok([] {
    weft::RWMutex rw;
    auto inside = weft::make_chan<int>();
    auto leave = weft::make_chan<weft::Unit>();
    rw.lock();
    for (int i = 0; i < 3; ++i)
      weft::go([&, inside, leave] {
        rw.rlock();
        inside.send(0);
        leave.recv();
        rw.runlock();
      });
    settle();
    weft::check(inside.try_recv().status == weft::RecvStatus::would_block, "all queued");
    rw.unlock();
    for (int i = 0; i < 3; ++i) inside.recv();  // all three hold the read lock together
    leave.close();
    rw.lock();
    rw.unlock();
  });
}

TEST(SyncRWMutex, ReadersSeeConsistentStateWhileWritersUpdate) {
  expect_ok([] {
    weft::RWMutex rw;
    int a = 0, b = 0;  // invariant under the lock: a == b
    weft::WaitGroup wg;
    for (int w = 0; w < 2; ++w) {
      wg.add(1);
      weft::go([&] {
        for (int k = 0; k < 2; ++k) {
          std::unique_lock l(rw);
          int v = a;
          ++a;
          weft::yield();
          b = v + 1;
        }
        wg.done();
      });
    }
    for (int r = 0; r < 2; ++r) {
      wg.add(1);
      weft::go([&] {
        for (int k = 0; k < 2; ++k) {
          std::shared_lock l(rw);
          int x = a;
          weft::yield();
          weft::check(x == b && a == x, "torn read under RLock");
        }
        wg.done();
      });
    }
    wg.wait();
    weft::check(a == 4 && b == 4, "writers excluded each other");
  }, 400);
}

TEST(SyncRWMutex, RUnlockOfUnlockedPanics) {
  expect_ok([] {
    weft::RWMutex rw;
    const std::string msg = "sync: RUnlock of unlocked RWMutex";
    weft::check(panic_of([&] { rw.unlock_shared(); }) == msg, "fresh");
    rw.rlock();
    rw.runlock();
    weft::check(panic_of([&] { rw.runlock(); }) == msg, "after the last RUnlock");
    rw.lock();
    weft::check(panic_of([&] { rw.runlock(); }) == msg, "write-locked, no reader");
    rw.unlock();
  }, 5);
  auto r = weft::explore([] {
    weft::RWMutex rw;
    rw.runlock();
  }, opts(5));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::panic);
  EXPECT_TRUE(starts_with(r.failure->report, "panic: sync: RUnlock of unlocked RWMutex\n"))
      << r.failure->report;
}

TEST(SyncRWMutex, UnlockOfUnlockedPanics) {
  expect_ok([] {
    weft::RWMutex rw;
    const std::string msg = "sync: Unlock of unlocked RWMutex";
    weft::check(panic_of([&] { rw.unlock(); }) == msg, "fresh");
    rw.lock();
    rw.unlock();
    weft::check(panic_of([&] { rw.unlock(); }) == msg, "twice");
    rw.rlock();
    weft::check(panic_of([&] { rw.unlock(); }) == msg, "read-locked only");
    rw.runlock();
    weft::check(rw.try_lock(), "still usable");
    rw.unlock();
  }, 5);
}

TEST(SyncRWMutex, GoNamesAndStandardWrappers) {
  expect_ok([] {
    weft::RWMutex rw;
    rw.rlock();
    rw.rlock();  // recursive read locking is allowed when no writer waits
    weft::check(!rw.try_lock(), "read-locked twice");
    rw.runlock();
    weft::check(!rw.try_lock(), "one reader left");
    rw.runlock();
    weft::check(rw.try_lock(), "free");
    rw.unlock();
    {
      std::shared_lock s(rw);
      weft::check(s.owns_lock() && !rw.try_lock(), "std::shared_lock");
    }
    {
      std::unique_lock u(rw);
      weft::check(u.owns_lock() && !rw.try_lock_shared(), "std::unique_lock");
    }
    std::shared_lock s(rw, std::try_to_lock);
    weft::check(s.owns_lock(), "released by both wrappers");
  }, 5);
}

// Unlock and RUnlock are not scheduling points under weft::explore (sync.cpp, "RWMutex"):
// each section adds one step (its Lock or RLock), not two.
TEST(SyncRWMutex, UnlocksAreNotSchedulingPoints) {
  using weft_test::steps_of_sections;
  EXPECT_EQ(steps_of_sections<weft::RWMutex>(5, true) - steps_of_sections<weft::RWMutex>(1, true),
            4u)
      << "Lock/Unlock";
  EXPECT_EQ(
      steps_of_sections<weft::RWMutex>(5, false) - steps_of_sections<weft::RWMutex>(1, false), 4u)
      << "RLock/RUnlock";
}

// The one outcome a point at the release reached that the point after it does not, a
// try-lock failing inside that section, is still reached, and none is invented.
TEST(SyncRWMutex, TryLocksCanFailInsideASectionWithNoOtherOperation) {
  weft_test::expect_try_locks_fail_inside_a_short_section_where_they_can<weft::RWMutex>();
}

TEST(SyncRWMutex, TryLocksNeverFailOnALockFreeSinceTheTryingGoroutineArrived) {
  weft_test::expect_try_locks_take_a_lock_released_before_they_came<weft::RWMutex>();
}

// A writer's Unlock admits the readers queued so far ahead of a waiting writer, so a reader
// that the first writer's section itself lets go (here through `gate`) can read between the
// two writers' sections, though that section has no scheduling point after the gate: in the
// schedule where the second writer's Lock comes after the Unlock, the reader's RLock comes
// first (sync.cpp, "RWMutex"). Every order of the three sections is reached.
TEST(SyncRWMutex, AReaderLetGoInsideAWritersSectionCanReadBeforeTheNextWriter) {
  std::set<std::string> orders;
  weft::ExploreResult r = weft::explore(
      [&] {
        weft::RWMutex rw;
        weft::WaitGroup wg, gate;
        std::string order;
        gate.add(1);
        wg.add(2);
        weft::go([&] {
          rw.lock();
          order += "W";
          rw.unlock();
          wg.done();
        });
        weft::go([&] {
          gate.wait();
          rw.rlock();
          order += "R";
          rw.runlock();
          wg.done();
        });
        rw.lock();
        order += "A";
        gate.done();
        rw.unlock();
        wg.wait();
        orders.insert(order);
      },
      weft_test::opts(weft::StrategyKind::dfs, 100'000));
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_TRUE(r.exhausted);
  EXPECT_EQ(orders, (std::set<std::string>{"ARW", "AWR", "WAR"}));
}

// =======================================================================================
// WaitGroup

TEST(SyncWaitGroup, WaitReturnsAfterEveryDone) {
  expect_ok([] {
    weft::WaitGroup wg;
    std::vector<bool> finished(4, false);
    for (int i = 0; i < 4; ++i) {
      wg.add(1);
      weft::go([&, i] {
        weft::yield();
        finished[i] = true;
        wg.done();
      });
    }
    wg.wait();
    for (bool f : finished) weft::check(f, "Wait returned before a Done");
  }, 300);
}

TEST(SyncWaitGroup, AddWithALargerDeltaAndSeveralWaiters) {
  expect_ok([] {
    weft::WaitGroup wg;
    int done_count = 0;
    wg.add(3);
    auto out = weft::make_chan<int>(2);
    for (int w = 0; w < 2; ++w)
      weft::go([&, out] {
        wg.wait();
        out.send(done_count);
      });
    for (int i = 0; i < 3; ++i)
      weft::go([&] {
        ++done_count;
        wg.done();
      });
    weft::check(out.recv() == 3 && out.recv() == 3, "every waiter released after the 3rd Done");
  });
}

TEST(SyncWaitGroup, WaitWithZeroCounterReturnsImmediately) {
  expect_ok([] {
    weft::WaitGroup wg;
    auto t0 = weft::Clock::now();
    wg.wait();
    wg.add(0);
    wg.wait();
    wg.add(2);
    wg.add(-2);
    wg.wait();
    weft::check(weft::Clock::now() == t0, "no time passed");
  }, 5);
}

TEST(SyncWaitGroup, NegativeCounterPanics) {
  expect_ok([] {
    weft::WaitGroup wg;
    const std::string msg = "sync: negative WaitGroup counter";
    weft::check(panic_of([&] { wg.done(); }) == msg, "Done on zero");
    wg.add(1);
    weft::check(panic_of([&] { wg.add(-2); }) == msg, "Add(-2) on one");
  }, 5);
  auto r = weft::explore([] {
    weft::WaitGroup wg;
    wg.add(1);
    wg.done();
    wg.done();
  }, opts(5));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::panic);
  EXPECT_TRUE(starts_with(r.failure->report, "panic: sync: negative WaitGroup counter\n"))
      << r.failure->report;
}

TEST(SyncWaitGroup, ReusableAfterWaitReturned) {
  expect_ok([] {
    weft::WaitGroup wg;
    for (int round = 0; round < 2; ++round) {
      int n = 0;
      for (int i = 0; i < 3; ++i) {
        wg.add(1);
        weft::go([&] {
          ++n;
          wg.done();
        });
      }
      wg.wait();
      weft::check(n == 3, "round complete");
    }
  });
}

TEST(SyncWaitGroup, AddBeforeReleasedWaitReturnedPanicsInTheWaiter) {
  // Go's WaitGroup.Wait: once woken it panics "sync: WaitGroup is reused before previous
  // Wait has returned" if the state is no longer zero, i.e. someone called Add after the
  // counter reached zero but before this Wait returned. The worker's Done releases main;
  // its next Add races with main's return from Wait: some schedules let main return first
  // (fine), others panic in main (goroutine 1).
  auto body = [] {
    auto wg = std::make_shared<weft::WaitGroup>();  // outlives main when main panics
    wg->add(1);
    weft::go([wg] {
      wg->done();
      wg->add(1);  // reuse: may precede main's return from Wait
      wg->done();
    });
    wg->wait();
  };
  // The worker's second Add raises the counter from zero unordered with main's blocking Wait:
  // with race detection that is reported first (WaitGroupRule below); this test is about the
  // panic itself, so detection is off.
  auto no_race = [](std::uint64_t iterations) {
    weft::ExploreOptions o = opts(iterations);
    o.detect_races = false;
    return o;
  };
  auto r = weft::explore(body, no_race(500));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::panic);
  EXPECT_TRUE(starts_with(r.failure->report,
                          "panic: sync: WaitGroup is reused before previous Wait has returned\n\n"
                          "goroutine 1 [running]:\n"))
      << r.failure->report;
  // ...and not every schedule panics.
  bool some_ok = false;
  for (std::uint64_t seed = 1; seed <= 20 && !some_ok; ++seed) {
    auto o = no_race(1);
    o.seed = seed;
    some_ok = weft::explore(body, o).ok();
  }
  EXPECT_TRUE(some_ok);
  // With detection on, the same misuse is a data race naming both WaitGroup calls.
  auto raced = weft::explore(body, opts(500));
  ASSERT_FALSE(raced.ok());
  EXPECT_EQ(raced.failure->kind, weft::FailureKind::data_race) << raced;
  EXPECT_NE(raced.failure->report.find("WaitGroup misuse"), std::string::npos) << raced;
}

// =======================================================================================
// Once

TEST(SyncOnce, FunctionRunsExactlyOnce) {
  expect_ok([] {
    weft::Once once;
    int calls = 0, other = 0;
    weft::WaitGroup wg;
    for (int i = 0; i < 5; ++i) {
      wg.add(1);
      weft::go([&] {
        once.do_([&] { ++calls; });
        weft::check(calls == 1, "Do returned before f ran");
        wg.done();
      });
    }
    once.do_([&] { ++calls; });
    wg.wait();
    once.do_([&] { ++other; });  // a different f: still not called
    weft::check(calls == 1 && other == 0, "exactly once");
  }, 300);
}

TEST(SyncOnce, ConcurrentCallersWaitForTheFunction) {
  expect_ok([] {
    weft::Once once;
    int value = 0;
    weft::WaitGroup wg;
    for (int i = 0; i < 3; ++i) {
      wg.add(1);
      weft::go([&] {
        once.do_([&] {
          weft::sleep(1s);  // slow initialisation
          weft::yield();
          value = 42;
        });
        weft::check(value == 42, "Do returned before the initialisation finished");
        weft::check(weft::Clock::now() >= weft::Clock::time_point(1s), "did not wait");
        wg.done();
      });
    }
    wg.wait();
  });
}

TEST(SyncOnce, PanicInFunctionStillCountsAsDone) {
  expect_ok([] {
    weft::Once once;
    int calls = 0;
    std::string msg = panic_of([&] {
      once.do_([&] {
        ++calls;
        throw weft::Panic("boom");
      });
    });
    weft::check(msg == "boom", "the panic propagates to the caller");
    once.do_([&] { ++calls; });
    weft::check(calls == 1, "f is not called again after it panicked");
  }, 5);
}

TEST(SyncOnce, ExceptionInFunctionStillCountsAsDoneForWaitingCallers) {
  expect_ok([] {
    weft::Once once;
    int calls = 0;
    bool caught = false, second_returned = false;
    weft::WaitGroup wg;
    wg.add(2);
    weft::go([&] {
      try {
        once.do_([&] {
          ++calls;
          weft::sleep(1s);  // the second caller arrives and waits meanwhile
          throw std::runtime_error("init failed");
        });
      } catch (const std::runtime_error& e) {
        caught = std::string(e.what()) == "init failed";
      }
      wg.done();
    });
    weft::go([&] {
      weft::sleep(1ms);
      once.do_([&] { ++calls; });
      second_returned = true;
      wg.done();
    });
    wg.wait();
    weft::check(caught, "the exception reached the first caller");
    weft::check(second_returned && calls == 1, "the waiting caller returned without calling f");
  });
}

// =======================================================================================
// Cond

TEST(SyncCond, SignalWakesOneBroadcastWakesAll) {
  expect_ok([] {
    weft::Mutex mu;
    weft::Cond cond(mu);
    int waiting = 0, woken = 0;
    weft::WaitGroup wg;
    for (int i = 0; i < 3; ++i) {
      wg.add(1);
      weft::go([&] {
        mu.lock();
        ++waiting;
        cond.wait();
        ++woken;
        mu.unlock();
        wg.done();
      });
    }
    settle();
    weft::check(waiting == 3 && woken == 0, "all three waiting");
    cond.signal();
    settle();
    weft::check(woken == 1, "Signal wakes exactly one waiter");
    cond.signal();
    settle();
    weft::check(woken == 2, "the next Signal wakes the next");
    mu.lock();
    cond.broadcast();  // callers may hold the lock
    mu.unlock();
    wg.wait();
    weft::check(woken == 3, "Broadcast wakes the rest");
  });
  expect_ok([] {
    weft::Mutex mu;
    weft::Cond cond(mu);
    int woken = 0;
    weft::WaitGroup wg;
    for (int i = 0; i < 4; ++i) {
      wg.add(1);
      weft::go([&] {
        {
          std::lock_guard l(mu);
          cond.wait();
          ++woken;
        }
        wg.done();
      });
    }
    settle();
    cond.broadcast();
    wg.wait();
    weft::check(woken == 4, "Broadcast wakes every waiter");
  });
}

TEST(SyncCond, WaitReacquiresTheLockBeforeReturning) {
  expect_ok([] {
    weft::Mutex mu;
    weft::Cond cond(mu);
    bool signaller_done = false, held_after_wait = false;
    auto done = weft::make_chan<int>();
    weft::go([&, done] {
      mu.lock();
      cond.wait();  // unlocks mu while waiting
      held_after_wait = !mu.try_lock();
      weft::check(signaller_done, "Wait returned while the signaller still held the lock");
      mu.unlock();
      done.send(0);
    });
    settle();
    weft::check(mu.try_lock(), "Wait released the lock");  // main now holds it
    cond.signal();
    weft::yield();
    weft::yield();
    signaller_done = true;
    mu.unlock();
    done.recv();
    weft::check(held_after_wait, "Wait returned without the lock");
  });
}

TEST(SyncCond, SignalWithoutWaitersIsNotRemembered) {
  expect_ok([] {
    weft::Mutex mu;
    weft::Cond cond(mu);
    bool woke = false;
    cond.signal();
    cond.broadcast();
    weft::go([&] {
      mu.lock();
      cond.wait();
      woke = true;
      mu.unlock();
    });
    settle();
    weft::check(!woke, "an earlier Signal woke a later Wait");
    cond.signal();
    settle();
    weft::check(woke, "the Signal after Wait woke it");
  });
}

TEST(SyncCond, NoLostWakeupWithPredicateLoop) {
  // The canonical pattern; the waiter's Unlock inside Wait is a scheduling point, so the
  // signaller can run between "enqueued" and "parked": the wakeup must not be lost (else
  // this deadlocks in some interleaving).
  expect_ok([] {
    weft::Mutex mu;
    weft::Cond cond(mu);
    bool ready = false;
    auto finished = weft::make_chan<int>(1);
    weft::go([&, finished] {
      mu.lock();
      ready = true;
      mu.unlock();
      cond.signal();  // Go allows signalling without holding the lock
      finished.send(0);
    });
    mu.lock();
    while (!ready) cond.wait();
    mu.unlock();
    finished.recv();  // cond must outlive the signaller's Signal
  }, 1000);
}

TEST(SyncCond, BoundedQueueProducersConsumers) {
  expect_ok([] {
    weft::Mutex mu;
    weft::Cond not_empty(mu), not_full(mu);
    std::vector<int> q;
    constexpr std::size_t cap = 2;
    constexpr int per_producer = 4;
    int consumed_sum = 0, consumed = 0;
    weft::WaitGroup wg;
    for (int p = 0; p < 2; ++p) {
      wg.add(1);
      weft::go([&, p] {
        for (int k = 1; k <= per_producer; ++k) {
          std::unique_lock l(mu);
          while (q.size() == cap) not_full.wait();
          q.push_back(p * 100 + k);
          not_empty.signal();
        }
        wg.done();
      });
    }
    for (int c = 0; c < 2; ++c) {
      wg.add(1);
      weft::go([&] {
        for (int k = 0; k < per_producer; ++k) {
          std::unique_lock l(mu);
          while (q.empty()) not_empty.wait();
          consumed_sum += q.front();
          ++consumed;
          q.erase(q.begin());
          not_full.signal();
        }
        wg.done();
      });
    }
    wg.wait();
    weft::check(consumed == 8 && q.empty(), "every item consumed once");
    weft::check(consumed_sum == (1 + 2 + 3 + 4) + (101 + 102 + 103 + 104), "sum");
  }, 500);
}

TEST(SyncCond, WorksWithAnRWMutexAsItsLocker) {
  expect_ok([] {
    weft::RWMutex rw;
    weft::Cond cond(rw);
    bool ready = false;
    weft::go([&] {
      rw.lock();
      ready = true;
      cond.broadcast();
      rw.unlock();
    });
    rw.lock();
    while (!ready) cond.wait();
    weft::check(!rw.try_lock_shared(), "write lock re-acquired");
    rw.unlock();
  });
}

// =======================================================================================
// Happens-before (Go memory model) through the recorder.

weft::ExploreOptions hb_opts(Recorder& rec, std::uint64_t iterations = 200) {
  auto o = opts(iterations);
  o.sinks = {&rec};
  return o;
}

template <class F>
void expect_hb_ok(Recorder& rec, F body, std::uint64_t iterations = 200) {
  auto r = weft::explore(body, hb_opts(rec, iterations));
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_FALSE(rec.misuse);
  EXPECT_EQ(rec.iterations_ended, iterations);
}

TEST(SyncHappensBefore, MutexUnlockBeforeNextLock) {
  Recorder rec;
  expect_hb_ok(rec, [&] {
    weft::Mutex mu;
    weft::WaitGroup wg;
    std::optional<Point> in[2], after[2];
    std::vector<int> order;
    for (int i = 0; i < 2; ++i) {
      wg.add(1);
      weft::go([&, i] {
        mu.lock();
        order.push_back(i);
        in[i] = rec.now(weft::goid());
        mu.unlock();
        after[i] = rec.now(weft::goid());
        wg.done();
      });
    }
    wg.wait();
    int f = order[0], s = order[1];
    weft::check(Recorder::happens_before(*in[f], *in[s]), "Unlock happens before the next Lock");
    weft::check(!Recorder::happens_before(*after[f], *in[s]),
                "what follows Unlock is not ordered before the next critical section");
    weft::check(Recorder::concurrent(*after[f], *after[s]), "both after-unlock points unordered");
  });
}

TEST(SyncHappensBefore, RWMutexEdges) {
  // RUnlock -> next Lock; Unlock -> next RLock; readers are not ordered with each other.
  Recorder rec;
  std::set<std::string> seen;
  expect_hb_ok(rec, [&] {
    weft::RWMutex rw;
    weft::WaitGroup wg;
    std::optional<Point> r1, r2, w;
    std::string order;
    wg.add(3);
    weft::go([&] {
      rw.rlock();
      order += "r";
      r1 = rec.now(weft::goid());
      rw.runlock();
      wg.done();
    });
    weft::go([&] {
      rw.rlock();
      order += "r";
      r2 = rec.now(weft::goid());
      rw.runlock();
      wg.done();
    });
    weft::go([&] {
      rw.lock();
      order += "w";
      w = rec.now(weft::goid());
      rw.unlock();
      wg.done();
    });
    wg.wait();
    seen.insert(order);
    if (order != "rwr")  // (r, w, r is ordered through the writer)
      weft::check(Recorder::concurrent(*r1, *r2), "two readers synchronised with each other");
    // Each reader is on one side of the writer.
    for (auto* r : {&r1, &r2}) {
      bool before = Recorder::happens_before(**r, *w);
      bool after = Recorder::happens_before(*w, **r);
      weft::check(before != after, "a reader and the writer are ordered one way");
    }
    if (order == "rrw")
      weft::check(Recorder::happens_before(*r1, *w) && Recorder::happens_before(*r2, *w),
                  "RUnlock happens before the next Lock");
    if (order == "wrr")
      weft::check(Recorder::happens_before(*w, *r1) && Recorder::happens_before(*w, *r2),
                  "Unlock happens before the next RLock");
  }, 400);
  EXPECT_TRUE(seen.count("rrw") && seen.count("wrr") && seen.count("rwr")) << seen.size();
}

TEST(SyncHappensBefore, WaitGroupDoneBeforeWaitReturns) {
  Recorder rec;
  expect_hb_ok(rec, [&] {
    weft::WaitGroup wg;
    std::optional<Point> before[3], after[3];
    auto hold = weft::make_chan<weft::Unit>();
    auto fin = weft::make_chan<int>(3);
    for (int i = 0; i < 3; ++i) {
      wg.add(1);
      weft::go([&, i, hold, fin] {
        before[i] = rec.now(weft::goid());
        wg.done();
        after[i] = rec.now(weft::goid());
        hold.recv();
        fin.send(0);
      });
    }
    wg.wait();
    Point m = rec.now(weft::goid());
    for (int i = 0; i < 3; ++i) {
      weft::check(Recorder::happens_before(*before[i], m), "Done happens before Wait returns");
      if (after[i]) weft::check(!Recorder::happens_before(*after[i], m), "after Done: unordered");
    }
    hold.close();
    for (int i = 0; i < 3; ++i) fin.recv();
  });
}

TEST(SyncHappensBefore, OnceFunctionReturnBeforeEveryDoReturns) {
  Recorder rec;
  expect_hb_ok(rec, [&] {
    weft::Once once;
    weft::WaitGroup wg;
    std::optional<Point> in_f, ret[2];
    for (int i = 0; i < 2; ++i) {
      wg.add(1);
      weft::go([&, i] {
        once.do_([&] { in_f = rec.now(weft::goid()); });
        ret[i] = rec.now(weft::goid());
        wg.done();
      });
    }
    wg.wait();
    for (int i = 0; i < 2; ++i)
      weft::check(Recorder::happens_before(*in_f, *ret[i]), "f's return happens before Do returns");
    weft::check(Recorder::concurrent(*ret[0], *ret[1]), "the two Do returns are unordered");
  });
}

TEST(SyncHappensBefore, CondSignalBeforeWokenWaitReturns) {
  // The signaller never touches the mutex, so only Cond's edge can order it.
  Recorder rec;
  expect_hb_ok(rec, [&] {
    weft::Mutex mu;
    weft::Cond cond(mu);
    std::optional<Point> woke;
    auto done = weft::make_chan<int>(1);
    weft::go([&, done] {
      mu.lock();
      cond.wait();
      woke = rec.now(weft::goid());
      mu.unlock();
      done.send(0);
    });
    settle();
    Point before = rec.now(weft::goid());
    cond.signal();
    Point after = rec.now(weft::goid());
    done.recv();
    weft::check(Recorder::happens_before(before, *woke), "Signal happens before Wait returns");
    weft::check(!Recorder::happens_before(after, *woke), "after Signal: unordered");
  });
}

// Go's race detector rule: an Add that raises a WaitGroup's counter from zero must happen
// before a Wait that blocks. weft models it as Go does (Add from zero reads the group, the
// first blocking Wait writes it), so the misuse is reported even in schedules where Wait
// happened to block until the work was done.
TEST(WaitGroupRule, AddInsideTheGoroutineIsReportedAsMisuse) {
  std::uint64_t waited_for_nothing = 0;
  auto r = weft::explore(
      [&] {
        weft::WaitGroup wg;
        int done = 0;
        weft::go([&] {
          wg.add(1);  // the bug: Add belongs before go
          done = 1;
          wg.done();
        });
        wg.wait();
        if (done == 0) ++waited_for_nothing;
        settle();
      },
      opts(200));
  ASSERT_FALSE(r.ok()) << r;
  EXPECT_EQ(r.failure->kind, weft::FailureKind::data_race) << r;
  const std::string& rep = r.failure->report;
  EXPECT_NE(rep.find("weft::WaitGroup::add"), std::string::npos) << rep;
  EXPECT_NE(rep.find("weft::WaitGroup::wait"), std::string::npos) << rep;
  EXPECT_NE(rep.find("WaitGroup misuse"), std::string::npos) << rep;
}

TEST(WaitGroupRule, TheReportedScheduleReplaysToTheSameReport) {
  auto body = [] {
    weft::WaitGroup wg;
    weft::go([&] {
      wg.add(1);
      wg.done();
    });
    wg.wait();
    settle();
  };
  auto r = weft::explore(body, opts(200));
  ASSERT_FALSE(r.ok()) << r;
  weft::ExploreOptions again = opts(1);
  again.strategy = weft::StrategyKind::replay;
  again.replay = r.token;
  auto replayed = weft::explore(body, again);
  ASSERT_FALSE(replayed.ok());
  EXPECT_EQ(replayed.failure->report, r.failure->report);
}

TEST(WaitGroupRule, CorrectUsesAreNotReported) {
  // Add before go; Add from zero in a goroutine whose send orders it before the Wait; a group
  // reused for a second round by the goroutine that waited; concurrent Adds from zero.
  expect_ok([] {
    weft::WaitGroup wg;
    for (int i = 0; i < 3; ++i) {
      wg.add(1);
      weft::go([&] { wg.done(); });
    }
    wg.wait();
  });
  expect_ok([] {
    weft::WaitGroup wg;
    auto ready = weft::make_chan<int>();
    weft::go([&, ready] {
      wg.add(1);
      ready.send(1);
      wg.done();
    });
    ready.recv();
    wg.wait();
  });
  expect_ok([] {
    weft::WaitGroup wg;
    for (int round = 0; round < 2; ++round) {
      wg.add(2);
      weft::go([&] { wg.done(); });
      weft::go([&] { wg.done(); });
      wg.wait();
    }
  });
  expect_ok([] {
    weft::WaitGroup wg;
    weft::WaitGroup started;
    started.add(2);
    for (int i = 0; i < 2; ++i) {
      weft::go([&] {
        wg.add(1);  // both may raise it from zero: two reads never race with each other
        started.done();
        wg.done();
      });
    }
    started.wait();  // orders both Adds before the Wait below
    wg.wait();
  });
}

TEST(WaitGroupRule, NotRecordedWithDetectionOff) {
  weft::ExploreOptions o = opts(200);
  o.detect_races = false;
  auto r = weft::explore(
      [] {
        weft::WaitGroup wg;
        weft::go([&] {
          wg.add(1);
          wg.done();
        });
        wg.wait();
        settle();
      },
      o);
  EXPECT_TRUE(r.ok()) << r;
}

// A guard around Cond::wait (std::unique_lock, as C++ code writes it) in an iteration that
// ends in a deadlock: teardown unwinds the waiter out of the wait without the lock, and the
// guard's unlock must not turn the deadlock report into a crash (std::terminate).
TEST(SyncCond, GuardAroundWaitInADeadlockedIterationReportsTheDeadlock) {
  auto r = weft::explore(
      [] {
        weft::Mutex mu;
        weft::Cond c(mu);
        weft::WaitGroup wg;
        weft::RWMutex rw;
        wg.add(2);
        weft::go([&] {
          std::unique_lock<weft::Mutex> l(mu);
          c.wait();  // nobody signals
          wg.done();
        });
        weft::go([&] {
          std::unique_lock<weft::RWMutex> w(rw);
          weft::Cond c2(rw);
          c2.wait();
          wg.done();
        });
        wg.wait();
      },
      opts(20));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::deadlock) << r;
  EXPECT_NE(r.failure->report.find("sync.Cond.Wait"), std::string::npos) << r;
}

// Lock-order inversions refined by gate locks: philosophers who take both forks while holding
// the waiter's lock acquire forks in a cycle, but the waiter serialises them, so no schedule
// can deadlock and nothing is reported; without the waiter the inversion is reported.
void philosophers(bool waiter_gate) {
  weft::Mutex waiter;
  weft::Mutex forks[3];
  weft::WaitGroup wg;
  wg.add(3);
  for (int i = 0; i < 3; ++i) {
    weft::go([&, i] {
      if (waiter_gate) waiter.lock();
      forks[i].lock();
      forks[(i + 1) % 3].lock();
      forks[(i + 1) % 3].unlock();
      forks[i].unlock();
      if (waiter_gate) waiter.unlock();
      wg.done();
    });
  }
  wg.wait();
}

TEST(LockOrderGates, PhilosophersUnderAWaiterAreNeverReported) {
  expect_ok([] { philosophers(true); }, 300);
}

TEST(LockOrderGates, PhilosophersWithoutAWaiterAreReported) {
  auto r = weft::explore([] { philosophers(false); }, opts(300));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.failure->kind == weft::FailureKind::lock_order ||
              r.failure->kind == weft::FailureKind::deadlock)
      << r;
}

}  // namespace

}  // namespace sync_test
