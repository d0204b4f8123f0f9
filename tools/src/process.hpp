// Child processes for the weft CLI: an environment to hand down, spawning a program with its
// output sent to files, waiting for one or any child, and a temporary directory the CLI owns.
//
// Invariants: every child this module spawns is waited for by its caller (wait_any reaps
// only pids the caller passes in); each child leads a process group of its own, and once it
// has ended (before it is reaped, so the group's id cannot be reused meanwhile) whatever is
// left in its group is killed: a program under test that forked does not outlive its worker;
// a TempDir removes what it holds when it goes, unless kept.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace weft::cli {

// Bad input or a broken environment: the CLI prints the message and exits 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The environment a child gets: the CLI's own, edited.
class Environment {
 public:
  static Environment inherited();
  void set(const std::string& name, const std::string& value) { vars_[name] = value; }
  void unset(const std::string& name) { vars_.erase(name); }
  const std::string* get(const std::string& name) const;
  std::vector<std::string> entries() const;  // "NAME=value"

 private:
  std::map<std::string, std::string> vars_;
};

// How a child ended.
struct ExitStatus {
  bool signaled = false;
  int code = 0;    // the exit status, when !signaled
  int signal = 0;  // the signal that ended it, when signaled
  bool success() const noexcept { return !signaled && code == 0; }
  // "exit status 1", "signal SIGSEGV (segmentation fault)".
  std::string describe() const;
};

// Resolves `program` as execvp would (a name without '/' is looked up in PATH); throws
// UsageError naming the problem when it does not exist or is not executable.
std::string resolve_program(const std::string& program);

// Starts argv[0] (already resolved) with `env`, stdin from /dev/null, stdout and stderr to
// the given files (created or truncated), in a new process group, killed (SIGKILL) if the
// CLI dies first. Throws UsageError when it cannot be started.
pid_t spawn(const std::vector<std::string>& argv, const Environment& env,
            const std::string& stdout_path, const std::string& stderr_path);

// One output stream of a child (its stdout or stderr), read through a pipe while the CLI
// waits for it, keeping at most the first `head` and the last `tail` bytes: a worker that
// writes gigabytes costs neither disk nor more than head + tail bytes of memory. The pipe is
// read by wait_any and wait_for (so a child never blocks on a full pipe while the CLI waits
// for it) and to its end when its child is reaped.
class Capture {
 public:
  static constexpr std::size_t kHead = 64 << 10, kTail = 192 << 10;
  explicit Capture(std::size_t head = kHead, std::size_t tail = kTail);
  ~Capture();
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;
  // What was kept: the head, then (when bytes were dropped) a line saying how many, then the
  // tail.
  std::string text() const;
  std::uint64_t total() const noexcept { return total_; }    // bytes the child wrote
  std::uint64_t dropped() const noexcept;                    // of those, not kept
  // Takes `n` bytes (what the pipe gave).
  void take(const char* p, std::size_t n);
  // The child whose pipe is still open, or 0.
  pid_t reading_from() const noexcept { return fd_ >= 0 ? child_ : 0; }

 private:
  friend pid_t spawn(const std::vector<std::string>&, const Environment&, Capture&, Capture&);
  friend void pump_captures(int, pid_t);
  void close_pipe() noexcept;
  bool read_some() noexcept;  // false at the pipe's end (or an error)
  std::size_t head_max_, tail_max_;
  std::string head_;
  std::vector<char> ring_;   // the last bytes, ring_[start_] oldest once full
  std::size_t start_ = 0;
  std::uint64_t total_ = 0;
  int fd_ = -1;              // the pipe's read end while open
  pid_t child_ = 0;
};

// spawn() with stdout and stderr each read into a Capture.
pid_t spawn(const std::vector<std::string>& argv, const Environment& env, Capture& out,
            Capture& err);

// Waits up to `timeout` for one of `pids` to end; returns it and how it ended.
std::optional<std::pair<pid_t, ExitStatus>> wait_any(const std::vector<pid_t>& pids,
                                                     std::chrono::milliseconds timeout);
// Waits for `pid` to end; under an InterruptGuard, an interrupt kills it first (SIGKILL, its
// process group).
ExitStatus wait_for(pid_t pid);

// While one lives, SIGTERM, SIGINT and SIGHUP sent to the CLI (a CI job's timeout, ^C) are
// noted instead of ending it, so that it stops its workers and still prints what it found;
// wait_for() then kills the child it waits for. interrupted() is the signal, or 0.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  struct Saved;
  Saved* saved_;
};
int interrupted() noexcept;
std::string signal_name(int sig);  // "SIGTERM"

// The whole content of a file, or "" when it cannot be read.
std::string read_file(const std::filesystem::path& p);

// Why `path` cannot take an output file, or "" when it can: it must be a writable regular
// file, or a new one in an existing, writable directory (a device or FIFO, such as
// /dev/stdout, is written as it is). Messages start with `what` (the flag: "--report").
// Checked before a run starts, so a bad path costs nothing.
std::string output_path_problem(const std::string& path, const std::string& what);

// Writes `text` to `path` whole or not at all: a temporary file beside it (beside the file
// a symbolic link names), renamed over it once complete; on any error the temporary file is
// removed, the target is left as it was, and UsageError names `what`, the path and why.
void write_file_whole(const std::string& path, const std::string& text, const std::string& what);

class TempDir {
 public:
  // Under $TMPDIR (or /tmp); throws UsageError when it cannot be made, or when its file
  // system has less than 4 MiB free.
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const noexcept { return path_; }
  void keep() noexcept { keep_ = true; }

 private:
  std::filesystem::path path_;
  bool keep_ = false;
};

}  // namespace weft::cli
