// The trace recorder (WEFT_TRACE=<file> on a replay): every event the runtime reports, one
// JSON object per line ("weft.trace/1", JSON Lines), written as it happens so a replay that
// crashes still leaves the events up to the crash. The weft CLI turns it into a Chrome trace
// and an HTML timeline (weft replay --trace).
//
// Line 1: {"schema":"weft.trace/1"}. Then one line per event:
//   {"i":7,"op":"release","g":2,"obj":"s1","t":0,"file":"a.cpp","line":12,"func":"f"}
// op: spawn (with "child", "name"), end, acquire (with "from": the index of the latest
// release of the same object, the happens-before edge), release, release_store, lock,
// try_lock, unlock (obj "mN"), read, write, update (obj "aN", "size"). Objects are named by
// kind and first appearance (s: synchronisation object such as a channel slot, m: mutex,
// a: memory), never by address, so a trace is the same in every replay. "t" is virtual time
// in nanoseconds. The last line is {"op":"result", ...} with the failure, if any.
//
// Invariants: events arrive on the exploring thread in the run's total order (events.hpp),
// so "i" is that order; the recorder's own allocations are not program events (it holds a
// SinkCallGuard while it runs).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "weft/events.hpp"
#include "weft/explore.hpp"

namespace weft::detail {

class TraceRecorder final : public EventSink {
 public:
  // Creates or truncates `path`; throws std::invalid_argument naming WEFT_TRACE.
  explicit TraceRecorder(const std::string& path);
  ~TraceRecorder() override;
  TraceRecorder(const TraceRecorder&) = delete;
  TraceRecorder& operator=(const TraceRecorder&) = delete;

  // Writes the final line: how the run ended.
  void finish(const ExploreResult& r);

  void iteration_begin() override;
  void go_start(const GoroutineDesc& d) override;
  void go_end(GoId g) override;
  void acquire(GoId g, const void* sync) override;
  void release(GoId g, const void* sync) override;
  void release_store(GoId g, const void* sync) override;
  void lock_acquired(GoId g, const void* m, bool exclusive, const Location& where) override;
  void lock_try_acquired(GoId g, const void* m, bool exclusive, const Location& where) override;
  void lock_released(GoId g, const void* m) override;
  void access(GoId g, const void* addr, std::size_t size, AccessKind k,
              const Location& where) override;

 private:
  struct Event;
  void emit(Event& e);
  std::string object(const void* addr, char kind);

  int fd_ = -1;
  std::uint64_t next_ = 0;
  std::unordered_map<const void*, std::string> names_;
  std::unordered_map<char, std::uint64_t> counts_;
  std::unordered_map<const void*, std::uint64_t> last_release_;
};

// The recorder WEFT_TRACE asks for, or nullptr: only under a replay (tracing an exploration
// of thousands of iterations would write each one). Throws std::invalid_argument.
std::unique_ptr<TraceRecorder> trace_from_environment(const ExploreOptions& o);

}  // namespace weft::detail
