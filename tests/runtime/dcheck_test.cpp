// WEFT_DCHECK (runtime/src/dcheck.hpp): in debug builds a violated invariant aborts naming
// its message, condition and line; in release builds the check costs nothing, not even
// evaluating its condition.
#include <gtest/gtest.h>

#include "dcheck.hpp"

namespace dcheck_test {  // this file's names, apart from the other tests' in a unity build

namespace {

#ifndef NDEBUG
TEST(DCheck, AViolatedInvariantAbortsNamingItsMessageConditionAndLine) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const int queued = 2;
  EXPECT_DEATH(WEFT_DCHECK(queued == 0, "the queue drains"),
               "invariant violated at .*dcheck_test\\.cpp:[0-9]+: the queue drains.*queued == 0");
}

TEST(DCheck, AnInvariantThatHoldsIsEvaluatedOnceAndContinues) {
  int evaluated = 0;
  auto holds = [&] { return ++evaluated == 1; };
  WEFT_DCHECK(holds(), "evaluated once");
  EXPECT_EQ(evaluated, 1);
}
#else
TEST(DCheck, ReleaseBuildsDoNotEvaluateTheCondition) {
  int evaluated = 0;
  auto violated = [&] { return ++evaluated == 0; };
  WEFT_DCHECK(violated(), "compiled out");
  EXPECT_EQ(evaluated, 0);
}
#endif

}  // namespace

}  // namespace dcheck_test
