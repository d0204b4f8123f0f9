// An outside project's tests: one explored test that passes in every schedule, and one
// that checks weft finds the deadlock a lock-order inversion causes.
#include <weft/gtest.hpp>
#include <weft/weft.hpp>

#include <mutex>

WEFT_TEST(Consumer, ACounterUnderAMutexCountsEveryIncrement) {
  weft::Mutex mu;
  int count = 0;
  weft::WaitGroup wg;
  wg.add(2);
  for (int i = 0; i < 2; ++i) {
    weft::go([&] {
      std::lock_guard hold(mu);
      ++count;
      wg.done();
    });
  }
  wg.wait();
  weft::check(count == 2, "both increments counted");
}

TEST(Consumer, ALockOrderInversionIsFound) {
  weft::ExploreOptions o;
  o.iterations = 200;
  o.use_environment = false;
  auto r = weft::explore([] {
    weft::Mutex a, b;
    weft::WaitGroup wg;
    wg.add(2);
    weft::go([&] { a.lock(); b.lock(); b.unlock(); a.unlock(); wg.done(); });
    weft::go([&] { b.lock(); a.lock(); a.unlock(); b.unlock(); wg.done(); });
    wg.wait();
  }, o);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.failure->kind == weft::FailureKind::lock_order ||
              r.failure->kind == weft::FailureKind::deadlock);
}
