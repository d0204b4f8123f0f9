// The bug-kernel corpus (kernel.hpp): the default portfolio finds every buggy kernel within
// a small budget, as the kind of failure the kernel names; no fixed twin fails in a few
// hundred schedules with the race detector on; the registry covers the classes it must.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "kernel.hpp"
#include "weft/gtest.hpp"

namespace weft_bugs {

void PrintTo(const Kernel& k, std::ostream* os) { *os << k.name; }

namespace {

// Schedules the portfolio may take to find a bug: deep kernels need a long prefix that
// only a priority change point at the right step gives.
constexpr std::uint64_t kBudget = 2'000;
constexpr std::uint64_t kDeepBudget = 20'000;
// Under AddressSanitizer (a debug build, 20-40x slower) fewer: there the point is memory
// errors, which the release run's 500 schedules per twin do not need repeated.
#if defined(__SANITIZE_ADDRESS__)
constexpr std::uint64_t kFixedSchedules = 150;
#else
constexpr std::uint64_t kFixedSchedules = 500;
#endif

class BugKernel : public ::testing::TestWithParam<Kernel> {};

TEST_P(BugKernel, BuggyIsFoundAsItsKind) {
  const Kernel& k = GetParam();
  weft::ExploreOptions o = options_for(k, false);
  o.iterations = k.deep ? kDeepBudget : kBudget;
  auto r = weft::explore(k.buggy, o);
  ASSERT_FALSE(r.ok()) << k.name << ": no failure in " << r.iterations << " schedules";
  EXPECT_TRUE(k.expected(r.failure->kind))
      << "expected " << weft::failure_kind_name(k.expect) << ", found " << r;
}

TEST_P(BugKernel, FixedTwinNeverFails) {
  const Kernel& k = GetParam();
  weft::ExploreOptions o = options_for(k, true);
  o.iterations = kFixedSchedules;
  EXPECT_NO_CONCURRENCY_BUG(weft::explore(k.fixed, o));
}

INSTANTIATE_TEST_SUITE_P(Corpus, BugKernel, ::testing::ValuesIn(kernels()),
                         [](const ::testing::TestParamInfo<Kernel>& p) {
                           return std::string(p.param.name);
                         });

TEST(BugCorpus, CoversTheClassesItMust) {
  EXPECT_GE(kernels().size(), 60u);
  std::map<std::string_view, int> per_class;
  for (const Kernel& k : kernels()) ++per_class[k.bug_class];
  for (std::string_view c : {kResourceDeadlock, kCommunicationDeadlock, kMixedDeadlock, kLeak,
                             kAtomicity, kOrder, kDataRace, kChannelMisuse, kSyncMisuse,
                             kContextMisuse, kTimerMisuse, kSelectMisuse, kDeepOrder})
    EXPECT_GT(per_class[c], 0) << c;
  std::set<weft::FailureKind> kinds;
  for (const Kernel& k : kernels()) kinds.insert(k.expect);
  for (weft::FailureKind want : {weft::FailureKind::deadlock, weft::FailureKind::leak,
                                 weft::FailureKind::panic, weft::FailureKind::assertion,
                                 weft::FailureKind::data_race, weft::FailureKind::step_limit})
    EXPECT_TRUE(kinds.count(want)) << weft::failure_kind_name(want);
}

// A goroutine woken from a wait has not said what it does next (its pending operation is
// the wait): a Cond's waiter re-locks the mutex, whose unlock inside wait is no scheduling
// point. SURW must treat it as possibly conflicting, or it never lets the woken waiter in
// between two of the signaller's critical sections, and this kernel's deadlock (signal where
// broadcast was needed: the phase-2 waiter takes the phase-1 signal and queues again behind
// the phase-1 waiter) is never reached.
TEST(BugCorpus, SurwLetsAWokenWaiterInBetweenTheSignallersCriticalSections) {
  const Kernel* k = find_kernel("cond_signal_not_broadcast");
  ASSERT_NE(k, nullptr) << "the corpus has no kernel cond_signal_not_broadcast";
  weft::ExploreOptions o = options_for(*k, false);
  o.strategy = weft::StrategyKind::surw;
  o.seed = 1;
  o.iterations = 10'000;
  auto r = weft::explore(k->buggy, o);
  ASSERT_FALSE(r.ok()) << "surw never reached the deadlock in 10,000 schedules";
  EXPECT_TRUE(k->expected(r.failure->kind))
      << "expected " << weft::failure_kind_name(k->expect) << ", found " << r;
}

}  // namespace
}  // namespace weft_bugs
