// Child processes; see process.hpp.
#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace weft::cli {

Environment Environment::inherited() {
  Environment e;
  for (char** p = environ; p && *p; ++p) {
    std::string_view kv = *p;
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    e.vars_[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
  }
  return e;
}

const std::string* Environment::get(const std::string& name) const {
  auto it = vars_.find(name);
  return it == vars_.end() ? nullptr : &it->second;
}

std::vector<std::string> Environment::entries() const {
  std::vector<std::string> out;
  out.reserve(vars_.size());
  for (const auto& [k, v] : vars_) out.push_back(k + "=" + v);
  return out;
}

std::string ExitStatus::describe() const {
  if (!signaled) return fmt::format("exit status {}", code);
  const char* name = sigabbrev_np(signal);
  const char* what = sigdescr_np(signal);
  return fmt::format("signal SIG{} ({})", name ? name : std::to_string(signal).c_str(),
                     what ? what : "unknown");
}

std::string resolve_program(const std::string& program) {
  if (program.empty()) throw UsageError("no test binary given: put it after '--'");
  auto check = [&](const std::string& path) -> bool {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
  };
  if (program.find('/') != std::string::npos) {
    struct stat st {};
    if (::stat(program.c_str(), &st) != 0)
      throw UsageError(fmt::format("test binary '{}' does not exist ({}); build it or check the path",
                                   program, std::strerror(errno)));
    if (!S_ISREG(st.st_mode))
      throw UsageError(fmt::format("test binary '{}' is not a regular file", program));
    if (::access(program.c_str(), X_OK) != 0)
      throw UsageError(fmt::format("test binary '{}' is not executable (chmod +x it)", program));
    return program;
  }
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "/usr/bin:/bin";
  while (true) {
    auto colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + program;
    if (check(candidate)) return candidate;
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  throw UsageError(fmt::format(
      "test binary '{}' was not found in PATH; give its path, such as ./{}", program, program));
}

namespace {
// stdout and stderr go to the files named, or (where a path is null) onto the fds given.
pid_t spawn_onto(const std::vector<std::string>& argv, const Environment& env,
                 const char* stdout_path, const char* stderr_path, int stdout_fd, int stderr_fd) {
  // Everything the child needs is made here: between fork and exec it only makes system
  // calls (async-signal-safe), and reports a failure's errno through a close-on-exec pipe.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> entries = env.entries();
  std::vector<char*> envp;
  for (auto& e : entries) envp.push_back(e.data());
  envp.push_back(nullptr);
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0)
    throw UsageError(fmt::format("cannot start '{}': {}", argv[0], std::strerror(errno)));
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int e = errno;
    ::close(report[0]);
    ::close(report[1]);
    throw UsageError(fmt::format("cannot start '{}': {}", argv[0], std::strerror(e)));
  }
  if (pid == 0) {
    ::close(report[0]);
    int err = 0;
    const auto onto = [&err](int fd, const char* file, int flags) {
      if (err != 0) return;
      const int f = ::open(file, flags | O_CLOEXEC, 0644);
      if (f < 0 || ::dup2(f, fd) < 0) err = errno;  // dup2 clears close-on-exec on fd
      if (f >= 0) ::close(f);
    };
    // A process group of its own, and SIGKILL when the CLI dies (however it dies: a CI
    // runner's kill -9 of the CLI's group no longer reaches the workers' groups).
    if (::setpgid(0, 0) != 0 || ::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) err = errno;
    if (err == 0 && ::getppid() != parent) ::_exit(127);  // the CLI is gone already
    onto(STDIN_FILENO, "/dev/null", O_RDONLY);
    const auto onto_fd = [&err](int fd, int from) {
      if (err == 0 && ::dup2(from, fd) < 0) err = errno;  // dup2 clears close-on-exec on fd
    };
    if (stdout_path) onto(STDOUT_FILENO, stdout_path, O_WRONLY | O_CREAT | O_TRUNC);
    else onto_fd(STDOUT_FILENO, stdout_fd);
    if (stderr_path) onto(STDERR_FILENO, stderr_path, O_WRONLY | O_CREAT | O_TRUNC);
    else onto_fd(STDERR_FILENO, stderr_fd);
    if (err == 0) {
      ::execve(args[0], args.data(), envp.data());
      err = errno;
    }
    (void)!::write(report[1], &err, sizeof err);
    ::_exit(127);
  }
  ::close(report[1]);
  int err = 0;
  ssize_t n;
  do {
    n = ::read(report[0], &err, sizeof err);
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n == static_cast<ssize_t>(sizeof err)) {  // it could not exec: it has exited
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    throw UsageError(fmt::format("cannot start '{}': {}", argv[0], std::strerror(err)));
  }
  return pid;
}

}  // namespace

pid_t spawn(const std::vector<std::string>& argv, const Environment& env,
            const std::string& stdout_path, const std::string& stderr_path) {
  return spawn_onto(argv, env, stdout_path.c_str(), stderr_path.c_str(), -1, -1);
}

// ---------------------------------------------------------------------------------------
// Captures.

namespace {
// The captures whose pipe is open (the CLI is single-threaded).
std::vector<Capture*>& open_captures() {
  static std::vector<Capture*> all;
  return all;
}
}  // namespace

Capture::Capture(std::size_t head, std::size_t tail) : head_max_(head), tail_max_(tail) {}

Capture::~Capture() { close_pipe(); }

void Capture::close_pipe() noexcept {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  std::erase(open_captures(), this);
}

void Capture::take(const char* p, std::size_t n) {
  total_ += n;
  const std::size_t to_head = std::min(n, head_max_ - head_.size());
  head_.append(p, to_head);
  p += to_head;
  n -= to_head;
  if (n == 0 || tail_max_ == 0) return;
  if (n >= tail_max_) {  // only its last tail_max_ bytes can stay
    ring_.assign(p + n - tail_max_, p + n);
    start_ = 0;
    return;
  }
  if (ring_.size() < tail_max_) {  // filling up
    const std::size_t fill = std::min(n, tail_max_ - ring_.size());
    ring_.insert(ring_.end(), p, p + fill);
    p += fill;
    n -= fill;
  }
  while (n > 0) {  // full: overwrite the oldest, in at most two pieces
    const std::size_t piece = std::min(n, tail_max_ - start_);
    std::memcpy(ring_.data() + start_, p, piece);
    start_ = (start_ + piece) % tail_max_;
    p += piece;
    n -= piece;
  }
}

std::uint64_t Capture::dropped() const noexcept { return total_ - head_.size() - ring_.size(); }

std::string Capture::text() const {
  std::string s = head_;
  if (const std::uint64_t gone = dropped(); gone > 0)
    s += fmt::format("\n[weft: {} bytes of this output dropped here; only its first {} KiB and "
                     "last {} KiB are kept]\n",
                     gone, head_max_ >> 10, tail_max_ >> 10);
  s.append(ring_.begin() + static_cast<std::ptrdiff_t>(start_), ring_.end());
  s.append(ring_.begin(), ring_.begin() + static_cast<std::ptrdiff_t>(start_));
  return s;
}

bool Capture::read_some() noexcept {
  char buf[1 << 16];
  for (int i = 0; i < 16; ++i) {  // at most 1 MiB at a time: other pipes get their turn
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n > 0) {
      try {
        take(buf, static_cast<std::size_t>(n));
      } catch (...) {  // no memory for a few hundred KiB: the rest is dropped
        total_ += static_cast<std::uint64_t>(n);
      }
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && errno == EAGAIN;  // drained for now; anything else is the end
  }
  return true;
}

// Reads what the open captures' pipes hold, waiting up to `timeout_ms` for some (sleeping
// that long when there is none); with `ended` (a reaped child), reads its captures to the
// end and closes them.
void pump_captures(int timeout_ms, pid_t ended) {
  if (ended != 0) {
    std::vector<Capture*> its;
    for (Capture* c : open_captures())
      if (c->child_ == ended) its.push_back(c);
    for (Capture* c : its) {
      while (c->read_some()) {
        // The child and its group are gone: what is left is in the pipe, or held open by
        // a process that left the group (setsid), which is not waited for.
        pollfd p{c->fd_, POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0) break;
      }
      c->close_pipe();
    }
    return;
  }
  std::vector<pollfd> fds;
  for (Capture* c : open_captures()) fds.push_back({c->fd_, POLLIN, 0});
  if (::poll(fds.data(), fds.size(), timeout_ms) <= 0) return;  // EINTR: the caller looks
  std::vector<Capture*> done;
  for (std::size_t i = 0; i < fds.size(); ++i)
    if (fds[i].revents != 0) {
      Capture* c = open_captures()[i];
      if (!c->read_some()) done.push_back(c);
    }
  for (Capture* c : done) c->close_pipe();
}

pid_t spawn(const std::vector<std::string>& argv, const Environment& env, Capture& out,
            Capture& err) {
  int pipes[2][2];
  for (int i = 0; i < 2; ++i)
    if (::pipe2(pipes[i], O_CLOEXEC) != 0) {
      const int e = errno;
      if (i == 1) {
        ::close(pipes[0][0]);
        ::close(pipes[0][1]);
      }
      throw UsageError(fmt::format("cannot start '{}': {}", argv[0], std::strerror(e)));
    }
  pid_t pid = 0;
  try {
    pid = spawn_onto(argv, env, nullptr, nullptr, pipes[0][1], pipes[1][1]);
  } catch (...) {
    for (auto& p : pipes) {
      ::close(p[0]);
      ::close(p[1]);
    }
    throw;
  }
  Capture* captures[2] = {&out, &err};
  for (int i = 0; i < 2; ++i) {
    ::close(pipes[i][1]);
    captures[i]->close_pipe();
    captures[i]->fd_ = pipes[i][0];
    captures[i]->child_ = pid;
    ::fcntl(pipes[i][0], F_SETFL, O_NONBLOCK);
    open_captures().push_back(captures[i]);
  }
  return pid;
}

namespace {
// pid has ended (a zombie, not reaped: its id and its group's stay taken): kills what is left
// of its process group, then reaps it.
ExitStatus reap_ended(pid_t pid);

ExitStatus decode(int status) {
  ExitStatus s;
  if (WIFSIGNALED(status)) {
    s.signaled = true;
    s.signal = WTERMSIG(status);
  } else {
    s.code = WEXITSTATUS(status);
  }
  return s;
}

ExitStatus reap_ended(pid_t pid) {
  ::kill(-pid, SIGKILL);  // ESRCH when the group is empty: nothing was left behind
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  pump_captures(0, pid);
  return decode(status);
}

// Whether pid has ended, without reaping it. Blocking, false when a signal interrupted the
// wait (errno EINTR: the caller looks at interrupted() and asks again) or pid is no child.
bool ended(pid_t pid, bool block) {
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT | (block ? 0 : WNOHANG)) != 0)
    return false;
  return info.si_pid == pid;
}
}  // namespace

std::optional<std::pair<pid_t, ExitStatus>> wait_any(const std::vector<pid_t>& pids,
                                                     std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    for (pid_t p : pids)
      if (ended(p, false)) return std::pair{p, reap_ended(p)};
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    pump_captures(5, 0);  // or sleeps
  }
}

namespace {
volatile std::sig_atomic_t interrupt_signal = 0;
extern "C" void note_interrupt(int sig) { interrupt_signal = sig; }
constexpr int kInterrupts[3] = {SIGTERM, SIGINT, SIGHUP};
}  // namespace

struct InterruptGuard::Saved {
  struct sigaction old[3];
};

InterruptGuard::InterruptGuard() : saved_(new Saved) {
  interrupt_signal = 0;
  struct sigaction sa {};
  sa.sa_handler = &note_interrupt;  // no SA_RESTART: a blocking waitpid() returns EINTR
  sigemptyset(&sa.sa_mask);
  for (std::size_t i = 0; i < 3; ++i) ::sigaction(kInterrupts[i], &sa, &saved_->old[i]);
}

InterruptGuard::~InterruptGuard() {
  for (std::size_t i = 0; i < 3; ++i) ::sigaction(kInterrupts[i], &saved_->old[i], nullptr);
  delete saved_;
}

int interrupted() noexcept { return interrupt_signal; }

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", sig);
}

ExitStatus wait_for(pid_t pid) {
  bool killed = false;
  for (;;) {
    if (interrupted() && !killed) {
      ::kill(-pid, SIGKILL);  // its process group
      killed = true;
    }
    // A child whose output is captured must not block on a full pipe: its pipes are read
    // while it runs.
    const bool captured = std::any_of(open_captures().begin(), open_captures().end(),
                                      [pid](const Capture* c) { return c->reading_from() == pid; });
    if (captured) {
      if (ended(pid, false)) break;
      pump_captures(20, 0);
      continue;
    }
    if (ended(pid, true) || errno != EINTR) break;
  }
  return reap_ended(pid);
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string output_path_problem(const std::string& path, const std::string& what) {
  if (path.empty()) return fmt::format("{}: the path is empty; give a file name", what);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode))
      return fmt::format("{} '{}' is a directory; give a file name inside it", what, path);
    if (::access(path.c_str(), W_OK) != 0)
      return fmt::format("{} '{}' cannot be written: {}", what, path, std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return {};  // a device or FIFO takes the text as it is
  } else if (errno != ENOENT) {
    return fmt::format("{} '{}' cannot be written: {}", what, path, std::strerror(errno));
  }
  // The file is replaced through a temporary file beside it: its directory must take one.
  std::error_code ec;
  std::filesystem::path target = std::filesystem::weakly_canonical(path, ec);
  if (ec) target = path;
  std::filesystem::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  if (::stat(dir.c_str(), &st) != 0)
    return fmt::format("{} '{}': its directory '{}' does not exist ({}); create it first", what,
                       path, dir.string(), std::strerror(errno));
  if (!S_ISDIR(st.st_mode))
    return fmt::format("{} '{}': '{}' is not a directory", what, path, dir.string());
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return fmt::format("{} '{}': its directory '{}' is not writable: {}", what, path,
                       dir.string(), std::strerror(errno));
  return {};
}

void write_file_whole(const std::string& path, const std::string& text, const std::string& what) {
  auto fail = [&](int err) {
    throw UsageError(fmt::format("{}: cannot write '{}': {}", what, path, std::strerror(err)));
  };
  auto write_all = [&](int fd) -> int {
    std::size_t done = 0;
    while (done < text.size()) {
      ssize_t n = ::write(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return n < 0 ? errno : EIO;
      done += static_cast<std::size_t>(n);
    }
    return 0;
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
    // A device or FIFO (/dev/stdout): no file to replace, the text goes in as it is.
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) fail(errno);
    int err = write_all(fd);
    if (::close(fd) != 0 && err == 0) err = errno;
    if (err != 0) fail(err);
    return;
  }
  std::error_code ec;
  std::filesystem::path target = std::filesystem::weakly_canonical(path, ec);
  if (ec) target = path;
  std::string tmp = target.string() + ".weft-XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) fail(errno);
  int err = write_all(fd);
  // The mode an existing file had, or what a new one gets under the umask.
  mode_t mode = 0;
  if (::stat(target.c_str(), &st) == 0) {
    mode = st.st_mode & 07777;
  } else {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    mode = 0666 & ~mask;
  }
  if (err == 0 && ::fchmod(fd, mode) != 0) err = errno;
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(tmp.c_str(), target.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    fail(err);
  }
}

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base && *base ? base : "/tmp") + "/weft-XXXXXX";
  if (!::mkdtemp(templ.data()))
    throw UsageError(fmt::format("cannot create a temporary directory '{}': {} (set TMPDIR to a "
                                 "writable directory)",
                                 templ, std::strerror(errno)));
  path_ = templ;
  // The workers' output, reports and crash reports land here: on a full disk they would be
  // cut short and read as something else (an empty listing, a crash without its report).
  constexpr std::uint64_t kLeast = 4 << 20;
  struct statvfs fs {};
  if (::statvfs(templ.c_str(), &fs) == 0 &&
      static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize < kLeast) {
    const std::uint64_t free_kib = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize / 1024;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
    throw UsageError(fmt::format("the temporary directory's file system has {} KiB free ('{}'); "
                                 "weft keeps its workers' output and reports there and needs at "
                                 "least {} MiB: free some space or set TMPDIR to another directory",
                                 free_kib, templ, kLeast >> 20));
  }
}

TempDir::~TempDir() {
  if (keep_) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace weft::cli
