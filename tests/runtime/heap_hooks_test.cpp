// The C allocation functions weft defines (runtime/src/memory.cpp): what each tells an event
// sink (a fresh block is cleared, a free or realloc is a write of the old block and then
// its shadow is dropped, operator new/delete pass through once), that they forward to the C
// library correctly, that a race through free() is reported under weft::explore and
// weft::run, and that nothing listens when no detector or sink does.
#include <gtest/gtest.h>
#include <malloc.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "weft/instr.hpp"
#include "weft/weft.hpp"

namespace heap_hooks_test {  // this file's names, apart from the other tests' in a unity build

namespace {

// The hooks are compiled out under the sanitizers that intercept malloc themselves.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kHooked = false;
#else
constexpr bool kHooked = true;
#endif
#define SKIP_UNLESS_HOOKED() \
  if (!kHooked) GTEST_SKIP() << "the C allocation hooks are compiled out under this sanitizer"

struct Ev {
  enum Kind { write, read, freed } kind;
  const void* addr;
  std::size_t size;
  std::string function;  // of a write or read
  bool operator==(const Ev&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Ev& e) {
  static const char* names[] = {"write", "read", "free_range"};
  return os << names[e.kind] << "(" << e.addr << ", " << e.size << ", '" << e.function << "')";
}

// Keeps the access and free_range events that arrive while armed (the sink's own
// allocations are not events: the runtime is inside a sink then).
class HeapLog final : public weft::EventSink {
 public:
  void access(weft::GoId, const void* addr, std::size_t size, weft::AccessKind k,
              const weft::Location& where) override {
    if (armed_)
      log_.push_back({k == weft::AccessKind::write ? Ev::write : Ev::read, addr, size,
                      where.function});
  }
  void free_range(const void* addr, std::size_t size) override {
    if (armed_) log_.push_back({Ev::freed, addr, size, ""});
  }
  // The events `f` causes, nothing else (no allocation happens between arming and f).
  template <class F>
  std::vector<Ev> during(F f) {
    log_.clear();
    log_.reserve(16);
    // GCC knows malloc and free touch no memory of the program's: without the fences it
    // may move the flag's stores across the call it brackets.
    armed_ = true;
    std::atomic_signal_fence(std::memory_order_seq_cst);
    f();
    std::atomic_signal_fence(std::memory_order_seq_cst);
    armed_ = false;
    return log_;
  }

 private:
  volatile bool armed_ = false;
  std::vector<Ev> log_;
};

Ev fresh(const void* p, std::size_t n) { return {Ev::freed, p, n, ""}; }
std::vector<Ev> ended(void* p, const char* fn) {
  const std::size_t n = ::malloc_usable_size(p);
  return {{Ev::write, p, n, fn}, {Ev::freed, p, n, ""}};
}
std::vector<Ev> then(std::vector<Ev> a, const Ev& b) {
  a.push_back(b);
  return a;
}

// Runs `body` once as a goroutine whose events go to `log` (no race detector).
template <class F>
void with_log(HeapLog& log, F body) {
  weft::ExploreOptions o = weft_test::opts(1);
  o.detect_races = false;
  o.sinks = {&log};
  const weft::ExploreResult r = weft::explore(body, o);
  ASSERT_TRUE(r.ok()) << r;
}

TEST(HeapHooks, EveryAllocationFunctionHandsOutACleanBlock) {
  SKIP_UNLESS_HOOKED();
  HeapLog log;
  std::vector<std::pair<std::string, std::vector<Ev>>> seen, expected;
  auto expect = [&](const char* what, std::vector<Ev> got, std::vector<Ev> want) {
    seen.emplace_back(what, std::move(got));
    expected.emplace_back(what, std::move(want));
  };
  with_log(log, [&] {
    void* p = nullptr;
    auto got = log.during([&] { p = std::malloc(40); });
    expect("malloc", got, {fresh(p, 40)});
    std::free(p);
    got = log.during([&] { p = std::calloc(5, 8); });
    expect("calloc", got, {fresh(p, 40)});
    std::free(p);
    got = log.during([&] { p = std::realloc(nullptr, 24); });
    expect("realloc(nullptr)", got, {fresh(p, 24)});
    std::free(p);
    got = log.during([&] { (void)::posix_memalign(&p, 64, 100); });
    expect("posix_memalign", got, {fresh(p, 100)});
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 64, 0u);
    std::free(p);
    got = log.during([&] { p = std::aligned_alloc(128, 256); });
    expect("aligned_alloc", got, {fresh(p, 256)});
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 128, 0u);
    std::free(p);
    got = log.during([&] { p = ::memalign(32, 50); });
    expect("memalign", got, {fresh(p, 50)});
    std::free(p);
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    got = log.during([&] { p = ::valloc(10); });
    expect("valloc", got, {fresh(p, 10)});
    std::free(p);
    got = log.during([&] { p = ::pvalloc(10); });
    expect("pvalloc", got, {fresh(p, page)});  // the whole page is the program's
    std::free(p);
    // The C library's own allocations pass through too.
    char* s = nullptr;
    got = log.during([&] { s = ::strdup("weft"); });
    expect("strdup", got, {fresh(s, 5)});
    std::free(s);
    // operator new calls malloc's hook, once.
    int* a = nullptr;
    got = log.during([&] { a = new int[10]; });
    expect("new[]", got, {fresh(a, 10 * sizeof(int))});
    delete[] a;
  });
  ASSERT_EQ(seen.size(), expected.size());
  for (std::size_t i = 0; i < seen.size(); ++i)
    EXPECT_EQ(seen[i].second, expected[i].second) << seen[i].first;
}

TEST(HeapHooks, FreeAndReallocEndTheOldBlockAsAWrite) {
  SKIP_UNLESS_HOOKED();
  HeapLog log;
  std::vector<std::pair<std::string, std::vector<Ev>>> seen, expected;
  auto expect = [&](const char* what, std::vector<Ev> got, std::vector<Ev> want) {
    seen.emplace_back(what, std::move(got));
    expected.emplace_back(what, std::move(want));
  };
  with_log(log, [&] {
    void* p = std::malloc(40);
    std::vector<Ev> want = ended(p, "free");
    auto got = log.during([&] { std::free(p); });
    expect("free", got, want);

    p = std::malloc(40);
    void* q = nullptr;
    want = ended(p, "realloc");
    got = log.during([&] { q = std::realloc(p, 1000); });
    expect("realloc growing", got, then(want, fresh(q, 1000)));

    want = ended(q, "realloc");
    got = log.during([&] { p = std::realloc(q, 16); });  // shrinks in place, as glibc does
    expect("realloc shrinking", got, then(want, fresh(p, 16)));

    want = ended(p, "realloc");
    got = log.during([&] { q = ::reallocarray(p, 10, 100); });
    expect("reallocarray", got, then(want, fresh(q, 1000)));

    want = ended(q, "realloc");
    got = log.during([&] { p = std::realloc(q, 0); });  // glibc: frees, returns null
    expect("realloc to 0", got, want);
    std::free(p);

    int* a = new int[10];
    want = ended(a, "operator delete");
    got = log.during([&] { delete[] a; });
    expect("delete[]", got, want);

    got = log.during([] { std::free(nullptr); });
    expect("free(nullptr)", got, {});
  });
  ASSERT_EQ(seen.size(), expected.size());
  for (std::size_t i = 0; i < seen.size(); ++i)
    EXPECT_EQ(seen[i].second, expected[i].second) << seen[i].first;
}

// Outside any run, the functions are the C library's. (Under AddressSanitizer its own
// allocator would report the invalid calls below as errors.)
TEST(HeapHooks, ForwardToTheCLibrary) {
  SKIP_UNLESS_HOOKED();
  auto* p = static_cast<unsigned char*>(std::malloc(100));
  ASSERT_NE(p, nullptr);
  EXPECT_GE(::malloc_usable_size(p), 100u);
  for (int i = 0; i < 100; ++i) p[i] = static_cast<unsigned char>(i);
  p = static_cast<unsigned char*>(std::realloc(p, 100000));  // moves
  ASSERT_NE(p, nullptr);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(p[i], i);
  std::free(p);
  auto* z = static_cast<unsigned char*>(std::calloc(1000, 3));
  ASSERT_NE(z, nullptr);
  for (int i = 0; i < 3000; ++i) ASSERT_EQ(z[i], 0);
  std::free(z);
  errno = 0;
  volatile std::size_t huge = SIZE_MAX / 2;  // (GCC refuses a constant product this large)
  EXPECT_EQ(::reallocarray(nullptr, huge, 3), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  void* a = nullptr;
  EXPECT_EQ(::posix_memalign(&a, 3, 8), EINVAL);
  EXPECT_EQ(::posix_memalign(&a, 4096, 8), 0);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a) % 4096, 0u);
  std::free(a);
}

// A goroutine reads a block; another frees it (or reallocs it) with nothing ordering the two.
template <class Release>
void read_then_release_without_sync(Release release) {
  void* p = std::calloc(4, 16);
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {
    weft::race::read(p, 16);
    wg.done();
  });
  weft::go([&] {
    weft::sleep(std::chrono::milliseconds(1));  // after the read in virtual time, no edge
    release(p);
    wg.done();
  });
  wg.wait();
}

TEST(HeapHooks, AFreeOrReallocRacingWithAReadIsReported) {
  SKIP_UNLESS_HOOKED();
  struct Case {
    const char* fn;
    void (*release)(void*);
  };
  for (const Case c : {Case{"free", [](void* p) { std::free(p); }},
                       Case{"realloc", [](void* p) { std::free(std::realloc(p, 4096)); }}}) {
    const weft::ExploreResult r =
        weft::explore([&] { read_then_release_without_sync(c.release); }, weft_test::opts(50));
    ASSERT_FALSE(r.ok()) << c.fn;
    EXPECT_EQ(r.failure->kind, weft::FailureKind::data_race) << r;
    EXPECT_NE(r.failure->report.find(std::string("Write of size ")), std::string::npos) << r;
    EXPECT_NE(r.failure->report.find(std::string("  ") + c.fn + "\n"), std::string::npos)
        << c.fn << ": the report names the function that freed\n"
        << r;
  }
}

// With neither a detector nor a sink nor access scheduling under weft::explore, and under
// weft::run without race detection, no goroutine's accesses are observed, so the hooks stop
// at their one thread-local test: the same racy free passes. (With access scheduling on,
// explore's default, they go on to find that no sink listens.)
TEST(HeapHooks, InertWhenNothingListens) {
  weft::ExploreOptions o = weft_test::opts(50);
  o.detect_races = false;
  o.schedule_accesses = false;
  std::atomic<int> observed{0};
  const auto body = [&] {
    if (weft::instr::active()) ++observed;
    read_then_release_without_sync([](void* p) { std::free(p); });
    void* q = std::malloc(64);
    if (weft::instr::active()) ++observed;
    std::free(q);
  };
  const weft::ExploreResult r = weft::explore(body, o);
  EXPECT_TRUE(r.ok()) << r;
  for (unsigned procs : {1u, 2u}) {
    testing::internal::CaptureStderr();
    const int status = weft::run(body, weft_test::procs(procs));
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_EQ(status, 0) << err;
    EXPECT_EQ(err, "");
  }
  EXPECT_EQ(observed.load(), 0);
}

// The C library allocates, grows and frees its own blocks through the same functions
// (a memory stream's buffer, stdio's buffers, strdup): inside goroutines under the detector
// this neither recurses nor reports, and a buffer the C library grew and a goroutine filled
// is freed by another after a hand-off without a report.
TEST(HeapHooks, TheCLibrarysOwnBlocksInsideGoroutinesAreNoRace) {
  weft_test::expect_ok(
      [] {
        auto done = weft::make_chan<char*>(3);
        for (int g = 0; g < 3; ++g)
          weft::go([done, g] {
            char* buf = nullptr;
            std::size_t len = 0;
            FILE* out = ::open_memstream(&buf, &len);
            for (int k = 0; k < 300; ++k) std::fprintf(out, "%d:%d,", g, k);  // grows it
            std::fclose(out);
            weft::race::write(buf, len);
            char* copy = ::strdup(buf);
            weft::race::read(copy, len);
            std::free(copy);
            FILE* in = ::fmemopen(buf, len, "r");
            weft::check(std::fgetc(in) == '0' + g, "the stream reads back what was written");
            std::fclose(in);
            done.send(buf);
          });
        for (int g = 0; g < 3; ++g) {
          char* buf = done.recv();
          weft::race::read(buf, std::strlen(buf));
          std::free(buf);
        }
      },
      30);
}

weft::RunOptions detecting(unsigned procs) {
  weft::RunOptions o = weft_test::procs(procs);
  o.detect_races = true;
  return o;
}

class HeapHooksRun : public ::testing::TestWithParam<unsigned> {};

// Under weft::run: goroutines on any processor free blocks with free() that others then get
// from malloc/calloc/realloc: none is reported, whatever the allocator hands out.
TEST_P(HeapHooksRun, BlocksFreedWithFreeAndReusedAreNoRace) {
  SKIP_UNLESS_HOOKED();
  for (int i = 0; i < 3; ++i) {
    testing::internal::CaptureStderr();
    const int status = weft::run(
        [] {
          weft::WaitGroup wg;
          for (int round = 0; round < 20; ++round) {
            wg.add(4);
            for (int w = 0; w < 4; ++w)
              weft::go([&wg, w] {
                void* a = std::calloc(1, 24);
                weft::race::write(a, 24);
                void* b = std::malloc(48);
                weft::race::write(std::memset(b, 0, 48), 48);
                b = std::realloc(b, w % 2 ? 16 : 4000);
                weft::race::write(b, 16);
                void* c = nullptr;
                if (::posix_memalign(&c, 64, 64) == 0) weft::race::write(c, 64);
                std::free(c);
                std::free(b);
                std::free(a);
                wg.done();
              });
            wg.wait();
          }
        },
        detecting(GetParam()));
    const std::string err = testing::internal::GetCapturedStderr();
    ASSERT_EQ(status, 0) << err;
    ASSERT_EQ(err.find("WARNING"), std::string::npos) << err;
  }
}

TEST_P(HeapHooksRun, AFreeRacingWithAReadIsReported) {
  SKIP_UNLESS_HOOKED();
  testing::internal::CaptureStderr();
  const int status = weft::run(
      [] {
        // `read` (a flag the detector cannot see) orders the free after the read in real
        // time, without a happens-before edge.
        void* p = std::calloc(4, 16);
        std::atomic<bool> read{false};
        weft::WaitGroup wg;
        wg.add(2);
        weft::go([&] {
          weft::race::read(p, 16);
          read.store(true);
          wg.done();
        });
        weft::go([&] {
          while (!read.load()) weft::yield();
          std::free(p);
          wg.done();
        });
        wg.wait();
      },
      detecting(GetParam()));
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(status, 66) << err;
  EXPECT_NE(err.find("WARNING: DATA RACE"), std::string::npos) << err;
  EXPECT_NE(err.find("  free\n"), std::string::npos) << err;
}

INSTANTIATE_TEST_SUITE_P(Procs, HeapHooksRun, ::testing::Values(1u, 2u, 4u),
                         [](const auto& info) { return "procs" + std::to_string(info.param); });

}  // namespace

}  // namespace heap_hooks_test
