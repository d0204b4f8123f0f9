// The trace recorder; see trace.hpp.
#include "trace.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

#include "goroutine.hpp"
#include "report_json.hpp"
#include "identity.hpp"
#include "scheduler.hpp"

namespace weft::detail {

struct TraceRecorder::Event {
  std::string op;
  GoId g = 0;
  std::string obj;
  std::optional<Location> where;
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
};

TraceRecorder::TraceRecorder(const std::string& path) {
  // O_NONBLOCK: a FIFO nobody reads is an error (ENXIO) rather than an open() that waits
  // for ever; the writes themselves block as usual.
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK, 0644);
  if (fd_ < 0)
    throw std::invalid_argument(fmt::format(
        "WEFT_TRACE='{}': cannot open it for writing: {}", path,
        errno == ENXIO ? "a FIFO that no process has open for reading" : std::strerror(errno)));
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
  const std::string head = "{\"schema\":\"weft.trace/1\"}\n";
  (void)!::write(fd_, head.data(), head.size());
}

TraceRecorder::~TraceRecorder() {
  if (fd_ >= 0) ::close(fd_);
}

std::string TraceRecorder::object(const void* addr, char kind) {
  auto it = names_.find(addr);
  if (it != names_.end()) return it->second;
  std::string name = fmt::format("{}{}", kind, ++counts_[kind]);
  names_.emplace(addr, name);
  return name;
}

void TraceRecorder::emit(Event& e) {
  nlohmann::ordered_json j;
  j["i"] = next_++;
  j["op"] = e.op;
  j["g"] = e.g;
  if (!e.obj.empty()) j["obj"] = e.obj;
  Scheduler* s = current_scheduler();
  j["t"] = s ? s->now().count() : 0;
  // The event's own location, or the goroutine's latest visible operation.
  std::optional<Location> where = e.where;
  if (!where && s) {
    if (G* cur = s->current(); cur && cur->id == e.g) where = cur->last_op;
  }
  if (where && (where->line != 0 || (where->function && where->function[0]))) {
    j["file"] = where->file ? where->file : "";
    j["line"] = where->line;
    j["func"] = where->function ? where->function : "";
  }
  for (auto& [k, v] : e.extra.items()) j[k] = v;
  std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a full disk loses the rest of the trace, never the run
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void TraceRecorder::iteration_begin() {
  SinkCallGuard guard;
  names_.clear();
  counts_.clear();
  last_release_.clear();
}

void TraceRecorder::go_start(const GoroutineDesc& d) {
  SinkCallGuard guard;
  Event e{"spawn", d.parent, "", d.created_at, {}};
  e.extra["child"] = d.id;
  e.extra["name"] = std::string(d.name);
  e.extra["identity"] = format_identity(d.identity);
  emit(e);
}

void TraceRecorder::go_end(GoId g) {
  SinkCallGuard guard;
  Event e{"end", g, "", Location{}, {}};
  emit(e);
}

void TraceRecorder::acquire(GoId g, const void* sync) {
  SinkCallGuard guard;
  Event e{"acquire", g, object(sync, 's'), std::nullopt, {}};
  if (auto it = last_release_.find(sync); it != last_release_.end()) e.extra["from"] = it->second;
  emit(e);
}

void TraceRecorder::release(GoId g, const void* sync) {
  SinkCallGuard guard;
  last_release_[sync] = next_;
  Event e{"release", g, object(sync, 's'), std::nullopt, {}};
  emit(e);
}

void TraceRecorder::release_store(GoId g, const void* sync) {
  SinkCallGuard guard;
  last_release_[sync] = next_;
  Event e{"release_store", g, object(sync, 's'), std::nullopt, {}};
  emit(e);
}

void TraceRecorder::lock_acquired(GoId g, const void* m, bool exclusive, const Location& where) {
  SinkCallGuard guard;
  Event e{"lock", g, object(m, 'm'), where, {}};
  e.extra["exclusive"] = exclusive;
  emit(e);
}

void TraceRecorder::lock_try_acquired(GoId g, const void* m, bool exclusive,
                                      const Location& where) {
  SinkCallGuard guard;
  Event e{"try_lock", g, object(m, 'm'), where, {}};
  e.extra["exclusive"] = exclusive;
  emit(e);
}

void TraceRecorder::lock_released(GoId g, const void* m) {
  SinkCallGuard guard;
  Event e{"unlock", g, object(m, 'm'), std::nullopt, {}};
  emit(e);
}

void TraceRecorder::access(GoId g, const void* addr, std::size_t size, AccessKind k,
                           const Location& where) {
  if (where.line == 0) return;  // the allocator's frees, not the program's accesses
  SinkCallGuard guard;
  const auto base = static_cast<AccessKind>(static_cast<std::uint8_t>(k) & 3);
  Event e{base == AccessKind::read ? "read" : base == AccessKind::write ? "write" : "update", g,
          object(addr, 'a'), where, {}};
  e.extra["size"] = size;
  if (k != base) e.extra["atomic"] = true;
  emit(e);
}

void TraceRecorder::finish(const ExploreResult& r) {
  SinkCallGuard guard;
  nlohmann::ordered_json j;
  j["i"] = next_;
  j["op"] = "result";
  j["ok"] = r.ok();
  if (r.failure) {
    j["failure"] = failure_kind_name(r.failure->kind);
    j["report"] = r.failure->report;
    add_failure_fields(j, *r.failure);
  }
  std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  (void)!::write(fd_, line.data(), line.size());
}

std::unique_ptr<TraceRecorder> trace_from_environment(const ExploreOptions& o) {
  if (!o.use_environment || o.strategy != StrategyKind::replay) return nullptr;
  const char* path = std::getenv("WEFT_TRACE");
  if (!path || !*path) return nullptr;
  return std::make_unique<TraceRecorder>(path);
}

}  // namespace weft::detail
