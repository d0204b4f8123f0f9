// Stable goroutine identities (runtime/src/identity.hpp): the same logical goroutine gets the
// same identity in every schedule, although its id (creation number) changes with the order in
// which concurrent parents spawn.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "weft/weft.hpp"

namespace identity_test {  // this file's names, apart from the other tests' in a unity build

namespace {

// Per iteration: each goroutine's name with its id and its identity.
struct IdentitySink : weft::EventSink {
  struct Seen {
    weft::GoId id;
    std::uint64_t identity;
  };
  std::vector<std::map<std::string, Seen>> iterations;
  void iteration_begin() override { iterations.emplace_back(); }
  void go_start(const weft::GoroutineDesc& d) override {
    iterations.back()[std::string(d.name)] = {d.id, d.identity};
  }
};

// Three workers (one `go` site, in a loop) each yield a varying number of times, then spawn two
// helpers at one site and a logger at another. Who spawns first depends on the schedule.
void family() {
  weft::WaitGroup wg;
  wg.add(3);
  for (int w = 0; w < 3; ++w) {
    weft::go_named("worker" + std::to_string(w), [&wg, w] {
      for (int k = 0; k < w + 1; ++k) weft::yield();
      weft::WaitGroup inner;
      inner.add(3);
      for (int h = 0; h < 2; ++h)
        weft::go_named("helper" + std::to_string(w) + "." + std::to_string(h),
                       [&inner] { inner.done(); });
      weft::go_named("logger" + std::to_string(w), [&inner] { inner.done(); });
      inner.wait();
      wg.done();
    });
  }
  wg.wait();
}

void expect_stable(weft::StrategyKind strategy) {
  IdentitySink sink;
  weft::ExploreOptions o;
  o.use_environment = false;
  o.strategy = strategy;
  o.iterations = 60;
  o.sinks.push_back(&sink);
  auto r = weft::explore(family, o);
  ASSERT_TRUE(r.ok()) << r;
  ASSERT_EQ(sink.iterations.size(), 60u);
  const auto& first = sink.iterations.front();
  ASSERT_EQ(first.size(), 13u);  // main (""), 3 workers, 6 helpers, 3 loggers
  std::set<std::uint64_t> distinct;
  for (const auto& [name, seen] : first) {
    EXPECT_NE(seen.identity, 0u) << name;
    distinct.insert(seen.identity);
  }
  EXPECT_EQ(distinct.size(), first.size()) << "every logical goroutine has its own identity";
  bool ids_moved = false;
  for (const auto& it : sink.iterations) {
    ASSERT_EQ(it.size(), first.size());
    for (const auto& [name, seen] : it) {
      ASSERT_TRUE(first.count(name)) << name;
      EXPECT_EQ(seen.identity, first.at(name).identity) << name;
      if (seen.id != first.at(name).id) ids_moved = true;
    }
  }
  // Otherwise the test would show nothing: the ids did change with the schedule.
  EXPECT_TRUE(ids_moved);
}

TEST(Identity, TheSameLogicalGoroutineHasTheSameIdentityUnderRandomSchedules) {
  expect_stable(weft::StrategyKind::random);
}

TEST(Identity, TheSameLogicalGoroutineHasTheSameIdentityUnderPos) {
  expect_stable(weft::StrategyKind::pos);
}

TEST(Identity, ChildrenOfOneSiteDifferByOrdinalAndSitesDiffer) {
  IdentitySink sink;
  weft::ExploreOptions o;
  o.use_environment = false;
  o.iterations = 1;
  o.sinks.push_back(&sink);
  auto r = weft::explore(
      [] {
        weft::WaitGroup wg;
        wg.add(3);
        for (int i = 0; i < 2; ++i) weft::go_named("loop" + std::to_string(i), [&wg] { wg.done(); });
        weft::go_named("other", [&wg] { wg.done(); });
        wg.wait();
      },
      o);
  ASSERT_TRUE(r.ok()) << r;
  const auto& seen = sink.iterations.at(0);
  EXPECT_NE(seen.at("loop0").identity, seen.at("loop1").identity);
  EXPECT_NE(seen.at("loop0").identity, seen.at("other").identity);
  EXPECT_NE(seen.at("").identity, seen.at("other").identity);  // main
  // The main goroutine's identity is the same in another exploration too.
  IdentitySink again;
  o.sinks = {&again};
  ASSERT_TRUE(weft::explore([] {}, o).ok());
  EXPECT_EQ(again.iterations.at(0).at("").identity, seen.at("").identity);
}

}  // namespace

}  // namespace identity_test
