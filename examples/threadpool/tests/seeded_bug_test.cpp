// The pool built with THREADPOOL_SEED_IDLE_BUG: wait_idle() forgets the tasks that workers
// have taken but not finished. Exploration must find an interleaving where it returns
// early, and the replay token must reproduce that exact report.
#include <gtest/gtest.h>

#include <mutex>

#include "threadpool/thread_pool.hpp"
#include "weft/weft.hpp"

namespace {

void wait_idle_sees_every_task_finished() {
  tp::ThreadPool pool(2);
  std::mutex mu;
  int done = 0;
  for (int i = 0; i < 3; ++i)
    (void)pool.submit([&] {
      std::lock_guard lock(mu);
      ++done;
    });
  pool.wait_idle();
  std::lock_guard lock(mu);
  weft::check(done == 3, "wait_idle() returned before every task had finished");
}

TEST(SeededIdleBug, ExplorationFindsTheEarlyReturnAndItsTokenReplaysIt) {
  weft::ExploreOptions o;
  o.iterations = 1000;
  o.use_environment = false;
  auto r = weft::explore(wait_idle_sees_every_task_finished, o);
  ASSERT_FALSE(r.ok()) << "the seeded bug was not found in " << o.iterations << " iterations";
  EXPECT_EQ(r.failure->kind, weft::FailureKind::assertion) << r;
  EXPECT_NE(r.failure->report.find("wait_idle() returned before every task had finished"),
            std::string::npos)
      << r;

  weft::ExploreOptions replay;
  replay.use_environment = false;
  replay.strategy = weft::StrategyKind::replay;
  replay.replay = r.token;
  auto again = weft::explore(wait_idle_sees_every_task_finished, replay);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.failure->report, r.failure->report);
}

}  // namespace
