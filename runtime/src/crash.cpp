// Crash reports; see crash.hpp for what is reported and the invariants kept.
//
// Everything below the handler runs in a signal handler (or in an exit hook, or on the
// watchdog thread while the exploring thread is stuck, possibly holding the allocator's
// lock): no allocation, no stdio, no locks. Text goes through RawOut, a fixed buffer
// flushed with write(2).
#include "crash.hpp"
#include "strategy.hpp"

#include <fcntl.h>
#include <signal.h>
#include <ucontext.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "columns.hpp"
#include "controlled.hpp"
#include "report_file.hpp"
#include "schedule.hpp"
#include "stack_compact.hpp"

namespace weft::detail {

std::atomic<std::uint64_t> explore_progress{0};
std::atomic<bool> explore_busy{false};

namespace {

constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
// Under explore also the signals whose default action ends the process, sent by the program
// (raise, kill), by the system (a closed pipe, a CPU or file size limit, a seccomp filter) or
// from outside: an iteration that dies of one is a crash finding with its token, not a
// worker that vanished. Taken only where the default action is in place (a handler of the
// program's own, or SIG_IGN, stays); not SIGINT or SIGQUIT (a person stopping the run), nor
// under weft::run (a Go program dies of them without a dump).
constexpr int kEndingSignals[] = {SIGHUP,    SIGTERM, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM,
                                  SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ, SIGTRAP, SIGSYS};
constexpr int kMaxSignal = 32;

bool is_ending_signal(int sig) noexcept {
  for (int s : kEndingSignals)
    if (s == sig) return true;
  return false;
}

// The run being explored, and the thread exploring it; set by the owning CrashGuard.
std::atomic<LiveRun*> live_run{nullptr};
std::atomic<long> live_tid{0};
std::atomic<bool> report_written{false};
std::atomic<bool> guard_taken{false};
// While a weft::run owns the handlers (RunCrashGuard): the goroutine on the calling thread.
std::atomic<const G* (*)() noexcept> run_running{nullptr};

// Per signal: the action before ours, and whether ours is in the chain.
struct sigaction previous[kMaxSignal];
bool in_chain[kMaxSignal];

long this_tid() noexcept { return ::syscall(SYS_gettid); }

// The body of the fatal report (what follows its header, before the token), kept for the
// JSON file. Static: at most one fatal report per process.
struct Capture {
  char text[16 * 1024];
  std::size_t len = 0;
  bool truncated = false;
};
Capture fatal_body;

class RawOut {
 public:
  RawOut() = default;
  explicit RawOut(int fd) noexcept : fd_(fd) {}
  RawOut(const RawOut&) = delete;
  RawOut& operator=(const RawOut&) = delete;
  ~RawOut() { flush(); }

  RawOut& put(const char* s, std::size_t n) noexcept {
    if (capture_) {
      std::size_t room = sizeof capture_->text - capture_->len;
      std::size_t k = n < room ? n : room;
      std::memcpy(capture_->text + capture_->len, s, k);
      capture_->len += k;
      capture_->truncated |= k < n;
    }
    while (n > 0) {
      if (len_ == sizeof buf_) flush();
      std::size_t k = n < sizeof buf_ - len_ ? n : sizeof buf_ - len_;
      std::memcpy(buf_ + len_, s, k);
      len_ += k;
      s += k;
      n -= k;
    }
    return *this;
  }
  RawOut& operator<<(const char* s) noexcept { return put(s, std::strlen(s)); }
  RawOut& operator<<(char c) noexcept { return put(&c, 1); }
  RawOut& operator<<(std::uint64_t v) noexcept {
    char d[24];
    int i = sizeof d;
    do {
      d[--i] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v);
    return put(d + i, sizeof d - i);
  }
  RawOut& hex(std::uintptr_t v) noexcept {
    char d[2 + 2 * sizeof v];
    int i = sizeof d;
    do {
      d[--i] = "0123456789abcdef"[v & 15];
      v >>= 4;
    } while (v);
    d[--i] = 'x';
    d[--i] = '0';
    return put(d + i, sizeof d - i);
  }
  // While set, what is put is also copied to `c` (as much as fits).
  void capture(Capture* c) noexcept { capture_ = c; }
  // Whether every byte flushed so far was written.
  bool flush() noexcept {
    std::size_t off = 0;
    while (off < len_) {
      ssize_t w = ::write(fd_, buf_ + off, len_ - off);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        failed_ = true;
        break;
      }
      off += static_cast<std::size_t>(w);
    }
    len_ = 0;
    return !failed_;
  }

 private:
  int fd_ = STDERR_FILENO;
  char buf_[1024];
  std::size_t len_ = 0;
  Capture* capture_ = nullptr;
  bool failed_ = false;
};

// `text` as the inside of a JSON string.
// The length of the well-formed UTF-8 sequence at text[i] (Unicode's table 3-7), or 0.
std::size_t utf8_length(const char* text, std::size_t i, std::size_t n) noexcept {
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char c = at(0);
  std::size_t len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (len == 0 || i + len > n) return 0;
  const unsigned char lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
  const unsigned char hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
  if (at(1) < lo || at(1) > hi) return 0;
  for (std::size_t k = 2; k < len; ++k)
    if (at(k) < 0x80 || at(k) > 0xBF) return 0;
  return len;
}

// A JSON string's contents: escapes, and U+FFFD for each byte that is not UTF-8 (an
// exception's message may hold any bytes; a JSON reader refuses the file over one).
void put_json_escaped(RawOut& o, const char* text, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      if (std::size_t len = utf8_length(text, i, n)) {
        for (std::size_t k = 0; k < len; ++k) o << text[i + k];
        i += len - 1;
      } else {
        o << "\\ufffd";
      }
    } else if (c == '"' || c == '\\') {
      o << '\\' << static_cast<char>(c);
    } else if (c == '\n') {
      o << "\\n";
    } else if (c == '\t') {
      o << "\\t";
    } else if (c < 0x20) {
      char u[7] = {'\\', 'u', '0', '0', "0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15], 0};
      o << u;
    } else {
      o << static_cast<char>(c);
    }
  }
}

const char* signal_text(int sig) noexcept {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV (segmentation fault)";
    case SIGBUS: return "SIGBUS (bus error)";
    case SIGFPE: return "SIGFPE (arithmetic exception)";
    case SIGILL: return "SIGILL (illegal instruction)";
    case SIGABRT: return "SIGABRT (abort)";
    case SIGHUP: return "SIGHUP (hangup)";
    case SIGTERM: return "SIGTERM (terminate)";
    case SIGUSR1: return "SIGUSR1 (user signal 1)";
    case SIGUSR2: return "SIGUSR2 (user signal 2)";
    case SIGPIPE: return "SIGPIPE (write to a pipe or socket nobody reads)";
    case SIGALRM: return "SIGALRM (alarm clock)";
    case SIGVTALRM: return "SIGVTALRM (virtual alarm clock)";
    case SIGPROF: return "SIGPROF (profiling timer)";
    case SIGXCPU: return "SIGXCPU (CPU time limit exceeded)";
    case SIGXFSZ: return "SIGXFSZ (file size limit exceeded)";
    case SIGTRAP: return "SIGTRAP (trace or breakpoint trap)";
    case SIGSYS: return "SIGSYS (bad system call)";
  }
  return "a fatal signal";
}

void put_location(RawOut& o, const Location& l) noexcept {
  if (l.line == 0) {
    o << (l.function && l.function[0] ? l.function : "?");
    return;
  }
  o << l.file << ':' << std::uint64_t{l.line} << ':'
    << std::uint64_t{original_column(l.file, l.line, l.column)} << " in " << l.function;
}

// "weft: crash in iteration 3 (strategy random, seed 1)\n\n", as ExploreResult::to_string.
void put_header(RawOut& o, const LiveRun& run, const char* kind) noexcept {
  o << "\nweft: " << kind << " in ";
  if (run.strategy == StrategyKind::replay) {
    o << "replayed schedule\n\n";
    return;
  }
  o << "iteration " << run.iteration.load() + 1 << " (strategy " << strategy_text(run.strategy)
    << ", seed " << run.seed << ")\n\n";
}

// The running goroutine in the shape of goroutine_dump(), with its last visible operation.
void put_goroutine(RawOut& o, const G* g) noexcept {
  if (!g) {
    o << "no goroutine was running (the scheduler itself, or a timer callback)\n";
    return;
  }
  o << "goroutine " << std::uint64_t{g->id};
  if (!g->name.empty()) o << " \"" << g->name.c_str() << '"';
  o << " [running]:\n";
  if (g->last_op.line != 0 || (g->last_op.function && g->last_op.function[0])) {
    o << "    last visible operation at ";
    put_location(o, g->last_op);
    o << '\n';
  } else {
    o << "    no visible operation yet\n";
  }
  if (g->parent != 0) {
    o << "    created by goroutine " << std::uint64_t{g->parent} << " at ";
    put_location(o, g->created_at);
    o << '\n';
  } else if (g->id == 1) {
    o << "    (the main goroutine: the body given to weft::explore)\n";
  }
}

void put_token_text(RawOut& o, const ControlledScheduler* s) noexcept {
  auto put = [](void* ctx, const char* p, std::size_t n) { static_cast<RawOut*>(ctx)->put(p, n); };
  if (s)
    s->schedule_so_far().stream_token(put, &o);
  else
    ScheduleLog().stream_token(put, &o);
}

void put_token(RawOut& o, const ControlledScheduler* s) noexcept {
  o << "\nreplay with: WEFT_REPLAY=";
  put_token_text(o, s);
  o << '\n';
}

const G* running_goroutine(const LiveRun& run) noexcept;

void put_frame_json(RawOut& o, const Location& l) noexcept {
  const char* file = l.file ? l.file : "";
  const char* fn = l.function ? l.function : "";
  o << "{\"function\": \"";
  put_json_escaped(o, fn, std::strlen(fn));
  o << "\", \"file\": \"";
  put_json_escaped(o, file, std::strlen(file));
  o << "\", \"line\": " << std::uint64_t{l.line} << ", \"column\": "
    << std::uint64_t{original_column(l.file, l.line, l.column)} << "}";
}

// The failure's fields (weft::Failure) that the fatal path knows: the running goroutine,
// where its last visible operation was, and who created it.
void put_running_json(RawOut& o, const G* g) noexcept {
  const bool placed = g && g->last_op.line != 0;
  o << ", \"locations\": [";
  if (placed) put_frame_json(o, g->last_op);
  o << "], \"goroutines\": [";
  if (g) {
    o << "{\"id\": " << std::uint64_t{g->id} << ", \"name\": \"";
    put_json_escaped(o, g->name.c_str(), g->name.size());
    o << "\", \"state\": \"running\", \"stack\": [";
    if (placed) put_frame_json(o, g->last_op);
    o << "], \"parent\": " << std::uint64_t{g->parent} << ", \"created_at\": [";
    if (g->parent != 0) put_frame_json(o, g->created_at);
    o << "], \"locks\": []}";
  }
  o << "]";
}

// The failure object of a fatal report: its kind, iteration, token and the captured body.
void put_fatal_failure_json(RawOut& o, const LiveRun& run, const char* kind,
                            std::uint64_t i) noexcept {
  o << "{\"kind\": \"" << kind << "\", \"iteration\": " << i << ", \"token\": \"";
  put_token_text(o, run.sched.load());
  o << "\", \"report\": \"";
  std::size_t len = fatal_body.len;
  if (fatal_body.truncated)  // not the first bytes of a character cut in two
    while (len > 0 && static_cast<unsigned char>(fatal_body.text[len - 1]) >= 0x80) --len;
  put_json_escaped(o, fatal_body.text, len);
  if (fatal_body.truncated) o << "...\\n(the rest of this report is on stderr)\\n";
  o << "\", \"message\": \"";
  std::size_t first_line = 0;
  while (first_line < len && fatal_body.text[first_line] != '\n') ++first_line;
  put_json_escaped(o, fatal_body.text, first_line);
  o << "\"";
  put_running_json(o, running_goroutine(run));
  o << "}";
}

// With WEFT_REPORT set, the fatal report as JSON too (report_file.hpp), after the text
// reached stderr: the armed template, this iteration, the token and the captured body,
// into a temporary file renamed over the target once complete.
void write_fatal_json(const LiveRun& run, const char* kind) noexcept {
  const FatalReportTemplate* t = fatal_report_file();
  if (!t) return;
  int fd = ::open(t->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return;
  bool ok;
  {
    RawOut o(fd);
    const std::uint64_t i = run.iteration.load();
    o << t->prefix << t->run_head << "\"iterations\": "
      << (t->replay ? std::uint64_t{1} : i - t->first_iteration + 1)
      << ", \"budget_exhausted\": false, \"exhausted\": false, \"failure\": ";
    put_fatal_failure_json(o, run, kind, i);
    // keep_going: what was found before, then this, as a finished run lists its findings.
    if (const char* earlier = t->findings.load(); earlier && *earlier) {
      o << ", \"findings\": [" << earlier << ", ";
      put_fatal_failure_json(o, run, kind, i);
      o << "]";
    }
    o << "}" << t->suffix;
    ok = o.flush();
  }
  if (::close(fd) == 0 && ok)
    ::rename(t->tmp, t->path);
  else
    ::unlink(t->tmp);
}

const G* running_goroutine(const LiveRun& run) noexcept {
  ControlledScheduler* s = run.sched.load();
  return s ? const_cast<ControlledScheduler*>(s)->current() : nullptr;
}

// The fault's line: a stack overflow of `g` (returns true), or the signal and its address
// (or that the program raised it), then `suffix`.
bool put_fault(RawOut& o, const G* g, int sig, const siginfo_t* info, std::uintptr_t sp,
               const char* suffix) noexcept {
  const void* fault = info ? info->si_addr : nullptr;
  const bool faulted = info && info->si_code > 0 && sig != SIGABRT && !is_ending_signal(sig);
  const bool overflow = faulted && g && g->stack.bottom && (sig == SIGSEGV || sig == SIGBUS) &&
                        is_stack_overflow(g->stack.bottom, fault, sp);
  if (overflow) {
    o << "stack overflow: goroutine " << std::uint64_t{g->id} << " ran past the end of its "
      << std::uint64_t{g->stack.size} << "-byte stack (" << (sig == SIGBUS ? "SIGBUS" : "SIGSEGV")
      << " at ";
    o.hex(reinterpret_cast<std::uintptr_t>(fault)) << ")\n";
    return true;
  }
  o << "signal " << signal_text(sig);
  if (faulted) {
    o << " at address ";
    o.hex(reinterpret_cast<std::uintptr_t>(fault));
  } else if (info && info->si_code <= 0) {
    o << " raised by the program (abort(), raise() or kill)";
  } else if (is_ending_signal(sig)) {
    o << " sent by the system";
  }
  o << suffix << '\n';
  return false;
}

void report_signal(const LiveRun& run, int sig, const siginfo_t* info, std::uintptr_t sp) noexcept {
  RawOut o;
  const G* g = running_goroutine(run);
  put_header(o, run, "crash");
  o.capture(&fatal_body);
  const bool overflow = put_fault(o, g, sig, info, sp, "");
  put_goroutine(o, g);
  if (overflow)
    o << "goroutine stacks hold " << std::uint64_t{run.stack_size}
      << " bytes: raise ExploreOptions::stack_size, or move large locals to the heap\n";
  o.capture(nullptr);
  put_token(o, run.sched.load());
  o.flush();
  write_fatal_json(run, "crash");
}

void report_exit(const LiveRun& run, const char* what, int status, bool has_status) noexcept {
  RawOut o;
  put_header(o, run, "crash");
  o.capture(&fatal_body);
  o << what;
  if (has_status) o << " with status " << static_cast<std::uint64_t>(status & 0xff);
  o << " called during an explored iteration; the process ends here\n";
  put_goroutine(o, running_goroutine(run));
  o.capture(nullptr);
  put_token(o, run.sched.load());
  o.flush();
  write_fatal_json(run, "crash");
}

// A fatal signal on one of weft::run's threads, in the words of the run's other fatal errors
// (ParallelScheduler::die): the process ends with the signal after this.
void report_run_signal(const G* g, int sig, const siginfo_t* info, std::uintptr_t sp) noexcept {
  RawOut o;
  o << "\nfatal error: ";
  const bool overflow = put_fault(o, g, sig, info, sp, " under weft::run");
  o << '\n';
  if (g) {
    // Under run no last operation is recorded: who it is and where it was created.
    o << "goroutine " << std::uint64_t{g->id};
    if (!g->name.empty()) o << " \"" << g->name.c_str() << '"';
    o << " [running]:\n";
    if (g->parent != 0) {
      o << "    created by goroutine " << std::uint64_t{g->parent} << " at ";
      put_location(o, g->created_at);
      o << '\n';
    } else {
      o << "    (the main goroutine: the body given to weft::run)\n";
    }
  } else {
    o << "no goroutine was running on this thread (the scheduler itself, a timer callback "
         "or a weft::blocking call)\n";
  }
  if (overflow)
    o << "raise RunOptions::stack_size, or move large locals to the heap\n";
  o.flush();
}

// The run whose report a signal or exit on this thread should produce, or nullptr.
LiveRun* reportable() noexcept {
  LiveRun* run = live_run.load();
  if (!run || !run->sched.load() || live_tid.load() != this_tid()) return nullptr;
  return run;
}

// Hands the signal to the action that was there before ours.
void pass_on(int sig, siginfo_t* info, void* uc) noexcept {
  const struct sigaction& p = previous[sig];
  if (p.sa_flags & SA_SIGINFO) {
    if (p.sa_sigaction) {
      p.sa_sigaction(sig, info, uc);
      return;
    }
  } else if (p.sa_handler != SIG_DFL && p.sa_handler != SIG_IGN) {
    p.sa_handler(sig);
    return;
  }
  // The default action (or ignore): put it back and let the kernel apply it. A fault
  // happens again when the handler returns; a sent signal (abort, raise) is sent again and
  // delivered once the handler returns and unblocks it.
  ::sigaction(sig, &p, nullptr);
  in_chain[sig] = false;
  // An ending signal is never a fault that comes back: one the kernel sent (SIGXCPU at a
  // limit) must be sent again too.
  if (!info || info->si_code <= 0 || is_ending_signal(sig)) ::raise(sig);
}

// The stack pointer of the interrupted context, or 0 where this port does not know it.
std::uintptr_t interrupted_sp(const void* uc) noexcept {
  const auto* u = static_cast<const ucontext_t*>(uc);
  if (!u) return 0;
#if defined(__x86_64__)
  return static_cast<std::uintptr_t>(u->uc_mcontext.gregs[REG_RSP]);
#elif defined(__aarch64__)
  return static_cast<std::uintptr_t>(u->uc_mcontext.sp);
#else
  return 0;
#endif
}

// A fault in a compacted goroutine's stack (stack_compact.hpp) is no crash: its bytes go
// back (or another thread's compaction or restore of it ends) and the access runs again. Not when the running goroutine overflowed into it: its
// stack pointer is then at or below the end of its own stack (a neighbour's top lies right
// below that end, so the faulting address alone cannot tell).
bool fault_in_compacted_stack(int sig, const siginfo_t* info, const void* uc) noexcept {
  // SIGBUS: a touch of a stack whose shared compaction or restore is under way (an absent
  // page of a range registered with the userfaultfd).
  if ((sig != SIGSEGV && sig != SIGBUS) || !info || info->si_code <= 0) return false;
  const G* g = nullptr;
  if (LiveRun* run = live_run.load())
    g = run->sched.load() && live_tid.load() == this_tid() ? running_goroutine(*run) : nullptr;
  else if (auto running = run_running.load())
    g = running();  // weft::run: the goroutine on this processor's thread
  return restore_compacted_at_fault(info, uc, g);
}

void on_fatal_signal(int sig, siginfo_t* info, void* uc) {
  int saved = errno;
  if (fault_in_compacted_stack(sig, info, uc)) {
    errno = saved;
    return;
  }
  if (LiveRun* run = reportable(); run && claim_fatal_report()) {
    report_signal(*run, sig, info, interrupted_sp(uc));
  } else if (auto running = run_running.load(); running && claim_fatal_report()) {
    report_run_signal(running(), sig, info, interrupted_sp(uc));
  }
  pass_on(sig, info, uc);
  errno = saved;
}

void on_exit_hook(int status, void*) {
  if (LiveRun* run = reportable(); run && claim_fatal_report()) {
    report_exit(*run, "exit()", status, true);
    // The rest of exit() would run static destructors under goroutines suspended mid-call
    // on their fiber stacks, and a leak checker would count what their frames own: end
    // here, with the same status, once stdio is flushed.
    std::fflush(nullptr);
    ::_exit(status);
  }
}

void on_quick_exit_hook() {
  if (LiveRun* run = reportable(); run && claim_fatal_report())
    report_exit(*run, "quick_exit()", 0, false);
}

std::once_flag exit_hooks;

void install_handler(int sig) noexcept {
  if (in_chain[sig]) return;  // still in someone's chain from an earlier run
  struct sigaction sa {};
  sa.sa_sigaction = &on_fatal_signal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  if (::sigaction(sig, &sa, &previous[sig]) == 0) in_chain[sig] = true;
}

// `explore`: also the ending signals that still have their default action.
void install_handlers(bool explore) noexcept {
  for (int sig : kSignals) install_handler(sig);
  if (!explore) return;
  for (int sig : kEndingSignals) {
    struct sigaction now {};
    if (in_chain[sig] || ::sigaction(sig, nullptr, &now) != 0) continue;
    if (!(now.sa_flags & SA_SIGINFO) && now.sa_handler == SIG_DFL) install_handler(sig);
  }
}

void remove_handlers() noexcept {
  auto remove = [](int sig) {
    if (!in_chain[sig]) return;
    struct sigaction now {};
    ::sigaction(sig, nullptr, &now);
    if ((now.sa_flags & SA_SIGINFO) && now.sa_sigaction == &on_fatal_signal) {
      ::sigaction(sig, &previous[sig], nullptr);
      in_chain[sig] = false;
    }  // else someone chained onto ours: stay as a pass-through
  };
  for (int sig : kSignals) remove(sig);
  for (int sig : kEndingSignals) remove(sig);
}

}  // namespace

bool claim_fatal_report() noexcept { return !report_written.exchange(true); }

bool is_stack_overflow(const void* bottom, const void* fault, std::uintptr_t sp) noexcept {
  // An overflowing frame faults in the guard below the stack, or a little further down when
  // one frame is larger than the guard; a much larger frame moves the stack pointer itself
  // below the stack and faults near it. (A stack pointer far below, beyond any frame, is
  // not on this stack at all: another context's.)
  constexpr std::uintptr_t kReach = 64 * 1024;
  constexpr std::uintptr_t kLargestFrame = std::uintptr_t{1} << 30;
  auto b = reinterpret_cast<std::uintptr_t>(bottom);
  auto f = reinterpret_cast<std::uintptr_t>(fault);
  if (f >= b) return false;
  if (b - f <= kReach) return true;
  return sp != 0 && sp < b && b - sp <= kLargestFrame && f + kReach >= sp;
}

bool restore_compacted_at_fault(const siginfo_t* info, const void* uc,
                                const G* running) noexcept {
  if (!info || info->si_code <= 0) return false;
  if (running && running->stack.bottom) {
    const std::uintptr_t sp = interrupted_sp(uc);
    if (is_stack_overflow(running->stack.bottom, info->si_addr, sp)) {
      const auto bottom = reinterpret_cast<std::uintptr_t>(running->stack.bottom);
      constexpr std::uintptr_t kSlack = 4096;  // a frame being set up near the end
      // Its own stack pointer below (or at) the end of its stack: an overflow, perhaps far
      // into a neighbour's compacted stack, whose bytes must not come back under it.
      if (sp == 0 || sp < bottom + kSlack) return false;
    }
  }
  return restore_stack_at_fault(info->si_addr);
}

void write_hang_report(const LiveRun& run, const char* why) noexcept {
  RawOut o;
  put_header(o, run, "hang");
  o.capture(&fatal_body);
  o << why;
  put_goroutine(o, running_goroutine(run));
  o.capture(nullptr);
  put_token(o, run.sched.load());
  o.flush();
  write_fatal_json(run, "hang");
}

ThreadAltStack::ThreadAltStack() noexcept {
  static_assert(sizeof(stack_t) <= sizeof old_);
  size_ = 256 * 1024;  // roomy: a sanitizer's handler may run on it after ours
  stack_ = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                  -1, 0);
  if (stack_ == MAP_FAILED) {
    stack_ = nullptr;
    return;
  }
  stack_t ss{};
  ss.ss_sp = stack_;
  ss.ss_size = size_;
  stack_t old{};
  if (::sigaltstack(&ss, &old) == 0) {
    installed_ = true;
    std::memcpy(old_, &old, sizeof old);
  }
}

ThreadAltStack::~ThreadAltStack() {
  if (installed_) {
    stack_t old;
    std::memcpy(&old, old_, sizeof old);
    if (old.ss_flags & SS_DISABLE) {
      old = stack_t{};
      old.ss_flags = SS_DISABLE;
    }
    ::sigaltstack(&old, nullptr);
  }
  if (stack_) ::munmap(stack_, size_);
}

CrashGuard::CrashGuard(LiveRun& run) {
  if (guard_taken.exchange(true)) return;  // another explore() owns the handlers
  owner_ = true;
  std::call_once(exit_hooks, [] {
    ::on_exit(&on_exit_hook, nullptr);
    std::at_quick_exit(&on_quick_exit_hook);
  });

  live_tid.store(this_tid());
  live_run.store(&run);
  install_handlers(true);
}

CrashGuard::~CrashGuard() {
  if (!owner_) return;
  remove_handlers();
  live_run.store(nullptr);
  live_tid.store(0);
  guard_taken.store(false);
}

RunCrashGuard::RunCrashGuard(const G* (*running)() noexcept) {
  if (guard_taken.exchange(true)) return;  // an explore() owns the handlers
  owner_ = true;
  run_running.store(running);
  install_handlers(false);
}

RunCrashGuard::~RunCrashGuard() {
  if (!owner_) return;
  remove_handlers();
  run_running.store(nullptr);
  guard_taken.store(false);
}

}  // namespace weft::detail
