// ExploreOptions::first_iteration (WEFT_FIRST_ITERATION): iteration i's schedule depends only
// on (seed, i), so a run that starts at i explores exactly what iteration i of a run from 0
// explored. The weft CLI splits a seed's iterations between workers and shards on this.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "weft/weft.hpp"

namespace first_iteration_test {  // this file's names, apart from the other tests' in a unity build

namespace {

weft::ExploreOptions opts(std::uint64_t first, std::uint64_t iterations) {
  weft::ExploreOptions o;
  o.seed = 7;
  o.first_iteration = first;
  o.iterations = iterations;
  o.use_environment = false;
  return o;
}

// Three goroutines each yield a few times; the body fails on call number `fail_on` (1-based
// within this explore call), so the failing iteration's token records its schedule.
weft::ExploreResult run(std::uint64_t first, std::uint64_t iterations, int fail_on) {
  int calls = 0;
  return weft::explore([&] {
    ++calls;
    auto done = weft::make_chan<int>(3);
    for (int id = 0; id < 3; ++id)
      weft::go([done, id] {
        for (int k = 0; k < 3; ++k) weft::yield();
        done.send(id);
      });
    for (int i = 0; i < 3; ++i) (void)done.recv();
    weft::check(calls != fail_on, "the chosen call fails");
  }, opts(first, iterations));
}

TEST(FirstIteration, StartingAtIReproducesIterationIOfARunFromZero) {
  auto whole = run(0, 10, 6);  // fails in iteration index 5
  ASSERT_FALSE(whole.ok());
  EXPECT_EQ(whole.iteration, 5u);
  auto alone = run(5, 1, 1);  // only iteration index 5
  ASSERT_FALSE(alone.ok());
  EXPECT_EQ(alone.iteration, 5u);
  EXPECT_EQ(alone.token, whole.token);
  auto neighbour = run(4, 1, 1);
  ASSERT_FALSE(neighbour.ok());
  EXPECT_NE(neighbour.token, whole.token);
}

TEST(FirstIteration, CountsIterationsFromTheFirst) {
  auto r = run(100, 3, 0);
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.iterations, 3u);
  auto failing = run(100, 3, 2);
  ASSERT_FALSE(failing.ok());
  EXPECT_EQ(failing.iteration, 101u);
  EXPECT_NE(failing.to_string().find("iteration 102 "), std::string::npos) << failing;
}

TEST(FirstIteration, EnvironmentSetsFirstIterationAndTimeBudget) {
  ::setenv("WEFT_FIRST_ITERATION", "12", 1);
  ::setenv("WEFT_TIME_BUDGET", "250ms", 1);
  weft::ExploreOptions o;
  weft::apply_environment(o);
  ::unsetenv("WEFT_FIRST_ITERATION");
  ::unsetenv("WEFT_TIME_BUDGET");
  EXPECT_EQ(o.first_iteration, 12u);
  EXPECT_EQ(o.time_budget.count(), 250);
}

TEST(FirstIteration, MalformedOrOverflowingIsAConfigurationFailure) {
  ::setenv("WEFT_FIRST_ITERATION", "twelve", 1);
  weft::ExploreOptions o;
  EXPECT_THROW(weft::apply_environment(o), std::invalid_argument);
  ::unsetenv("WEFT_FIRST_ITERATION");
  auto r = weft::explore([] {}, opts(~std::uint64_t{0} - 1, 5));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::configuration);
  EXPECT_NE(r.failure->report.find("first_iteration"), std::string::npos) << r;
}

}  // namespace

}  // namespace first_iteration_test
