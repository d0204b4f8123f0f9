// kvcache/stats.hpp — the stats collector: one goroutine that owns the server's counters.
//
// Workers and the janitor never touch the counters; they send an Event on a buffered
// channel and the collector goroutine folds it in (Go's "share memory by communicating").
// finish() closes the channel, waits until the collector has drained it and returns the
// totals.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kvcache/protocol.hpp"
#include "weft/chan.hpp"
#include "weft/time.hpp"

namespace kvcache {

struct Event {
  enum class Source { worker, janitor } source = Source::worker;
  std::size_t worker = 0;
  Op op = Op::invalid;
  Status status = Status::error;
  weft::Duration latency{0};
  std::size_t expired = 0;  // janitor sweeps: entries dropped
};

struct ServerReport {
  std::uint64_t served = 0;
  std::uint64_t errors = 0;
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::array<std::uint64_t, 7> by_op{};  // indexed by Op
  std::vector<std::uint64_t> per_worker;
  std::uint64_t janitor_sweeps = 0;
  std::uint64_t janitor_expired = 0;
  weft::Duration max_latency{0};
  weft::Duration total_latency{0};

  std::string summary() const;
};

class StatsCollector {
 public:
  StatsCollector(std::size_t workers, std::size_t buffer);
  // Spawns the collector goroutine.
  void start();
  // Where workers send their events.
  weft::SendChan<Event> events() const { return events_; }
  // Closes the event channel and returns the final report once every event is counted.
  ServerReport finish();

 private:
  static void run(weft::Chan<Event> events, weft::Chan<ServerReport> done, std::size_t workers);

  std::size_t workers_;
  weft::Chan<Event> events_;
  weft::Chan<ServerReport> done_;
  bool started_ = false;
  bool finished_ = false;
};

}  // namespace kvcache
