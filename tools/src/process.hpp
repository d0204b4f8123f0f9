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
