// FUTEX_WAIT and FUTEX_WAKE on goroutines. libstdc++ blocks on futex words through
// syscall(SYS_futex, ...) for atomic<T>::wait/notify, std::latch, std::barrier,
// std::counting_semaphore, std::future/std::promise and a contended function-local static;
// std_interpose.cpp sends those calls here when a goroutine of a controlled run makes them.
//
// A wait re-checks the word and parks on the word's queue (a side table keyed by its
// address, see std_shim.hpp); a wake readies up to n waiters. A wake happens before the
// waits it ends (the word's clock). Bitsets are ignored: a wake may end a wait whose bitset
// it does not match, which the futex contract allows (every caller re-checks its word).
// The waits' atomic loads and stores themselves are not seen by the race detector unless
// the code is instrumented.
#include <linux/futex.h>

#include <cerrno>
#include <memory>
#include <unordered_map>
#include <vector>

#include "hb.hpp"
#include "std_shim.hpp"
#include "weft/detail/wait_queue.hpp"

namespace weft::detail::shim {

namespace {

thread_local std::unordered_map<const void*, std::unique_ptr<WaitQueue>> words;

const Location kFutexWait{"", "futex wait (atomic wait, latch, barrier, semaphore, future)", 0,
                          0};
const Location kFutexWake{"", "futex wake (atomic notify, latch, barrier, semaphore, future)",
                          0, 0};

long fail(int e) {
  errno = e;
  return -1;
}

long wait(G* self, std::uint32_t* word, std::uint32_t val, clockid_t clk,
          const timespec* deadline) {
  visible(kFutexWait);
  if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != val) return fail(EAGAIN);
  std::unique_ptr<WaitQueue>& q = words[word];
  if (!q) q = std::make_unique<WaitQueue>();
  const bool woken = wait_on(self, *q, WaitReason::futex_wait, kFutexWait, clk, deadline);
  if (auto it = words.find(word); it != words.end() && it->second->empty()) words.erase(it);
  if (!woken) return fail(ETIMEDOUT);
  hb::acquire(word);
  return 0;
}

long wake(G* /*self*/, std::uint32_t* word, std::uint32_t n) {
  visible(kFutexWake);
  hb::release(word);
  auto it = words.find(word);
  if (it == words.end()) return 0;
  std::vector<G*> woken;
  while (woken.size() < n)
    if (Waiter* w = it->second->pop())
      woken.push_back(w->g);
    else
      break;
  if (it->second->empty()) words.erase(it);
  for (G* g : woken) ready(g);
  return static_cast<long>(woken.size());
}

}  // namespace

long futex(G* self, std::uint32_t* word, int op, std::uint32_t val, const timespec* timeout,
           std::uint32_t /*val3*/) {
  const int cmd = op & FUTEX_CMD_MASK;
  switch (cmd) {
    case FUTEX_WAIT: {  // a relative timeout on the monotonic clock
      if (!timeout) return wait(self, word, val, CLOCK_MONOTONIC, nullptr);
      timespec now{};
      virtual_time(CLOCK_MONOTONIC, &now);
      timespec at{now.tv_sec + timeout->tv_sec, now.tv_nsec + timeout->tv_nsec};
      if (at.tv_nsec >= 1'000'000'000) {
        at.tv_nsec -= 1'000'000'000;
        ++at.tv_sec;
      }
      return wait(self, word, val, CLOCK_MONOTONIC, &at);
    }
    case FUTEX_WAIT_BITSET:  // an absolute timeout
      return wait(self, word, val, (op & FUTEX_CLOCK_REALTIME) ? CLOCK_REALTIME : CLOCK_MONOTONIC,
                  timeout);
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET:
      return wake(self, word, val);
    default:
      // Requeue, priority inheritance: nothing in libstdc++ uses them.
      return fail(ENOSYS);
  }
}

void reset_futex() noexcept { words.clear(); }

}  // namespace weft::detail::shim
