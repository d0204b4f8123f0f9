// explore_util.hpp — running a test body under weft::explore from GoogleTest.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>

#include "weft/explore.hpp"

namespace kvcache::testing {

inline weft::ExploreOptions options(std::uint64_t iterations, std::uint64_t seed = 1) {
  weft::ExploreOptions o;
  o.iterations = iterations;
  o.seed = seed;
  o.use_environment = true;  // WEFT_SEED, WEFT_ITERATIONS, WEFT_REPLAY... still apply
  return o;
}

// Explores `body` and fails the test with the full report if any iteration fails.
inline void expect_clean(std::function<void()> body, std::uint64_t iterations = 200) {
  weft::ExploreResult r = weft::explore(std::move(body), options(iterations));
  EXPECT_TRUE(r.ok()) << r;
}

}  // namespace kvcache::testing
