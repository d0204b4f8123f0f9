// Goroutine stacks through the user's path: a million-goroutine scale (scaled down here, see
// below), deep frames with the default options, and system limits reported as a failure of
// kind `resource limit` instead of a crash or std::bad_alloc.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "weft/weft.hpp"

namespace stacks_test {  // this file's names, apart from the other tests' in a unity build

#if defined(__SANITIZE_ADDRESS__)
#define WEFT_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WEFT_TEST_ASAN 1
#endif
#endif

namespace {

weft::ExploreOptions one_iteration() {
  weft::ExploreOptions o;
  o.iterations = 1;
  o.use_environment = false;
  return o;
}

TEST(Stacks, ManyGoroutinesBlockOnOneChannelAtOnceAndAreReleased) {
  // 1,000,000 works too (bench/anchors_weft: `weft_anchors -n 10 idle`, about 18 s and
  // 4.5 GB); the suite keeps to 200,000 so it stays quick. Beyond 32,700 the old pool (one
  // mapping per stack and one per guard page) ran out of vm.max_map_count.
#if defined(WEFT_TEST_ASAN) || !defined(NDEBUG)
  GTEST_SKIP() << "scale test: release builds only";
#endif
  constexpr long n = 200'000;
  weft::ExploreOptions o = one_iteration();
  o.detect_races = false;
  o.max_steps = 20 * n;
  long released = 0;
  auto r = weft::explore([&] {
    auto block = weft::make_chan<weft::Unit>();
    weft::WaitGroup started, finished;
    started.add(n);
    finished.add(n);
    weft::Mutex mu;
    for (long i = 0; i < n; ++i)
      weft::go([&, block] {
        started.done();
        block.recv();  // none gets past this before close: all n are alive here at once
        mu.lock();
        ++released;
        mu.unlock();
        finished.done();
      });
    started.wait();
    weft::check(released == 0, "nobody passed the receive before the close");
    block.close();
    finished.wait();
  }, o);
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(released, n);
}

// Fills `bytes` of a local array and returns a checksum, so the frame really is that big.
[[gnu::noinline]] long deep_frame_sum(std::size_t bytes) {
  constexpr std::size_t kMax = 200 * 1024;
  volatile char buf[kMax];
  const std::size_t n = bytes < kMax ? bytes : kMax;
  for (std::size_t i = 0; i < n; ++i) buf[i] = static_cast<char>(i % 7);
  long sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += buf[i];
  return sum;
}

long expected_sum(std::size_t n) {
  long sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += static_cast<long>(i % 7);
  return sum;
}

TEST(Stacks, AGoroutineWithA200KiBLocalArrayRunsWithDefaultOptions) {
  // The default reservation is 256 KiB (1 MiB under AddressSanitizer), committed as touched.
  long got = 0;
  auto r = weft::explore([&] {
    auto out = weft::make_chan<long>();
    weft::go([out] { out.send(deep_frame_sum(200 * 1024)); });
    got = out.recv();
  }, one_iteration());
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(got, expected_sum(200 * 1024));
}

TEST(Stacks, DeepGoroutinesAcrossIterationsReuseTheirStacks) {
  // Deep stacks go back to the pool (their deep pages given back to the system, since they
  // blocked while deep) and are reused by the next iterations.
  weft::ExploreOptions o = one_iteration();
  o.iterations = 20;
  int runs = 0;
  auto r = weft::explore([&] {
    auto out = weft::make_chan<long>();
    for (int i = 0; i < 3; ++i)
      weft::go([out] {
        volatile char pad[150 * 1024];
        pad[0] = 1;
        out.send(deep_frame_sum(40 * 1024) + pad[0] - 1);  // blocks here, deep
      });
    for (int i = 0; i < 3; ++i) weft::check(out.recv() == expected_sum(40 * 1024), "sum");
    ++runs;
  }, o);
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(runs, 20);
}

std::size_t vm_size_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmSize:", 0) == 0) return std::strtoull(line.c_str() + 7, nullptr, 10);
  return 0;
}

// Spawns goroutines that block until main has started `n` of them: a limit on the stacks
// stops this as a failure of kind resource limit.
weft::ExploreResult spawn_blocked(long n, weft::ExploreOptions o) {
  o.max_steps = 20 * static_cast<std::uint64_t>(n) + 1000;
  return weft::explore([n] {
    auto block = weft::make_chan<weft::Unit>();
    weft::WaitGroup started;
    started.add(n);
    for (long i = 0; i < n; ++i)
      weft::go_named("blocked", [&started, block] {
        started.done();
        block.recv();
      });
    started.wait();
    block.close();
  }, o);
}

// In a death-test child: runs `r` and exits 0 if it failed with a resource limit (printing
// the report for the matcher), 1 otherwise.
[[noreturn]] void exit_with(const weft::ExploreResult& r) {
  std::fputs(r.to_string().c_str(), stderr);
  std::fflush(stderr);
  std::_Exit(!r.ok() && r.failure->kind == weft::FailureKind::resource_limit ? 0 : 1);
}

[[noreturn]] void under_an_address_space_limit() {
  // Room for a few hundred 256 KiB stack reservations above what the process has now.
  const rlim_t limit = (vm_size_kib() + 128 * 1024) * 1024;
  struct rlimit rl {};
  rl.rlim_cur = rl.rlim_max = limit;
  if (::setrlimit(RLIMIT_AS, &rl) != 0) std::_Exit(3);
  weft::ExploreOptions o = one_iteration();
  o.detect_races = false;
  exit_with(spawn_blocked(100'000, o));
}

[[noreturn]] void with_the_map_count_used_up() {
  // Split one big reservation into single-page mappings until the kernel refuses.
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t pages = 200'000;
  char* area = static_cast<char*>(::mmap(nullptr, pages * page, PROT_NONE,
                                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
  if (area == MAP_FAILED) std::_Exit(3);
  std::size_t i = 0;
  while (i < pages && ::mprotect(area + i * page, page, PROT_READ) == 0) i += 2;
  if (i >= pages) std::_Exit(4);  // vm.max_map_count above 100,000: nothing to test
  weft::ExploreOptions o = one_iteration();
  o.detect_races = false;
  exit_with(spawn_blocked(10'000, o));
}

TEST(StacksDeathTest, TheAddressSpaceLimitIsAResourceLimitFailure) {
#ifdef WEFT_TEST_ASAN
  GTEST_SKIP() << "AddressSanitizer's shadow memory does not fit under an address-space limit";
#endif
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(under_an_address_space_limit(),
      ::testing::ExitedWithCode(0),
      "weft: resource limit in iteration 1.*"
      "(could not reserve a goroutine stack|out of memory).*"
      "the address-space limit \\(ulimit -v [0-9]+ KiB\\).*"
      "goroutine [0-9]+ \"blocked\".*stacks_test.cpp.*ulimit -v unlimited.*replay with:");
}

TEST(StacksDeathTest, AFullMapCountIsAResourceLimitFailureNamingTheSysctl) {
  // The program's own mappings use up vm.max_map_count; the next chunk of stacks cannot be
  // mapped. (Stacks themselves no longer add a mapping each: guard markers do not split.)
#ifdef WEFT_TEST_ASAN
  GTEST_SKIP() << "AddressSanitizer's allocator cannot run with the map count used up";
#endif
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(with_the_map_count_used_up(),
      ::testing::ExitedWithCode(0),
      "weft: resource limit in iteration 1.*"
      "could not reserve a goroutine stack: vm.max_map_count \\([0-9]+\\) reached at [0-9,]+ "
      "live goroutines?.*goroutine [0-9]+ .*sysctl -w vm.max_map_count=.*replay with:");
}

}  // namespace

}  // namespace stacks_test
