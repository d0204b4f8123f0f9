#include <gtest/gtest.h>

#include "weft/weft.hpp"

namespace smoke_test {  // this file's names, apart from the other tests' in a unity build

namespace {

weft::ExploreOptions opts(std::uint64_t iterations = 100) {
  weft::ExploreOptions o;
  o.iterations = iterations;
  o.use_environment = false;
  return o;
}

TEST(Smoke, PingPong) {
  int total = 0;
  auto r = weft::explore([&] {
    auto a = weft::make_chan<int>();
    auto b = weft::make_chan<int>();
    weft::go([a, b] {
      for (int i = 0; i < 10; ++i) b.send(a.recv() + 1);
    });
    int v = 0;
    for (int i = 0; i < 10; ++i) {
      a.send(v);
      v = b.recv();
    }
    total += v;
  }, opts());
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_EQ(total, 1000);
}

TEST(Smoke, Deadlock) {
  auto r = weft::explore([] {
    auto a = weft::make_chan<int>();
    a.recv();
  }, opts());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure->kind, weft::FailureKind::deadlock);
  std::cout << r;
}

TEST(Smoke, SelectAndClose) {
  auto r = weft::explore([] {
    auto a = weft::make_chan<int>(2);
    auto done = weft::make_chan<weft::Unit>();
    weft::go([=] { a.send(1); a.send(2); a.close(); });
    int sum = 0;
    for (int v : a) sum += v;
    weft::go([=] { done.close(); });
    int fired = weft::select(weft::recv_case(done), weft::recv_case(a));
    weft::check(fired == 0 || fired == 1);
    weft::check(sum == 3, "sum");
  }, opts());
  EXPECT_TRUE(r.ok()) << r;
}

}  // namespace

}  // namespace smoke_test
