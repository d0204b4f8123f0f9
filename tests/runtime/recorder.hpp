// recorder.hpp — a test EventSink that keeps naive vector clocks, so conformance tests can
// ask whether one point of an explored program happens before another under the edges the
// runtime reports (the Go memory model).
//
//   Recorder rec;
//   opt.sinks = {&rec};
//   weft::explore([&] {
//     auto a = rec.now(weft::goid());     // a point in goroutine 1
//     ...
//     auto b = rec.now(weft::goid());     // a point in some goroutine
//     weft::check(Recorder::happens_before(a, b));
//   }, opt);
//
// Clocks are maps GoId -> counter, one per goroutine and one per sync address. now(g) takes
// a snapshot of g's clock and then advances g's own component, so every snapshot is a
// distinct event: a happens before b (in another goroutine) iff b has learnt a's component.
// Deliberately simple (no epochs, no sharing): it is the specification the detector is
// checked against, not an optimisation of it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "weft/events.hpp"

namespace weft_test {

using Clock = std::map<weft::GoId, std::uint64_t>;

inline void join_into(Clock& dst, const Clock& src) {
  for (const auto& [g, c] : src) {
    auto& d = dst[g];
    if (c > d) d = c;
  }
}

// One point in one goroutine's execution.
struct Point {
  weft::GoId g = 0;
  Clock clock;
};

class Recorder final : public weft::EventSink {
 public:
  // --- what tests use ------------------------------------------------------------------

  // A snapshot of g's clock at this point; then g's own component advances.
  Point now(weft::GoId g) {
    Point p{g, clocks_[g]};
    tick(g);
    return p;
  }

  // a happens before b (a and b distinct points).
  static bool happens_before(const Point& a, const Point& b) {
    auto mine = a.clock.find(a.g);
    std::uint64_t ca = mine == a.clock.end() ? 0 : mine->second;
    auto theirs = b.clock.find(a.g);
    std::uint64_t cb = theirs == b.clock.end() ? 0 : theirs->second;
    if (a.g == b.g) return ca < cb;
    return ca <= cb && ca != 0;
  }
  static bool concurrent(const Point& a, const Point& b) {
    return !happens_before(a, b) && !happens_before(b, a);
  }

  // Counters a test can inspect after explore returns.
  std::uint64_t iterations_begun = 0;
  std::uint64_t iterations_ended = 0;
  std::uint64_t goroutines_started = 0;
  std::uint64_t goroutines_ended = 0;
  std::vector<weft::GoroutineDesc> last_starts;  // this iteration's go_start events, in order
  std::vector<std::string> names;                // their names (string_views do not outlive)
  bool misuse = false;  // an event broke the documented invariants (see events.hpp)

  // --- EventSink ---------------------------------------------------------------------------

  void iteration_begin() override {
    ++iterations_begun;
    clocks_.clear();
    syncs_.clear();
    alive_.clear();
    last_starts.clear();
    names.clear();
  }
  void iteration_end() override {
    ++iterations_ended;
    if (!alive_.empty()) misuse = true;  // every goroutine got go_end before the end
  }

  void go_start(const weft::GoroutineDesc& d) override {
    ++goroutines_started;
    if (d.id == 0 || alive_.count(d.id)) misuse = true;
    if (d.parent != 0 && !alive_.count(d.parent)) misuse = true;
    alive_[d.id] = true;
    last_starts.push_back(d);
    names.emplace_back(d.name);
    Clock c = d.parent ? clocks_[d.parent] : Clock{};
    clocks_[d.id] = std::move(c);
    tick(d.id);
    if (d.parent) tick(d.parent);
  }
  void go_end(weft::GoId g) override {
    ++goroutines_ended;
    if (!alive_.erase(g)) misuse = true;
  }

  void acquire(weft::GoId g, const void* sync) override {
    check_alive(g);
    auto it = syncs_.find(sync);
    if (it != syncs_.end()) join_into(clocks_[g], it->second);
  }
  void release(weft::GoId g, const void* sync) override {
    check_alive(g);
    join_into(syncs_[sync], clocks_[g]);
    tick(g);
  }
  void release_store(weft::GoId g, const void* sync) override {
    check_alive(g);
    syncs_[sync] = clocks_[g];
    tick(g);
  }
  void sync_free(const void* sync) override { syncs_.erase(sync); }

 private:
  void tick(weft::GoId g) { ++clocks_[g][g]; }
  void check_alive(weft::GoId g) {
    if (!alive_.count(g)) misuse = true;
  }

  std::unordered_map<weft::GoId, Clock> clocks_;
  std::unordered_map<const void*, Clock> syncs_;
  std::map<weft::GoId, bool> alive_;
};

}  // namespace weft_test
