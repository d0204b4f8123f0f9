// The WEFT_REPORT file; see report_file.hpp for its shape and the invariants kept.
#include "report_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

#include "strategy.hpp"

namespace weft::detail {

namespace {

// This process's results, per the path they went to. Guarded by `mu`.
struct Written {
  std::mutex mu;
  std::string path;               // the WEFT_REPORT they were written to
  std::vector<std::string> runs;  // each a weft.explore/1 object, in call order
  bool all_ok = true;

  // Makes `p` the path these results are for; the first time (for it): forgets those of
  // another path and returns true.
  bool reporting_to(const std::string& p) {
    if (path == p) return false;
    path = p;
    runs.clear();
    all_ok = true;
    return true;
  }
};
Written& written() {
  static Written w;
  return w;
}

std::atomic<const FatalReportTemplate*> armed{nullptr};

// The runs document: every result so far, in order, then `last` if given.
std::string runs_document(const std::vector<std::string>& runs, bool ok,
                          const std::string* last = nullptr) {
  std::string doc = fmt::format("{{\n\"schema\": \"weft.explore-runs/1\",\n\"ok\": {},\n\"runs\": [\n", ok);
  auto add = [&](const std::string& run) {
    if (doc.back() != '\n') doc += ",\n";
    doc += run;
    while (!doc.empty() && doc.back() == '\n') doc.pop_back();
  };
  for (const std::string& run : runs) add(run);
  if (last) add(*last);
  return doc + "\n]}\n";
}

// Writes `text` to `path` whole or not at all: a uniquely named temporary file in the
// target's directory, renamed over the target only once it is complete. Returns "" or why
// it failed (the temporary file is removed then).
std::string write_whole(const std::string& path, const std::string& text) {
  if (std::string why = report_path_problem(path); !why.empty()) return why;
  std::filesystem::path target(path);
  std::filesystem::path dir = target.parent_path();
  std::string tmp = (dir.empty() ? std::string(".") : dir.string()) + "/." +
                    target.filename().string() + ".weft-XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0)
    return fmt::format("WEFT_REPORT='{}': cannot create a temporary file beside it: {}", path,
                       std::strerror(errno));
  auto fail = [&](const char* what) {
    std::string why = fmt::format("WEFT_REPORT='{}': {}: {}; nothing was written", path, what,
                                  std::strerror(errno));
    ::close(fd);
    ::unlink(tmp.c_str());
    return why;
  };
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("write failed");
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, 0644) != 0) return fail("chmod failed");
  if (::fsync(fd) != 0 && errno != EINVAL) return fail("sync failed");
  if (::close(fd) != 0) {
    std::string why = fmt::format("WEFT_REPORT='{}': close failed: {}; nothing was written",
                                  path, std::strerror(errno));
    ::unlink(tmp.c_str());
    return why;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = fmt::format("WEFT_REPORT='{}': cannot move the report into place: {}; "
                                  "nothing was written",
                                  path, std::strerror(errno));
    ::unlink(tmp.c_str());
    return why;
  }
  return {};
}

}  // namespace

std::string report_path_problem(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode))
      return fmt::format("WEFT_REPORT='{}' is a symbolic link; weft writes reports only to "
                         "regular files: give the file's real path",
                         path);
    if (!S_ISREG(st.st_mode))
      return fmt::format("WEFT_REPORT='{}' is {}, not a regular file; give the path of a file "
                         "to create or replace",
                         path,
                         S_ISDIR(st.st_mode)                       ? "a directory"
                         : S_ISFIFO(st.st_mode)                    ? "a FIFO"
                         : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                                                                   : "a special file");
  } else if (errno != ENOENT) {
    return fmt::format("WEFT_REPORT='{}': {}", path, std::strerror(errno));
  }
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  struct stat ds {};
  if (::stat(dir.c_str(), &ds) != 0 || !S_ISDIR(ds.st_mode))
    return fmt::format("WEFT_REPORT='{}': the directory '{}' does not exist; create it or "
                       "choose another path",
                       path, dir.string());
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return fmt::format("WEFT_REPORT='{}': the directory '{}' is not writable ({}); choose "
                       "another path",
                       path, dir.string(), std::strerror(errno));
  return {};
}

void claim_report_path(const std::string& path) {
  Written& w = written();
  std::lock_guard lock(w.mu);
  if (!w.reporting_to(path)) return;
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) ::unlink(path.c_str());
}

std::string write_report_file(const std::string& path, const std::string& run_json, bool ok) {
  Written& w = written();
  std::lock_guard lock(w.mu);
  w.reporting_to(path);
  // Kept even when this write fails: the next write still holds every result.
  w.runs.push_back(run_json);
  w.all_ok = w.all_ok && ok;
  return write_whole(path, w.runs.size() == 1 ? run_json : runs_document(w.runs, w.all_ok));
}

std::string write_partial_report_file(const std::string& path, const std::string& run_json) {
  Written& w = written();
  std::lock_guard lock(w.mu);
  w.reporting_to(path);
  if (w.runs.empty()) return write_whole(path, run_json);
  return write_whole(path, runs_document(w.runs, false, &run_json));  // it holds a finding
}

FatalReportFile::FatalReportFile(const char* path, const ExploreOptions& options,
                                 std::uint64_t first) {
  if (!path || !*path || armed.load() != nullptr) return;
  path_ = path;
  std::filesystem::path target(path_);
  std::filesystem::path dir = target.parent_path();
  tmp_ = (dir.empty() ? std::string(".") : dir.string()) + "/." + target.filename().string() +
         fmt::format(".weft-fatal-{}", ::getpid());
  {
    Written& w = written();
    std::lock_guard lock(w.mu);
    if (w.path == path_ && !w.runs.empty()) {
      std::string doc = runs_document(w.runs, false);
      prefix_ = doc.substr(0, doc.size() - 4) + ",\n";  // without "\n]}\n"
      suffix_ = "\n]}\n";
    } else {
      suffix_.assign(1, '\n');  // not `= "\n"`: GCC 12 -O3 raises a false -Wrestrict on it
    }
  }
  head_ = fmt::format("{{\"schema\": \"weft.explore/1\", \"ok\": false, \"strategy\": {}, "
                      "\"seed\": {}, ",
                      nlohmann::json(std::string(strategy_text(options.strategy))).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                      options.seed);
  t_.path = path_.c_str();
  t_.tmp = tmp_.c_str();
  t_.prefix = prefix_.c_str();
  t_.run_head = head_.c_str();
  t_.suffix = suffix_.c_str();
  t_.first_iteration = first;
  t_.replay = options.strategy == StrategyKind::replay;
  const FatalReportTemplate* none = nullptr;
  armed_ = armed.compare_exchange_strong(none, &t_);
}

void FatalReportFile::set_findings(std::string fragment) {
  if (!armed_) return;
  findings_.push_back(std::make_unique<const std::string>(std::move(fragment)));
  t_.findings.store(findings_.back()->c_str());
}

FatalReportFile::~FatalReportFile() {
  if (armed_) armed.store(nullptr);
}

const FatalReportTemplate* fatal_report_file() noexcept { return armed.load(); }

}  // namespace weft::detail
