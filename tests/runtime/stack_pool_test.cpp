// The stack pool (runtime/src/fiber.hpp) itself: stacks carved from shared chunks, each with
// a guard page below it, committed only where touched, deep pages given back on return, and
// the mprotect fallback's map-count limit reported as StackLimitReached.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <set>
#include <vector>

#include "fiber.hpp"

namespace stack_pool_test {  // this file's names, apart from the other tests' in a unity build

#if defined(__SANITIZE_ADDRESS__)
#define WEFT_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WEFT_TEST_ASAN 1
#endif
#endif

namespace {

using weft::detail::GuardKind;
using weft::detail::Stack;
using weft::detail::StackLimitReached;
using weft::detail::StackPool;

const std::size_t kPage = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));

std::size_t mappings() {
  std::FILE* f = std::fopen("/proc/self/maps", "r");
  std::size_t n = 0;
  for (int c; (c = std::fgetc(f)) != EOF;)
    if (c == '\n') ++n;
  std::fclose(f);
  return n;
}

// Resident pages of [p, p + bytes), both page-aligned.
std::size_t resident_pages(const void* p, std::size_t bytes) {
  std::vector<unsigned char> v(bytes / kPage);
  EXPECT_EQ(::mincore(const_cast<void*>(p), bytes, v.data()), 0) << std::strerror(errno);
  std::size_t n = 0;
  for (unsigned char c : v) n += c & 1;
  return n;
}

char* top_of(const Stack& s) { return static_cast<char*>(s.bottom) + s.size; }

TEST(StackPool, StacksAreDistinctWholePagesWithTheirGuardBelow) {
  StackPool pool(100 * 1000);  // rounded up to whole pages
  std::vector<Stack> got;
  std::set<void*> bottoms;
  for (int i = 0; i < 100; ++i) {
    Stack s = pool.get();
    EXPECT_EQ(s.size, 25 * kPage);
    EXPECT_EQ(static_cast<char*>(s.region) + kPage, s.bottom);
    EXPECT_EQ(s.region_size, s.size + kPage);
    EXPECT_TRUE(pool.may_contain(s.bottom));
    EXPECT_TRUE(pool.may_contain(top_of(s) - 1));
    EXPECT_TRUE(bottoms.insert(s.bottom).second) << "a stack handed out twice";
    got.push_back(s);
  }
  // No stack's usable range overlaps another's (or another's guard page).
  for (const Stack& a : got)
    for (const Stack& b : got)
      if (&a != &b) {
        auto* lo = static_cast<char*>(b.region);
        EXPECT_TRUE(top_of(a) <= lo || static_cast<char*>(a.region) >= lo + b.region_size);
      }
  for (const Stack& s : got) pool.put(s, top_of(s));
  // Returned stacks are reused before new ones are carved.
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(bottoms.count(pool.get().bottom));
}

TEST(StackPool, StacksCostMemoryOnlyWhereTouched) {
  StackPool pool(256 * 1024);
  Stack s = pool.get();
  EXPECT_EQ(resident_pages(s.bottom, s.size), 0u);
  top_of(s)[-1] = 1;
  EXPECT_EQ(resident_pages(s.bottom, s.size), 1u);
}

TEST(StackPool, AStackSeenDeepGivesItsDeepPagesBackWhenReturned) {
  StackPool pool(256 * 1024);
  Stack s = pool.get();
  std::memset(s.bottom, 1, s.size);
  EXPECT_EQ(resident_pages(s.bottom, s.size), s.size / kPage);
  pool.put(s, s.bottom);  // its goroutine was seen at the very bottom
  EXPECT_EQ(resident_pages(s.bottom, s.size), StackPool::kKeepResident / kPage);
  EXPECT_EQ(top_of(s)[-1], 1) << "the top pages are kept as they are";

  Stack t = pool.get();
  ASSERT_EQ(t.bottom, s.bottom);
  std::memset(t.bottom, 1, t.size);
  pool.put(t, top_of(t) - 256);  // seen only shallow: nothing given back (no system call)
  EXPECT_EQ(resident_pages(t.bottom, t.size), t.size / kPage);
}

TEST(StackPool, GuardMarkersKeepTheMapCountFlat) {
  StackPool pool(64 * 1024);
  pool.get();
  if (pool.guard() != GuardKind::marker) GTEST_SKIP() << "kernel without MADV_GUARD_INSTALL";
  const std::size_t before = mappings();
  std::vector<Stack> got;
  for (int i = 0; i < 5000; ++i) got.push_back(pool.get());
  // 5,000 stacks in a handful of chunks (fewer still where the chunks merge), against 10,000
  // mappings with mprotect guards. The bound leaves room for the allocator's own mappings
  // (AddressSanitizer's allocator maps fresh regions as the vector and the owner table grow).
  EXPECT_LT(mappings(), before + 100);
}

void write_below(const Stack& s) { static_cast<volatile char*>(s.bottom)[-1] = 1; }

TEST(StackPoolDeathTest, WritingBelowAStackFaultsOnItsGuardPage) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  for (GuardKind kind : {GuardKind::automatic, GuardKind::mprotect}) {
    StackPool pool(64 * 1024, kind);
    Stack first = pool.get();
    Stack second = pool.get();
    top_of(second)[-1] = 1;  // usable, right up to the top
    static_cast<char*>(second.bottom)[0] = 1;
    EXPECT_DEATH(write_below(first), "");
    EXPECT_DEATH(write_below(second), "");
  }
}

TEST(StackPool, WithMprotectGuardsTheMapCountLimitIsReported) {
  // The fallback for kernels before 6.13: each guard page splits the chunk's mapping, so
  // stacks run into vm.max_map_count (about 32,700 of them with the default 65,530).
#ifdef WEFT_TEST_ASAN
  GTEST_SKIP() << "AddressSanitizer's allocator cannot run with the map count used up";
#endif
  StackPool pool(4 * 1024, GuardKind::mprotect);
  std::size_t got = 0;
  try {
    for (; got < 1'000'000; ++got) pool.get();
    FAIL() << "a million stacks with mprotect guards: vm.max_map_count is above two million";
  } catch (const StackLimitReached& e) {
    EXPECT_GT(got, 1000u);
    EXPECT_NE(e.limit.find("vm.max_map_count ("), std::string::npos) << e.limit;
    EXPECT_NE(e.remedy.find("MADV_GUARD_INSTALL"), std::string::npos) << e.remedy;
    EXPECT_NE(e.remedy.find("sysctl -w vm.max_map_count="), std::string::npos) << e.remedy;
  }
}

}  // namespace

}  // namespace stack_pool_test
