// Corpus: timers, context cancellation, custom synchronisation (race::acquire/release),
// suppressions, and a few whole patterns (worker pools, fan-in).
#include <atomic>
#include <map>
#include <string>

#include "corpus.hpp"

namespace corpus {

using namespace std::chrono_literals;
using weft::make_chan;
using weft::Shared;
using weft::Unit;
namespace race = weft::race;

namespace {

// The only racy access of the "suppressed_by_function" programs.
void corpus_suppressed_writer(Shared<int>& x) { x.write(1); }

// The only racy access of the "suppressed_by_line" programs; its line is kSuppressedLine.
constexpr int kSuppressedLine = __LINE__ + 1;
void line_suppressed_writer(Shared<int>& x) { x.write(1); }

std::string this_file_basename() {
  std::string f = std::source_location::current().file_name();
  return f.substr(f.find_last_of('/') + 1);
}

// A race between writer(x) in a child and a read in main.
template <class W>
void race_with(W writer) {
  Shared<int> x;
  auto done = make_chan<Unit>();
  weft::go([&] {
    writer(x);
    done.send({});
  });
  (void)x.read();
  done.recv();
}

}  // namespace

std::vector<Program> misc_programs() {
  const std::string line_suppression = this_file_basename() + ":" + std::to_string(kSuppressedLine);
  return {
      // ---- timers -----------------------------------------------------------------------
      {"timer_armed_after_write_fire_received", kFree,
       [] {
         Shared<int> x;
         weft::Timer t(1h);
         weft::go([&, t]() mutable {
           x.write(1);
           t.reset(1ms);  // arming happens before the fire is received
         });
         (void)t.c().recv();
         (void)x.read();
       }},
      {"timer_armed_before_write", kRacy,
       [] {
         Shared<int> x;
         weft::Timer t(1h);
         weft::go([&, t]() mutable {
           t.reset(1ms);
           x.write(1);
         });
         (void)t.c().recv();
         (void)x.read();
       }},
      {"timer_fire_received_in_another_goroutine", kFree,
       [] {
         Shared<int> x;
         weft::Timer t(1h);
         auto done = make_chan<Unit>();
         weft::go([&] {
           (void)t.c().recv();
           (void)x.read();
           done.send({});
         });
         x.write(1);
         t.reset(1ms);
         done.recv();
       }},
      {"time_after_does_not_order_other_goroutines", kRacy,
       [] {
         Shared<int> x;
         auto done = make_chan<Unit>();
         weft::go([&] {
           x.write(1);
           done.send({});
         });
         (void)weft::after(1ms).recv();
         (void)x.read();
         done.recv();
       }},
      {"sleep_is_not_synchronisation", kRacy,
       [] {
         Shared<int> x;
         auto done = make_chan<Unit>();
         weft::go([&] {
           x.write(1);
           done.send({});
         });
         weft::sleep(1s);
         (void)x.read();
         done.recv();
       }},
      {"yield_is_not_synchronisation", kRacy,
       [] {
         Shared<int> x;
         auto done = make_chan<Unit>();
         weft::go([&] {
           x.write(1);
           done.send({});
         });
         for (int i = 0; i < 3; ++i) weft::yield();
         (void)x.read();
         done.recv();
       }},
      {"timeout_select_result_path", kFree,
       [] {
         Shared<int> x;
         auto results = make_chan<int>(1);
         weft::go([&] {
           x.write(1);
           results.send(1);
         });
         bool got = false;
         weft::select(weft::recv_case(results, [&](int) { got = true; }),
                      weft::recv_case(weft::after(1h)));
         if (got) (void)x.read();
       }},
      {"timeout_select_reads_on_timeout_path", kRacy,
       [] {
         Shared<int> x;
         auto results = make_chan<int>(1);
         auto done = make_chan<Unit>();
         weft::go([&] {
           weft::sleep(2ms);  // slower than the timeout
           x.write(1);
           results.send(1);
           done.send({});
         });
         weft::select(weft::recv_case(results), weft::recv_case(weft::after(1ms)));
         (void)x.read();
         done.recv();
       }},

      // ---- context ------------------------------------------------------------------------
      {"context_cancel_then_done", kFree,
       [] {
         Shared<int> x;
         auto [ctx, cancel] = weft::with_cancel(weft::background());
         weft::go([&, cancel = cancel] {
           x.write(1);
           cancel();
         });
         (void)ctx.done().recv_ok();
         (void)x.read();
       }},
      {"context_write_after_cancel", kRacy,
       [] {
         Shared<int> x;
         auto [ctx, cancel] = weft::with_cancel(weft::background());
         auto done = make_chan<Unit>();
         weft::go([&, cancel = cancel] {
           cancel();
           x.write(1);
           done.send({});
         });
         (void)ctx.done().recv_ok();
         (void)x.read();
         done.recv();
       }},
      {"context_read_before_done", kRacy,
       [] {
         Shared<int> x;
         auto [ctx, cancel] = weft::with_cancel(weft::background());
         weft::go([&, cancel = cancel] {
           x.write(1);
           cancel();
         });
         (void)x.read();
         (void)ctx.done().recv_ok();
       }},
      {"context_parent_cancel_reaches_child_done", kFree,
       [] {
         Shared<int> x;
         auto [parent, cancel] = weft::with_cancel(weft::background());
         auto [child, cancel_child] = weft::with_cancel(parent);
         weft::go([&, cancel = cancel] {
           x.write(1);
           cancel("stop");
         });
         (void)child.done().recv_ok();
         (void)x.read();
         cancel_child();
       }},
      {"context_done_in_select", kFree,
       [] {
         Shared<int> x;
         auto [ctx, cancel] = weft::with_cancel(weft::background());
         weft::Chan<int> work;  // nil: never ready
         weft::go([&, cancel = cancel] {
           x.write(1);
           cancel();
         });
         weft::select(weft::recv_case(ctx.done()), weft::recv_case(work));
         (void)x.read();
       }},
      {"context_cancel_err_then_read", kFree,
       [] {
         Shared<int> x;
         auto [ctx, cancel] = weft::with_cancel(weft::background());
         weft::go([&, cancel = cancel] {
           x.write(1);
           cancel();
         });
         while (ctx.err() == weft::ContextError::none) (void)ctx.done().recv_ok();
         (void)x.read();
       }},
      {"context_deadline_does_not_order_other_goroutines", kRacy,
       [] {
         Shared<int> x;
         auto [ctx, cancel] = weft::with_timeout(weft::background(), 1ms);
         auto done = make_chan<Unit>();
         weft::go([&] {
           x.write(1);
           done.send({});
         });
         (void)ctx.done().recv_ok();
         (void)x.read();
         done.recv();
         cancel();
       }},
      {"context_deadline_child_reads_after_done", kFree,
       [] {
         Shared<int> x;
         x.write(1);
         auto [ctx, cancel] = weft::with_timeout(weft::background(), 1ms);
         auto done = make_chan<Unit>();
         weft::go([&, ctx = ctx] {
           (void)ctx.done().recv_ok();
           (void)x.read();
           done.send({});
         });
         done.recv();
         cancel();
       }},

      // ---- custom synchronisation annotations ---------------------------------------------
      {"annotated_release_acquire", kFree,
       [] {
         Shared<int> x;
         std::atomic<bool> flag{false};  // invisible to weft
         weft::go([&] {
           x.write(1);
           race::release(&flag);
           flag.store(true);
         });
         while (!flag.load()) weft::yield();
         race::acquire(&flag);
         (void)x.read();
       }},
      {"unannotated_custom_sync", kRacy,
       [] {
         Shared<int> x;
         std::atomic<bool> flag{false};
         weft::go([&] {
           x.write(1);
           flag.store(true);
         });
         while (!flag.load()) weft::yield();
         (void)x.read();
       }},
      {"annotated_release_without_acquire", kRacy,
       [] {
         Shared<int> x;
         std::atomic<bool> flag{false};
         weft::go([&] {
           x.write(1);
           race::release(&flag);
           flag.store(true);
         });
         while (!flag.load()) weft::yield();
         (void)x.read();
       }},
      {"annotated_acquire_of_another_address", kRacy,
       [] {
         Shared<int> x;
         std::atomic<bool> flag{false};
         int other = 0;
         weft::go([&] {
           x.write(1);
           race::release(&flag);
           flag.store(true);
         });
         while (!flag.load()) weft::yield();
         race::acquire(&other);
         (void)x.read();
       }},
      {"annotated_release_before_the_write", kRacy,
       [] {
         Shared<int> x;
         std::atomic<bool> flag{false};
         weft::go([&] {
           race::release(&flag);
           x.write(1);
           flag.store(true);
         });
         while (!flag.load()) weft::yield();
         race::acquire(&flag);
         (void)x.read();
       }},
      {"annotated_handoff_both_ways", kFree,
       [] {
         Shared<int> x;
         std::atomic<int> turn{0};
         int sync = 0;
         weft::go([&] {
           while (turn.load() != 1) weft::yield();
           race::acquire(&sync);
           x.with_mut([](int& v) { ++v; });
           race::release(&sync);
           turn.store(2);
         });
         x.write(1);
         race::release(&sync);
         turn.store(1);
         while (turn.load() != 2) weft::yield();
         race::acquire(&sync);
         (void)x.read();
       }},

      // ---- suppressions ---------------------------------------------------------------------
      {"unsuppressed_function", kRacy, [] { race_with(corpus_suppressed_writer); }},
      {"suppressed_by_function", kFree, [] { race_with(corpus_suppressed_writer); },
       {"corpus_suppressed_writer"}},
      {"unsuppressed_line", kRacy, [] { race_with(line_suppressed_writer); }},
      {"suppressed_by_file_and_line", kFree, [] { race_with(line_suppressed_writer); },
       {line_suppression}},
      {"suppressed_by_file", kFree, [] { race_with(line_suppressed_writer); },
       {this_file_basename()}},
      {"suppression_of_another_line_does_not_apply", kRacy,
       [] { race_with(line_suppressed_writer); },
       {this_file_basename() + ":" + std::to_string(kSuppressedLine + 1000)}},
      {"suppression_of_another_function_does_not_apply", kRacy,
       [] { race_with(line_suppressed_writer); }, {"corpus_suppressed_writer"}},

      // ---- whole patterns -------------------------------------------------------------------
      {"worker_pool_results_after_wait", kFree,
       [] {
         constexpr int n = 6;
         Shared<int> results[n];
         auto jobs = make_chan<int>(n);
         weft::WaitGroup wg;
         for (int w = 0; w < 3; ++w) {
           wg.add(1);
           weft::go([&] {
             for (int j : jobs) results[j].write(j * j);
             wg.done();
           });
         }
         for (int j = 0; j < n; ++j) jobs.send(j);
         jobs.close();
         wg.wait();
         for (auto& r : results) (void)r.read();
       }},
      {"worker_pool_results_before_wait", kRacy,
       [] {
         constexpr int n = 4;
         Shared<int> results[n];
         auto jobs = make_chan<int>(n);
         weft::WaitGroup wg;
         for (int w = 0; w < 2; ++w) {
           wg.add(1);
           weft::go([&] {
             for (int j : jobs) results[j].write(j * j);
             wg.done();
           });
         }
         for (int j = 0; j < n; ++j) jobs.send(j);
         jobs.close();
         for (auto& r : results) (void)r.read();
         wg.wait();
       }},
      {"worker_pool_shared_tally_without_lock", kRacy,
       [] {
         Shared<int> tally;
         auto jobs = make_chan<int>(4);
         weft::WaitGroup wg;
         for (int w = 0; w < 2; ++w) {
           wg.add(1);
           weft::go([&] {
             for (int j : jobs) tally.with_mut([j](int& t) { t += j; });
             wg.done();
           });
         }
         for (int j = 0; j < 4; ++j) jobs.send(j);
         jobs.close();
         wg.wait();
       }},
      {"fan_in_by_index", kFree,
       [] {
         constexpr int n = 4;
         Shared<int> slots[n];
         auto ready = make_chan<int>();
         for (int i = 0; i < n; ++i)
           weft::go_named("producer-" + std::to_string(i), [&, i] {
             slots[i].write(i);
             ready.send(i);
           });
         for (int k = 0; k < n; ++k) (void)slots[ready.recv()].read();
       }},
      {"fan_in_reads_the_wrong_slot", kRacy,
       [] {
         constexpr int n = 3;
         Shared<int> slots[n];
         auto ready = make_chan<int>();
         for (int i = 0; i < n; ++i)
           weft::go([&, i] {
             slots[i].write(i);
             ready.send(i);
           });
         int first = ready.recv();
         (void)slots[(first + 1) % n].read();
         (void)ready.recv();
         (void)ready.recv();
       }},
      {"mutex_guarded_map", kFree,
       [] {
         Shared<std::map<int, int>> m;
         weft::Mutex mu;
         weft::WaitGroup wg;
         for (int i = 0; i < 3; ++i) {
           wg.add(1);
           weft::go([&, i] {
             {
               std::lock_guard lock(mu);
               m.with_mut([i](std::map<int, int>& mm) { mm[i] = i; });
             }
             wg.done();
           });
         }
         wg.wait();
         (void)m.with([](const std::map<int, int>& mm) { return mm.size(); });
       }},
      {"map_written_by_goroutines_without_lock", kRacy,
       [] {
         Shared<std::map<int, int>> m;
         weft::WaitGroup wg;
         for (int i = 0; i < 2; ++i) {
           wg.add(1);
           weft::go([&, i] {
             m.with_mut([i](std::map<int, int>& mm) { mm[i] = i; });
             wg.done();
           });
         }
         wg.wait();
       }},
      {"named_goroutines_racing", kRacy,
       [] {
         Shared<int> x;
         weft::WaitGroup wg;
         wg.add(2);
         weft::go_named("left", [&] {
           x.write(1);
           wg.done();
         });
         weft::go_named("right", [&] {
           x.write(2);
           wg.done();
         });
         wg.wait();
       }},
      {"first_result_wins_with_once", kFree,
       [] {
         Shared<int> winner;
         weft::Once once;
         weft::WaitGroup wg;
         for (int i = 1; i <= 3; ++i) {
           wg.add(1);
           weft::go([&, i] {
             once.do_([&] { winner.write(i); });
             wg.done();
           });
         }
         wg.wait();
         (void)winner.read();
       }},
  };
}

}  // namespace corpus
