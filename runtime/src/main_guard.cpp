#include "main_guard.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>

namespace weft::detail {

namespace {
// The protected range; read by the signal handler, so plain atomics.
std::atomic<std::uintptr_t> guarded_lo{0};
std::atomic<std::uintptr_t> guarded_hi{0};
struct sigaction previous_segv;
std::once_flag installed;

void say(const char* s) {
  ssize_t ignored = ::write(STDERR_FILENO, s, std::strlen(s));
  (void)ignored;
}

void on_segv(int sig, siginfo_t* info, void* ctx) {
  auto addr = reinterpret_cast<std::uintptr_t>(info->si_addr);
  if (addr >= guarded_lo.load() && addr < guarded_hi.load()) {
    say("\nweft: a goroutine used the stack of the main goroutine after main returned.\n"
        "weft: main's locals are destroyed when main returns, so a goroutine that still runs\n"
        "weft: must not reach them through a reference: capture them by value, or wait for\n"
        "weft: the goroutine (WaitGroup, a channel) before main returns.\n");
    ::signal(SIGABRT, SIG_DFL);
    ::abort();
  }
  // Not ours: hand the fault back to whoever handled it before (ASan, or the default).
  ::sigaction(SIGSEGV, &previous_segv, nullptr);
  (void)sig;
  (void)ctx;
}

void install() {
  struct sigaction sa {};
  sa.sa_sigaction = &on_segv;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGSEGV, &sa, &previous_segv);
}
}  // namespace

void MainStackGuard::protect(const Stack& s, GoId) {
  if (active() || !s.bottom) return;
  std::call_once(installed, install);
  if (::mprotect(s.bottom, s.size, PROT_NONE) != 0) return;  // best effort
  stack_ = s;
  guarded_lo.store(reinterpret_cast<std::uintptr_t>(s.bottom));
  guarded_hi.store(reinterpret_cast<std::uintptr_t>(s.bottom) + s.size);
}

void MainStackGuard::release() {
  if (!active()) return;
  guarded_hi.store(0);
  guarded_lo.store(0);
  ::mprotect(stack_.bottom, stack_.size, PROT_READ | PROT_WRITE);
  stack_ = Stack{};
}

}  // namespace weft::detail
