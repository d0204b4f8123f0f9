// kvcache/stats.cpp — StatsCollector and the report's summary line.
#include "kvcache/stats.hpp"

#include <stdexcept>
#include <string>

#include "weft/go.hpp"

namespace kvcache {

std::string ServerReport::summary() const {
  std::string s = "served=" + std::to_string(served) + " errors=" + std::to_string(errors) +
                  " hits=" + std::to_string(hits) + " misses=" + std::to_string(misses);
  for (std::size_t i = 0; i < by_op.size(); ++i) {
    if (by_op[i] == 0) continue;
    s += " ";
    s += op_name(static_cast<Op>(i));
    s += "=" + std::to_string(by_op[i]);
  }
  s += " sweeps=" + std::to_string(janitor_sweeps) +
       " swept=" + std::to_string(janitor_expired);
  return s;
}

StatsCollector::StatsCollector(std::size_t workers, std::size_t buffer)
    : workers_(workers),
      events_(weft::make_chan<Event>(buffer)),
      done_(weft::make_chan<ServerReport>(1)) {}

void StatsCollector::start() {
  if (started_) throw std::logic_error("StatsCollector: started twice");
  started_ = true;
  weft::go_named("stats", &StatsCollector::run, events_, done_, workers_);
}

void StatsCollector::run(weft::Chan<Event> events, weft::Chan<ServerReport> done,
                         std::size_t workers) {
  ServerReport r;
  r.per_worker.assign(workers, 0);
  for (const Event& e : events) {
    if (e.source == Event::Source::janitor) {
      r.janitor_sweeps++;
      r.janitor_expired += e.expired;
      continue;
    }
    r.served++;
    r.by_op[static_cast<std::size_t>(e.op)]++;
    if (e.worker < r.per_worker.size()) r.per_worker[e.worker]++;
    if (e.status == Status::error) r.errors++;
    if (e.op == Op::get) {
      if (e.status == Status::value) r.hits++;
      else r.misses++;
    }
    r.total_latency += e.latency;
    if (e.latency > r.max_latency) r.max_latency = e.latency;
  }
  done.send(std::move(r));
}

ServerReport StatsCollector::finish() {
  if (!started_) throw std::logic_error("StatsCollector: finish before start");
  if (finished_) throw std::logic_error("StatsCollector: finished twice");
  finished_ = true;
  events_.close();
  return done_.recv();
}

}  // namespace kvcache
