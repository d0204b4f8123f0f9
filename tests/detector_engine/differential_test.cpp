// differential_test.cpp — the epoch engine against the reference semantics of
// detector/src/vector_clock.hpp, on random synthetic traces.
//
// The naive model gives every goroutine its own never-reused component and keeps full vector
// clocks and, per byte, every access since the last free. Goroutine ids are reused, so the
// engine reuses slots, and syncs are frequent enough for both verdicts to occur. Checked:
//  1. every race the engine reports is real: the named previous access touched the first
//     conflicting byte, conflicts with the current one, and does not happen before it;
//  2. the engine misses nothing up to the first race on each byte (FastTrack's guarantee):
//     an access that is the first to race on some byte is reported.
// Variants: traces with up to 150 goroutines alive, so clocks grow past their delta limit
// and are folded into shared bases, joined across unrelated bases and copied by reference
// (vector_clock.hpp); traces that ask access_repeats() first and skip access() when it says
// yes; and traces that use the SameEpochView as the runtime's inline hook does (skip the
// access when view()->repeats() holds for the bound goroutine, else access_owned() when the
// view is bound to it and access_bound() when not, and
// write_then_free() for a delete), fed in parallel to a twin detector that sees every access
// through access() (and a delete as a write and a free): both must give the same reports, in
// the same order, and count the same accesses.
#include "trace.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

namespace weft::det {
namespace {

using VC = std::vector<std::uint64_t>;  // indexed by model goroutine (never reused)

std::uint64_t at(const VC& v, std::size_t i) { return i < v.size() ? v[i] : 0; }
void join(VC& a, const VC& b) {
  if (a.size() < b.size()) a.resize(b.size());
  for (std::size_t i = 0; i < b.size(); ++i) a[i] = std::max(a[i], b[i]);
}

struct PastAccess {
  std::size_t who;       // model goroutine
  std::uint64_t clock;   // its own component at the access
  bool write;
  bool atomic;           // an atomic operation: never races with another one
  std::uint32_t event;   // index of the access event (= line of its Loc)
  std::uintptr_t begin, end;
};

constexpr std::uintptr_t kBase = 0x4000 - 40;  // straddles a 512-byte shadow page
constexpr std::size_t kShared = 32;       // accessed by anyone
constexpr std::size_t kPrivate = 16;      // then one area per goroutine id
constexpr std::size_t kBytes = kShared + 6 * kPrivate;
constexpr int kSyncs = 3;

struct Shape {
  std::size_t max_live = 6;  // goroutines alive at once, main included
  bool ask_repeats = false;  // try Detector::access_repeats before every access
  bool use_view = false;     // the inline view, checked against a twin detector
  // Epoch tags of the view's detector start over after this many epochs (0: the default),
  // so the shadow's words are cleared and renumbered many times in one trace.
  std::uint32_t tag_limit = 0;
  // A third of the accesses are atomic operations (Access::atomic_*).
  bool atomics = false;
  // Concurrent mode's thread views (Detector::add_thread_view), checked against a twin:
  // goroutines run on kThreads threads and move between them, and a thread clears its
  // view's owner whenever it resumes a goroutine (as weft::run's processors do); some
  // synchronisation is made on behalf of a parked goroutine (a channel's hand-off).
  bool thread_views = false;
};
constexpr int kThreads = 3;

struct Model {
  std::vector<VC> clocks;               // per model goroutine
  std::map<GoId, std::size_t> live;     // engine id -> model goroutine
  std::vector<VC> syncs = std::vector<VC>(kSyncs);
  std::vector<std::vector<PastAccess>> bytes = std::vector<std::vector<PastAccess>>(kBytes);
  std::vector<bool> raced = std::vector<bool>(kBytes, false);
  std::vector<PastAccess> events;       // by event index (only accesses filled in)

  std::size_t spawn(GoId id, const std::size_t* parent) {
    std::size_t u = clocks.size();
    clocks.push_back(parent ? clocks[*parent] : VC{});
    clocks[u].resize(u + 1);
    clocks[u][u] = 1;
    if (parent) ++clocks[*parent][*parent];
    live[id] = u;
    return u;
  }
  bool happens_before(const PastAccess& p, std::size_t u) const {
    return p.clock <= at(clocks[u], p.who);
  }
};

// What a trace exercised, to check that the generator produces races, clean accesses and
// slot reuse.
struct Coverage {
  std::size_t accesses = 0, reports = 0, spawns = 0, slots = 0, repeats = 0, view_hits = 0;
  std::size_t deletes = 0, tag_generations = 0, owned = 0;
  std::size_t cell_hits = 0;  // thread views: repeats found in the cell, without the lock
  void operator+=(const Coverage& o) {
    accesses += o.accesses, reports += o.reports, spawns += o.spawns, slots += o.slots;
    repeats += o.repeats, view_hits += o.view_hits, deletes += o.deletes, owned += o.owned;
    tag_generations += o.tag_generations;
    cell_hits += o.cell_hits;
  }
};

Coverage run_trace(std::uint64_t seed, int events, Shape shape = {}) {
  Coverage cov;
  std::mt19937_64 rng(seed);
  Detector d(DetectorOptions{.max_reports = 1u << 20,
                             .caller_serialises = shape.use_view,
                             .epoch_tag_limit = shape.tag_limit});
  Detector twin(DetectorOptions{.max_reports = 1u << 20});  // use_view: every access in full
  const bool twinned = shape.use_view || shape.thread_views;
  // Every event but accesses goes to both.
  auto both = [&](auto&& f) {
    f(d);
    if (twinned) f(twin);
  };
  // thread_views: each thread's view and the goroutine it runs (0: none), and where each
  // goroutine runs. An event by a goroutine on a thread that ran another one since (or on
  // another thread than its last) is a resume: the thread clears its view's owner.
  SameEpochView* views[kThreads] = {};
  GoId running[kThreads] = {};
  std::map<GoId, int> thread_of;
  if (shape.thread_views)
    for (SameEpochView*& v : views) v = d.add_thread_view();
  auto run_on = [&](GoId id) {
    int t = thread_of.count(id) != 0 ? thread_of[id] : -1;
    if (t < 0 || rng() % 5 == 0) {  // starts, or parks and is resumed, maybe elsewhere
      if (t >= 0 && running[t] == id) running[t] = 0;
      t = static_cast<int>(rng() % kThreads);
      thread_of[id] = t;
    }
    if (running[t] != id) {
      views[t]->owner = nullptr;
      running[t] = id;
    }
    return t;
  };
  auto park = [&](GoId id) {  // its thread goes on with another goroutine
    auto it = thread_of.find(id);
    if (it != thread_of.end() && running[it->second] == id) running[it->second] = 0;
  };
  // The view's owner token for goroutine id (ids are reused, as goroutine records are).
  auto token = [](GoId id) { return reinterpret_cast<const void*>(0x1000 + id); };
  Model m;
  const char* file = "diff.cpp";
  both([&](Detector& x) { x.go_start(1, 0, "main", Loc{file, "main", 0, 0}); });
  m.spawn(1, nullptr);
  m.events.resize(static_cast<std::size_t>(events));
  auto sync_addr = [](int s) { return reinterpret_cast<const void*>(0x100000 + 64 * s); };
  auto pick_live = [&] {
    auto it = m.live.begin();
    std::advance(it, static_cast<long>(rng() % m.live.size()));
    return *it;
  };

  for (int e = 0; e < events; ++e) {
    const auto ev = static_cast<std::uint32_t>(e);
    int op = static_cast<int>(rng() % 100);
    auto free = [&](std::size_t begin, std::size_t len) {
      std::size_t end = std::min(kBytes, begin + len);
      both([&](Detector& x) {
        x.free_range(reinterpret_cast<const void*>(kBase + begin), end - begin);
      });
      for (std::size_t b = begin; b < end; ++b) {
        m.bytes[b].clear();
        m.raced[b] = false;
      }
    };
    // Synchronisation on sync object `s` by the goroutine (id, u): 0 acquire, 1 release,
    // 2 release_store.
    auto sync = [&](GoId id, std::size_t u, int s, int kind) {
      if (shape.thread_views) {
        if (rng() % 4 == 0) {
          park(id);  // made by another goroutine while id is parked
        } else {
          run_on(id);
        }
      }
      switch (kind) {
        case 0:
          both([&](Detector& x) { x.acquire(id, sync_addr(s)); });
          join(m.clocks[u], m.syncs[s]);
          break;
        case 1:
          both([&](Detector& x) { x.release(id, sync_addr(s)); });
          join(m.syncs[s], m.clocks[u]);
          ++m.clocks[u][u];
          break;
        default:
          both([&](Detector& x) { x.release_store(id, sync_addr(s)); });
          m.syncs[s] = m.clocks[u];
          ++m.clocks[u][u];
          break;
      }
    };
    if (op < 8 && m.live.size() < shape.max_live) {  // go, mostly from main
      GoId id = 2;
      while (m.live.count(id)) ++id;  // smallest free id: ids are reused
      auto [pid, pu] = rng() % 4 != 0 ? *m.live.find(1) : pick_live();
      both([&](Detector& x) { x.go_start(id, pid, "g", Loc{file, "go", ev, 0}); });
      ++cov.spawns;
      m.spawn(id, &pu);
    } else if (op < 14 && m.live.size() > 1) {  // goroutine ends, usually after wg.Done()
      auto [id, u] = pick_live();
      if (id == 1) continue;
      if (rng() % 2 != 0) sync(id, u, 0, 1);
      if (shape.thread_views) run_on(id);
      both([&](Detector& x) { x.go_end(id); });
      if (shape.thread_views) {
        park(id);
        thread_of.erase(id);
      }
      m.live.erase(id);
      if (rng() % 2 != 0) free(kShared + (id - 1) % 6 * kPrivate, kPrivate);  // its "stack"
    } else if (op < 20) {  // main: wg.Wait()
      sync(1, m.live.at(1), 0, 0);
    } else if (op < 50) {  // any sync
      auto [id, u] = pick_live();
      int kind = static_cast<int>(rng() % 7);
      sync(id, u, static_cast<int>(rng() % kSyncs), kind < 3 ? 0 : kind < 6 ? 1 : 2);
    } else if (op < 52) {  // free
      std::size_t begin = rng() % kBytes;
      std::size_t len = 1 + rng() % 16;
      if (twinned && rng() % 2 != 0) {
        // A `delete` by a live goroutine: the fused write_then_free against the twin's write
        // and free (the model's verdicts on that write are the twin's, checked elsewhere).
        auto [id, u] = pick_live();
        const std::size_t end = std::min(kBytes, begin + len);
        const void* at = reinterpret_cast<const void*>(kBase + begin);
        const Loc where{file, "delete", ev, 0};
        if (shape.thread_views) run_on(id);
        d.write_then_free(id, at, end - begin, where);
        twin.access(id, at, end - begin, Access::write, where);
        EXPECT_EQ(d.report_count(), twin.report_count()) << "seed " << seed << " event " << e;
        if (::testing::Test::HasFailure()) return cov;
        if (d.report_count() > 0) {
          const Report a = d.reports().back(), b = twin.reports().back();
          EXPECT_EQ(a.address + a.conflict_offset, b.address + b.conflict_offset);
          EXPECT_EQ(a.previous.stack.at(0).line, b.previous.stack.at(0).line);
          EXPECT_EQ(a.previous.kind, b.previous.kind);
        }
        twin.free_range(at, end - begin);
        ++cov.deletes;
        for (std::size_t b = begin; b < end; ++b) {
          m.bytes[b].clear();
          m.raced[b] = false;
        }
        m.events[ev] = PastAccess{u, m.clocks[u][u], true, false, ev, kBase + begin, kBase + end};
        continue;
      }
      free(begin, len);
    } else {  // access
      auto [id, u] = pick_live();
      static constexpr std::size_t kSizes[] = {1, 2, 4, 8, 16, 3, 12};
      std::size_t size = kSizes[rng() % 7];
      // Mostly the area of the goroutine's id (shared only with earlier holders of the id),
      // sometimes anywhere.
      std::size_t area = rng() % 3 != 0 ? kShared + (id - 1) % 6 * kPrivate : 0;
      std::size_t area_size = area != 0 ? kPrivate : kBytes;
      std::size_t begin = area + rng() % area_size;
      if (size <= 8 && rng() % 2) begin &= ~(size - 1);  // often aligned
      std::size_t end = std::min(area + area_size, begin + size);
      Access kind = static_cast<Access>(std::max<int>(0, static_cast<int>(rng() % 5) - 2));
      const bool atomic = shape.atomics && rng() % 3 == 0;
      if (atomic) kind = static_cast<Access>(static_cast<std::uint8_t>(kind) | kAtomicBit);
      bool write = plain(kind) != Access::read;
      PastAccess now{u, m.clocks[u][u], write, atomic, ev, kBase + begin, kBase + end};
      m.events[ev] = now;

      std::size_t before = d.report_count();
      const void* addr = reinterpret_cast<const void*>(kBase + begin);
      const Loc where{file, "access", ev, 0};
      bool repeat = false;
      if (shape.thread_views) {
        SameEpochView& v = *views[run_on(id)];
        repeat = v.owner == token(id) && v.repeats(addr, end - begin, kind);
        if (repeat) {
          ++v.hits;
          ++cov.view_hits;
        } else {
          if (d.repeats_in_view(&v, id, addr, end - begin, kind)) {
            ++cov.cell_hits;
          } else {
            d.access_in_view(&v, id, addr, end - begin, kind, where, token(id));
          }
        }
        twin.access(id, addr, end - begin, kind, where);
      } else if (shape.use_view) {
        SameEpochView& v = *d.view();
        repeat = v.owner == token(id) && v.repeats(addr, end - begin, kind);
        if (repeat) {
          ++v.hits;
          ++cov.view_hits;
        } else if (v.owner == token(id)) {  // bound to id, missed: the direct entry
          d.access_owned(addr, end - begin, kind, where);
          ++cov.owned;
        } else {
          d.access_bound(id, addr, end - begin, kind, where, token(id));
        }
        twin.access(id, addr, end - begin, kind, where);
      } else {
        repeat = shape.ask_repeats && d.access_repeats(id, addr, end - begin, kind);
        if (!repeat) d.access(id, addr, end - begin, kind, where);
      }
      bool reported = d.report_count() > before;
      if (twinned) {
        EXPECT_EQ(d.report_count(), twin.report_count()) << "seed " << seed << " event " << e;
        EXPECT_EQ(d.stats().accesses, twin.stats().accesses) << "seed " << seed << " event " << e;
        if (::testing::Test::HasFailure()) return cov;
        if (reported) {
          const Report a = d.reports().back(), b = twin.reports().back();
          EXPECT_EQ(a.address, b.address);
          EXPECT_EQ(a.conflict_offset, b.conflict_offset);
          EXPECT_EQ(a.previous.stack.at(0).line, b.previous.stack.at(0).line);
          EXPECT_EQ(a.previous.goroutine.id, b.previous.goroutine.id);
          EXPECT_EQ(a.previous.kind, b.previous.kind);
        }
      }
      ++cov.accesses;
      cov.repeats += repeat ? 1 : 0;
      cov.reports += reported ? 1 : 0;

      bool first_race_somewhere = false;
      for (std::size_t b = begin; b < end; ++b) {
        bool race = std::any_of(m.bytes[b].begin(), m.bytes[b].end(), [&](const PastAccess& p) {
          return (p.write || write) && !(p.atomic && atomic) && !m.happens_before(p, u);
        });
        if (race && !m.raced[b]) first_race_somewhere = true;
        if (race) m.raced[b] = true;
        m.bytes[b].push_back(now);
      }
      EXPECT_TRUE(!first_race_somewhere || reported)
          << "missed race: seed " << seed << " event " << e << (repeat ? " (a repeat)" : "");
      if (::testing::Test::HasFailure()) return cov;
      if (reported) {
        Report r = d.reports().back();
        EXPECT_EQ(r.current.stack.at(0).line, ev);
        const PastAccess& p = m.events.at(r.previous.stack.at(0).line);
        std::uintptr_t byte = r.address + r.conflict_offset;
        EXPECT_TRUE(p.begin <= byte && byte < p.end) << "seed " << seed << " event " << e;
        EXPECT_TRUE(p.write || write) << "seed " << seed << " event " << e;
        EXPECT_FALSE(p.atomic && atomic) << "two atomics: seed " << seed << " event " << e;
        EXPECT_EQ(is_atomic(r.previous.kind), p.atomic) << "seed " << seed << " event " << e;
        EXPECT_EQ(r.current.kind, kind) << "seed " << seed << " event " << e;
        EXPECT_FALSE(m.happens_before(p, u))
            << "false report: seed " << seed << " event " << e << " vs " << p.event;
        if (::testing::Test::HasFailure()) return cov;
      }
    }
  }
  cov.slots = d.stats().slots - 1;  // without main's
  cov.tag_generations = d.stats().epoch_tag_generations;
  return cov;
}

void expect_coverage(const Coverage& cov) {
  EXPECT_GT(cov.reports, cov.accesses / 50) << "too few races to be a test";
  EXPECT_LT(cov.reports, cov.accesses / 2) << "too few race-free accesses";
  EXPECT_LT(cov.slots, cov.spawns * 3 / 4) << "too little slot reuse";
}

TEST(DetectorDifferential, RandomTracesAgreeWithFullVectorClocks) {
  Coverage cov;
  for (std::uint64_t seed = 1; seed <= 200 / testing::kShrink; ++seed) {
    cov += run_trace(seed, 300);
    if (::testing::Test::HasFailure()) return;
  }
  expect_coverage(cov);
}

TEST(DetectorDifferential, RepeatsAnsweredBeforeAccessAgree) {
  Coverage cov;
  for (std::uint64_t seed = 500; seed < 500 + 200 / testing::kShrink; ++seed) {
    cov += run_trace(seed, 300, Shape{.ask_repeats = true});
    if (::testing::Test::HasFailure()) return;
  }
  expect_coverage(cov);
  EXPECT_GT(cov.repeats, cov.accesses / 100) << "too few repeats to be a test";
}

TEST(DetectorDifferential, InlineViewAgreesWithFullChecks) {
  Coverage cov;
  for (std::uint64_t seed = 700; seed < 700 + 300 / testing::kShrink; ++seed) {
    cov += run_trace(seed, 300, Shape{.use_view = true});
    if (::testing::Test::HasFailure()) return;
  }
  expect_coverage(cov);
  EXPECT_GT(cov.view_hits, cov.accesses / 100) << "too few inline repeats to be a test";
  EXPECT_GT(cov.owned, cov.accesses / 20) << "too few accesses through access_owned()";
  EXPECT_GT(cov.deletes, 100u / testing::kShrink) << "too few deletes to be a test";
}

// Tags that run out every few dozen epochs: each time, the shadow's words lose their tags
// and the live goroutines are numbered again, so tag numbers are reused by other epochs
// while old words could still name them. The inline view must still answer exactly.
TEST(DetectorDifferential, InlineViewAgreesWhenEpochTagsStartOver) {
  Coverage cov;
  for (std::uint64_t seed = 900; seed < 900 + 200 / testing::kShrink; ++seed) {
    const auto limit = 8 + static_cast<std::uint32_t>(seed % 24);
    cov += run_trace(seed, 300, Shape{.use_view = true, .tag_limit = limit});
    if (::testing::Test::HasFailure()) return;
  }
  expect_coverage(cov);
  EXPECT_GT(cov.view_hits, cov.accesses / 100) << "too few inline repeats to be a test";
  EXPECT_GT(cov.tag_generations, 200u / testing::kShrink) << "tags never started over";
}

// Concurrent mode's views, one per thread, with goroutines moving between threads and
// synchronisation made on behalf of parked ones: every view must answer exactly as the
// full check, with and without tags that start over.
TEST(DetectorDifferential, ThreadViewsAgreeWithFullChecks) {
  Coverage cov;
  for (std::uint64_t seed = 1200; seed < 1200 + 300 / testing::kShrink; ++seed) {
    const auto limit = seed % 2 == 0 ? 0 : 8 + static_cast<std::uint32_t>(seed % 24);
    cov += run_trace(seed, 300, Shape{.tag_limit = limit, .thread_views = true});
    if (::testing::Test::HasFailure()) return;
  }
  expect_coverage(cov);
  EXPECT_GT(cov.view_hits, cov.accesses / 100) << "too few inline repeats to be a test";
  EXPECT_GT(cov.deletes, 100u / testing::kShrink) << "too few deletes to be a test";
  EXPECT_GT(cov.tag_generations, 100u / testing::kShrink) << "tags never started over";
  EXPECT_GT(cov.cell_hits, cov.accesses / 200) << "too few repeats decided from the cell";
}

// Atomic operations mixed in: two atomics never race, an atomic store or RMW races with an
// unordered plain read or write, an atomic load with an unordered plain write. The engine
// keeps atomic entries as it keeps reads; every path (full, repeats first, the inline view
// against its twin) must still report exactly the model's first races and nothing false.
TEST(DetectorDifferential, AtomicAccessesAgreeWithFullVectorClocks) {
  Coverage cov;
  for (std::uint64_t seed = 3000; seed < 3000 + 300 / testing::kShrink; ++seed) {
    const int variant = static_cast<int>(seed % 3);
    cov += run_trace(seed, 300,
                     Shape{.ask_repeats = variant == 1, .use_view = variant == 2, .atomics = true});
    if (::testing::Test::HasFailure()) return;
  }
  expect_coverage(cov);
}

// Many concurrent readers spill a granule's entries (shadow_cell.hpp): atomic stores kept in
// the spilled read list must still be found by a plain read.
TEST(DetectorDifferential, AtomicAccessesInSpilledCells) {
  Coverage cov;
  for (std::uint64_t seed = 3500; seed < 3502; ++seed) {
    cov += run_trace(seed, static_cast<int>(6000 / testing::kShrink),
                     Shape{.max_live = 40, .ask_repeats = seed % 2 == 0, .atomics = true});
    if (::testing::Test::HasFailure()) return;
  }
  EXPECT_GT(cov.reports, cov.accesses / 50) << "too few races to be a test";
}

TEST(DetectorDifferential, ManyLiveGoroutinesFoldClocksIntoSharedBases) {
  Coverage cov;
  for (std::uint64_t seed = 2000; seed < 2002; ++seed) {
    cov += run_trace(seed, static_cast<int>(8000 / testing::kShrink),
                     Shape{.max_live = 150, .ask_repeats = seed % 2 == 0});
    if (::testing::Test::HasFailure()) return;
  }
  EXPECT_GT(cov.reports, cov.accesses / 50) << "too few races to be a test";
  EXPECT_LT(cov.reports, cov.accesses * 9 / 10) << "too few race-free accesses";
  // Clocks wider than the smallest delta limit (64 entries) are folded into bases.
  EXPECT_GT(cov.slots, 2u * 100 / testing::kShrink);
}

TEST(DetectorDifferential, LongTracesWithHeavyIdReuse) {
  Coverage cov;
  for (std::uint64_t seed = 1000; seed < 1004; ++seed) {
    cov += run_trace(seed, static_cast<int>(3000 / testing::kShrink));
    if (::testing::Test::HasFailure()) return;
  }
  expect_coverage(cov);
}

}  // namespace
}  // namespace weft::det
