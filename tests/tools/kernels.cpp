// Kernels for the weft CLI tests (cli_test.cpp): a GoogleTest binary whose explorations pass,
// fail on some schedules, segfault on one schedule, hang on one schedule, log the iterations
// they run, or never explore. The CLI tests run it through `weft`; it is not a test suite of
// its own (CTest does not run it directly, since most of these fail on purpose).
#include <fcntl.h>
#include <signal.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "weft/weft.hpp"

namespace {

// Two goroutines each yield, then append their id, twice; the order is the schedule.
std::vector<int> two_goroutine_order() {
  std::vector<int> order;
  auto done = weft::make_chan<int>(2);
  for (int id = 1; id <= 2; ++id)
    weft::go([&order, done, id] {
      for (int k = 0; k < 2; ++k) {
        weft::yield();
        order.push_back(id);
      }
      done.send(id);
    });
  (void)done.recv();
  (void)done.recv();
  return order;
}

// A page nobody may touch: a store there is a real SIGSEGV, which neither UBSan (a null
// store would be its error, not a signal) nor ASan (the page is not poisoned) stops first.
volatile int* forbidden_page() {
  static void* page = ::mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return static_cast<volatile int*>(page);
}
volatile bool spin_forever = true;

// Whether the WEFT_REPORT file already lists a finding (keep-going writes each as found).
bool report_lists_a_finding() {
  const char* path = std::getenv("WEFT_REPORT");
  if (!path || !*path) return false;
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return text.find("\"findings\"") != std::string::npos;
}

// With WEFT_KEEP_GOING=1: deadlocks in every iteration (receives on a channel nobody sends
// on), except that an iteration starting once its first finding is in WEFT_REPORT ends the
// process from a goroutine with `end` instead. The replays that check a finding run before
// it is written, so they deadlock as it did.
void deadlock_until_reported_then(void (*end)()) {
  auto r = weft::explore([end] {
    if (report_lists_a_finding()) {
      auto done = weft::make_chan<int>();
      weft::go([end, done] {
        end();
        done.send(1);
      });
      (void)done.recv();
    }
    auto never = weft::make_chan<int>();
    (void)never.recv();
  });
  EXPECT_TRUE(r.ok()) << r;
}

}  // namespace

TEST(Kernels, Clean) {
  auto r = weft::explore([] {
    auto c = weft::make_chan<int>();
    weft::go([c] { c.send(42); });
    weft::check(c.recv() == 42, "received the value sent");
  });
  EXPECT_TRUE(r.ok()) << r;
}

TEST(Kernels, AssertsOnSomeSchedules) {
  auto r = weft::explore([] {
    auto order = two_goroutine_order();
    weft::check(order.front() == 1, "goroutine 1 appended first");
  });
  EXPECT_TRUE(r.ok()) << r;
}

TEST(Kernels, SegfaultsOnOneSchedule) {
  auto r = weft::explore([] {
    auto order = two_goroutine_order();
    if (order == std::vector<int>{2, 2, 1, 1}) *forbidden_page() = 1;
  });
  EXPECT_TRUE(r.ok()) << r;
}

TEST(Kernels, HangsOnOneSchedule) {
  auto r = weft::explore([] {
    auto order = two_goroutine_order();
    if (order == std::vector<int>{2, 2, 1, 1})
      while (spin_forever) {
      }
  });
  EXPECT_TRUE(r.ok()) << r;
}

// Appends the index of every iteration it runs to $KERNEL_LOG, one per line: the index is
// WEFT_FIRST_ITERATION plus the iterations this process ran before.
TEST(Kernels, LogsIterations) {
  const char* log = std::getenv("KERNEL_LOG");
  const char* first_text = std::getenv("WEFT_FIRST_ITERATION");
  std::uint64_t first = first_text ? std::stoull(first_text) : 0;
  std::uint64_t calls = 0;
  auto r = weft::explore([&] {
    (void)two_goroutine_order();
    if (!log) return;
    std::string line = std::to_string(first + calls++) + "\n";
    int fd = ::open(log, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd >= 0) {
      (void)!::write(fd, line.data(), line.size());
      ::close(fd);
    }
  });
  EXPECT_TRUE(r.ok()) << r;
}

// Appends "<iterations> <exhausted>" of its exploration to KERNEL_LOG: the dfs sharding test
// adds up what the parts of one search ran.
TEST(Kernels, LogsItsSearch) {
  auto r = weft::explore([] { (void)two_goroutine_order(); });
  EXPECT_TRUE(r.ok()) << r;
  if (const char* log = std::getenv("KERNEL_LOG")) {
    std::string line = std::to_string(r.iterations) + " " + (r.exhausted ? "1" : "0") + "\n";
    int fd = ::open(log, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd >= 0) {
      (void)!::write(fd, line.data(), line.size());
      ::close(fd);
    }
  }
}

// Killed by SIGKILL (as the out-of-memory killer kills: no handler runs, no report is
// written) on the schedule SegfaultsOnOneSchedule faults on.
TEST(Kernels, KilledOnOneSchedule) {
  auto r = weft::explore([] {
    auto order = two_goroutine_order();
    if (order == std::vector<int>{2, 2, 1, 1}) ::kill(::getpid(), SIGKILL);
  });
  EXPECT_TRUE(r.ok()) << r;
}

TEST(Kernels, NeverExplores) { EXPECT_EQ(1 + 1, 2); }

// Ends the process with _Exit(0) (no exit handler runs, so weft cannot report it) on one
// schedule.
TEST(Kernels, QuitsQuietlyOnOneSchedule) {
  auto r = weft::explore([] {
    auto order = two_goroutine_order();
    if (order == std::vector<int>{2, 2, 1, 1}) std::_Exit(0);
  });
  EXPECT_TRUE(r.ok()) << r;
}

// Keep-going, then killed by SIGKILL (as the out-of-memory killer or a CI timeout kills) once
// its first finding is known: nothing in the process sees the kill.
TEST(Kernels, KeepsGoingThenKilled) {
  deadlock_until_reported_then([] { ::kill(::getpid(), SIGKILL); });
}

// Keep-going, then a real SIGSEGV once its first finding is known: the runtime's fatal path
// writes the crash, and must keep the finding before it.
TEST(Kernels, KeepsGoingThenSegfaults) {
  deadlock_until_reported_then([] { *forbidden_page() = 1; });
}
