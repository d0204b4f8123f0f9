// Corpus: Mutex, RWMutex, WaitGroup, Once, Cond, and happens-before chains mixing them.
// Go memory model: the n-th Unlock -> the (n+1)-th Lock returns; RUnlock -> the next Lock;
// Unlock -> the next RLock; Done -> the Wait it releases; f's return in Once.Do -> every Do
// returns; Signal/Broadcast -> the woken Wait returns.
#include <mutex>
#include <shared_mutex>

#include "corpus.hpp"

namespace corpus {

using weft::make_chan;
using weft::Shared;
using weft::Unit;

namespace {
void inc(Shared<int>& x) {
  x.with_mut([](int& v) { ++v; });
}
}  // namespace

std::vector<Program> sync_programs() {
  return {
      // ---- Mutex --------------------------------------------------------------------------
      {"mutex_guards_counter", kFree,
       [] {
         Shared<int> counter;
         weft::Mutex mu;
         weft::WaitGroup wg;
         for (int i = 0; i < 3; ++i) {
           wg.add(1);
           weft::go([&] {
             mu.lock();
             inc(counter);
             mu.unlock();
             wg.done();
           });
         }
         wg.wait();
         (void)counter.read();
       }},
      {"mutex_one_goroutine_forgets_to_lock", kRacy,
       [] {
         Shared<int> counter;
         weft::Mutex mu;
         weft::WaitGroup wg;
         for (int i = 0; i < 3; ++i) {
           wg.add(1);
           weft::go([&, i] {
             if (i != 1) mu.lock();
             inc(counter);
             if (i != 1) mu.unlock();
             wg.done();
           });
         }
         wg.wait();
       }},
      {"mutex_protects_something_else", kRacy,
       [] {
         // Each goroutine holds a lock, but not the same one.
         Shared<int> x;
         weft::Mutex mu_x, mu_y;
         weft::WaitGroup wg;
         wg.add(2);
         weft::go([&] {
           {
             std::lock_guard lock(mu_x);
             inc(x);
           }
           wg.done();
         });
         weft::go([&] {
           {
             std::lock_guard lock(mu_y);  // guards y, not x
             inc(x);
           }
           wg.done();
         });
         wg.wait();
       }},
      {"mutex_racy_access_next_to_a_guarded_one", kRacy,
       [] {
         Shared<int> guarded, unguarded;
         weft::Mutex mu;
         weft::WaitGroup wg;
         wg.add(2);
         for (int i = 0; i < 2; ++i)
           weft::go([&] {
             mu.lock();
             inc(guarded);
             mu.unlock();
             inc(unguarded);
             wg.done();
           });
         wg.wait();
       }},
      {"mutex_lock_guard_and_unique_lock", kFree,
       [] {
         Shared<int> x;
         weft::Mutex mu;
         auto done = make_chan<Unit>(2);
         weft::go([&] {
           {
             std::lock_guard lock(mu);
             inc(x);
           }
           done.send({});
         });
         weft::go([&] {
           std::unique_lock lock(mu);
           inc(x);
           lock.unlock();
           done.send({});
         });
         done.recv();
         done.recv();
         std::lock_guard lock(mu);
         (void)x.read();
       }},
      {"mutex_unlock_hands_off_to_next_lock", kFree,
       [] {
         Shared<int> x;
         weft::Mutex mu;
         auto done = make_chan<Unit>();
         mu.lock();
         weft::go([&] {
           mu.lock();  // waits for main's unlock
           (void)x.read();
           mu.unlock();
           done.send({});
         });
         x.write(1);
         mu.unlock();
         done.recv();
       }},
      {"mutex_write_after_unlock", kRacy,
       [] {
         Shared<int> x;
         weft::Mutex mu;
         auto done = make_chan<Unit>();
         weft::go([&] {
           mu.lock();
           x.write(1);
           mu.unlock();
           x.write(2);
           done.send({});
         });
         mu.lock();
         (void)x.read();
         mu.unlock();
         done.recv();
       }},
      {"mutex_read_before_lock", kRacy,
       [] {
         Shared<int> x;
         weft::Mutex mu;
         auto done = make_chan<Unit>();
         weft::go([&] {
           mu.lock();
           x.write(1);
           mu.unlock();
           done.send({});
         });
         (void)x.read();
         mu.lock();
         mu.unlock();
         done.recv();
       }},
      {"mutex_try_lock_success_synchronises", kFree,
       [] {
         Shared<int> x;
         weft::Mutex mu;
         weft::WaitGroup wg;
         wg.add(2);
         for (int i = 0; i < 2; ++i)
           weft::go([&] {
             while (!mu.try_lock()) weft::yield();
             inc(x);
             mu.unlock();
             wg.done();
           });
         wg.wait();
       }},
      {"mutex_try_lock_failure_ignored", kRacy,
       [] {
         Shared<int> x;
         weft::Mutex mu;
         weft::WaitGroup wg;
         wg.add(2);
         for (int i = 0; i < 2; ++i)
           weft::go([&] {
             bool locked = mu.try_lock();
             inc(x);  // even when the lock was not taken
             if (locked) mu.unlock();
             wg.done();
           });
         wg.wait();
       }},

      // ---- RWMutex ------------------------------------------------------------------------
      {"rwmutex_readers_only_read", kFree,
       [] {
         Shared<int> x;
         x.write(1);
         weft::RWMutex rw;
         weft::WaitGroup wg;
         for (int i = 0; i < 3; ++i) {
           wg.add(1);
           weft::go([&] {
             {
               std::shared_lock lock(rw);
               (void)x.read();
             }
             wg.done();
           });
         }
         wg.wait();
       }},
      {"rwmutex_reader_writes_under_rlock", kRacy,
       [] {
         Shared<int> x;
         weft::RWMutex rw;
         weft::WaitGroup wg;
         wg.add(2);
         weft::go([&] {
           rw.rlock();
           x.write(1);  // a write under a read lock
           rw.runlock();
           wg.done();
         });
         weft::go([&] {
           rw.rlock();
           (void)x.read();
           rw.runlock();
           wg.done();
         });
         wg.wait();
       }},
      {"rwmutex_runlock_happens_before_lock", kFree,
       [] {
         Shared<int> x;
         weft::RWMutex rw;
         weft::WaitGroup wg;
         wg.add(3);
         for (int i = 0; i < 2; ++i)
           weft::go([&] {
             rw.rlock();
             (void)x.read();
             rw.runlock();
             wg.done();
           });
         weft::go([&] {
           rw.lock();
           x.write(1);
           rw.unlock();
           wg.done();
         });
         wg.wait();
       }},
      {"rwmutex_unlock_happens_before_rlock", kFree,
       [] {
         Shared<int> x;
         weft::RWMutex rw;
         auto done = make_chan<Unit>(2);
         rw.lock();
         for (int i = 0; i < 2; ++i)
           weft::go([&] {
             rw.rlock();  // waits for the writer
             (void)x.read();
             rw.runlock();
             done.send({});
           });
         x.write(1);
         rw.unlock();
         done.recv();
         done.recv();
       }},
      {"rwmutex_writers_exclude_each_other", kFree,
       [] {
         Shared<int> x;
         weft::RWMutex rw;
         weft::WaitGroup wg;
         for (int i = 0; i < 3; ++i) {
           wg.add(1);
           weft::go([&] {
             {
               std::lock_guard lock(rw);
               inc(x);
             }
             wg.done();
           });
         }
         wg.wait();
         rw.rlock();
         (void)x.read();
         rw.runlock();
       }},
      {"rwmutex_writer_without_lock", kRacy,
       [] {
         Shared<int> x;
         weft::RWMutex rw;
         weft::WaitGroup wg;
         wg.add(2);
         weft::go([&] {
           rw.rlock();
           (void)x.read();
           rw.runlock();
           wg.done();
         });
         weft::go([&] {
           x.write(1);
           wg.done();
         });
         wg.wait();
       }},
      {"rwmutex_reader_without_lock_vs_writer", kRacy,
       [] {
         Shared<int> x;
         weft::RWMutex rw;
         weft::WaitGroup wg;
         wg.add(2);
         weft::go([&] {
           (void)x.read();
           wg.done();
         });
         weft::go([&] {
           rw.lock();
           x.write(1);
           rw.unlock();
           wg.done();
         });
         wg.wait();
       }},
      {"rwmutex_readers_do_not_order_each_other", kRacy,
       [] {
         // Two readers publish nothing to each other, even through the same RWMutex.
         Shared<int> note;
         weft::RWMutex rw;
         weft::WaitGroup wg;
         wg.add(2);
         for (int i = 0; i < 2; ++i)
           weft::go([&, i] {
             rw.rlock();
             rw.runlock();
             if (i == 0)
               note.write(1);
             else
               (void)note.read();
             wg.done();
           });
         wg.wait();
       }},
      {"rwmutex_try_lock_and_try_rlock", kFree,
       [] {
         Shared<int> x;
         weft::RWMutex rw;
         weft::WaitGroup wg;
         wg.add(2);
         weft::go([&] {
           while (!rw.try_lock()) weft::yield();
           x.write(1);
           rw.unlock();
           wg.done();
         });
         weft::go([&] {
           while (!rw.try_lock_shared()) weft::yield();
           (void)x.read();
           rw.unlock_shared();
           wg.done();
         });
         wg.wait();
       }},

      // ---- WaitGroup ----------------------------------------------------------------------
      {"waitgroup_done_happens_before_wait", kFree,
       [] {
         Shared<int> cells[3];
         weft::WaitGroup wg;
         for (int i = 0; i < 3; ++i) {
           wg.add(1);
           weft::go([&, i] {
             cells[i].write(i);
             wg.done();
           });
         }
         wg.wait();
         for (auto& c : cells) (void)c.read();
       }},
      {"waitgroup_never_waited", kRacy,
       [] {
         Shared<int> x;
         weft::WaitGroup wg;
         wg.add(1);
         weft::go([&] {
           x.write(1);
           wg.done();
         });
         let_others_run();  // time passes, but nothing orders the write before the read
         (void)x.read();
       }},
      {"waitgroup_read_before_wait", kRacy,
       [] {
         Shared<int> x;
         weft::WaitGroup wg;
         wg.add(1);
         weft::go([&] {
           x.write(1);
           wg.done();
         });
         (void)x.read();
         wg.wait();
       }},
      {"waitgroup_write_after_done", kRacy,
       [] {
         Shared<int> x;
         weft::WaitGroup wg;
         auto done = make_chan<Unit>();
         wg.add(1);
         weft::go([&] {
           wg.done();
           x.write(1);
           done.send({});
         });
         wg.wait();
         (void)x.read();
         done.recv();
       }},
      {"waitgroup_add_inside_the_goroutine", kRacy,
       [] {
         // Go's classic misuse: Wait can return before Add is called.
         Shared<int> x;
         weft::WaitGroup wg;
         auto done = make_chan<Unit>();
         weft::go([&] {
           wg.add(1);
           x.write(1);
           wg.done();
           done.send({});
         });
         wg.wait();
         (void)x.read();
         done.recv();
       }},
      {"waitgroup_wait_on_zero_counter_still_acquires", kFree,
       [] {
         Shared<int> x;
         weft::WaitGroup wg;
         wg.add(1);
         weft::go([&] {
           x.write(1);
           wg.done();
         });
         let_others_run();  // the counter is 0 before Wait: it returns at once
         wg.wait();
         (void)x.read();
       }},
      {"waitgroup_two_waiters", kFree,
       [] {
         Shared<int> x;
         weft::WaitGroup wg, readers;
         wg.add(1);
         readers.add(2);
         for (int i = 0; i < 2; ++i)
           weft::go([&] {
             wg.wait();
             (void)x.read();
             readers.done();
           });
         x.write(1);
         wg.done();
         readers.wait();
       }},
      {"waitgroup_only_waits_for_its_own_counter", kRacy,
       [] {
         Shared<int> x;
         weft::WaitGroup wg1, wg2;
         wg1.add(1);
         wg2.add(1);
         weft::go([&] {
           x.write(1);
           wg2.done();
         });
         weft::go([&] { wg1.done(); });
         wg1.wait();
         (void)x.read();
         wg2.wait();
       }},
      {"waitgroup_reused_across_rounds", kFree,
       [] {
         Shared<int> x;
         weft::WaitGroup wg;
         for (int round = 0; round < 3; ++round) {
           wg.add(1);
           weft::go([&] {
             inc(x);
             wg.done();
           });
           wg.wait();
         }
         (void)x.read();
       }},

      // ---- Once ---------------------------------------------------------------------------
      {"once_publishes_initialisation", kFree,
       [] {
         Shared<int> config;
         weft::Once once;
         weft::WaitGroup wg;
         for (int i = 0; i < 3; ++i) {
           wg.add(1);
           weft::go([&] {
             once.do_([&] { config.write(42); });
             (void)config.read();
             wg.done();
           });
         }
         wg.wait();
       }},
      {"once_fast_path_publishes", kFree,
       [] {
         Shared<int> config;
         weft::Once once;
         weft::go([&] { once.do_([&] { config.write(42); }); });
         let_others_run();  // done already: this Do returns without calling f
         once.do_([&] { config.write(0); });
         (void)config.read();
       }},
      {"once_skipped_by_one_reader", kRacy,
       [] {
         Shared<int> config;
         weft::Once once;
         weft::WaitGroup wg;
         wg.add(2);
         weft::go([&] {
           once.do_([&] { config.write(42); });
           wg.done();
         });
         weft::go([&] {
           (void)config.read();  // no Do
           wg.done();
         });
         wg.wait();
       }},
      {"once_two_different_onces", kRacy,
       [] {
         Shared<int> config;
         weft::Once a, b;
         weft::WaitGroup wg;
         wg.add(2);
         weft::go([&] {
           a.do_([&] { config.write(1); });
           wg.done();
         });
         weft::go([&] {
           b.do_([&] { config.write(2); });
           wg.done();
         });
         wg.wait();
       }},
      {"once_double_checked_with_plain_flag", kRacy,
       [] {
         Shared<bool> ready;
         Shared<int> config;
         weft::Mutex mu;
         weft::WaitGroup wg;
         for (int i = 0; i < 2; ++i) {
           wg.add(1);
           weft::go([&] {
             if (!ready.read()) {  // unsynchronised fast path
               std::lock_guard lock(mu);
               if (!ready.read()) {
                 config.write(42);
                 ready.write(true);
               }
             }
             (void)config.read();
             wg.done();
           });
         }
         wg.wait();
       }},
      {"once_function_runs_in_another_goroutine_first", kFree,
       [] {
         Shared<int> config;
         weft::Once once;
         auto done = make_chan<Unit>();
         weft::go([&] {
           once.do_([&] { config.write(1); });
           done.send({});
         });
         once.do_([&] { config.write(2); });
         (void)config.read();
         done.recv();
       }},

      // ---- Cond ---------------------------------------------------------------------------
      {"cond_signal_wakes_waiter", kFree,
       [] {
         Shared<bool> ready;
         Shared<int> x;
         weft::Mutex mu;
         weft::Cond cond(mu);
         weft::go([&] {
           x.write(1);
           mu.lock();
           ready.write(true);
           cond.signal();
           mu.unlock();
         });
         mu.lock();
         while (!ready.read()) cond.wait();
         mu.unlock();
         (void)x.read();
       }},
      {"cond_broadcast_wakes_all", kFree,
       [] {
         Shared<bool> ready;
         Shared<int> x;
         weft::Mutex mu;
         weft::Cond cond(mu);
         weft::WaitGroup wg;
         for (int i = 0; i < 3; ++i) {
           wg.add(1);
           weft::go([&] {
             mu.lock();
             while (!ready.read()) cond.wait();
             mu.unlock();
             (void)x.read();
             wg.done();
           });
         }
         x.write(1);
         mu.lock();
         ready.write(true);
         cond.broadcast();
         mu.unlock();
         wg.wait();
       }},
      {"cond_signal_without_lock_publishes_to_the_woken_waiter", kFree,
       [] {
         Shared<int> x;
         weft::Mutex mu;
         weft::Cond cond(mu);
         weft::go([&] {
           let_others_run();  // main is waiting by now
           x.write(1);
           cond.signal();  // without the lock: only the Cond orders the write
         });
         mu.lock();
         cond.wait();
         mu.unlock();
         (void)x.read();
       }},
      {"cond_lost_signal_publishes_nothing", kRacy,
       [] {
         // A signal with no waiter is lost (Go); the wait is woken by a later one.
         Shared<int> x;
         weft::Mutex mu;
         weft::Cond cond(mu);
         auto done = make_chan<Unit>(2);
         weft::go([&] {
           x.write(1);
           cond.signal();  // nobody waits yet
           done.send({});
         });
         weft::go([&] {
           weft::sleep(std::chrono::milliseconds(2));  // main waits by now
           cond.signal();
           done.send({});
         });
         let_others_run();
         mu.lock();
         cond.wait();
         mu.unlock();
         (void)x.read();
         done.recv();
         done.recv();
       }},
      {"cond_write_after_signal_and_unlock", kRacy,
       [] {
         Shared<bool> ready;
         Shared<int> x;
         weft::Mutex mu;
         weft::Cond cond(mu);
         auto done = make_chan<Unit>();
         weft::go([&] {
           mu.lock();
           ready.write(true);
           cond.signal();
           mu.unlock();
           x.write(1);  // after the hand-off
           done.send({});
         });
         mu.lock();
         while (!ready.read()) cond.wait();
         mu.unlock();
         (void)x.read();
         done.recv();
       }},
      {"cond_predicate_read_without_lock", kRacy,
       [] {
         Shared<bool> ready;
         weft::Mutex mu;
         weft::Cond cond(mu);
         auto done = make_chan<Unit>();
         weft::go([&] {
           mu.lock();
           ready.write(true);
           cond.broadcast();
           mu.unlock();
           done.send({});
         });
         (void)ready.read();  // outside the lock
         done.recv();
       }},
      {"cond_with_rwmutex_writer_side", kFree,
       [] {
         Shared<int> stage;
         weft::RWMutex rw;
         weft::Cond cond(rw);
         weft::go([&] {
           for (int i = 1; i <= 2; ++i) {
             rw.lock();
             stage.write(i);
             cond.broadcast();
             rw.unlock();
           }
         });
         rw.lock();
         while (stage.read() < 2) cond.wait();
         rw.unlock();
       }},

      // ---- chains and goroutine trees -------------------------------------------------------
      {"transitive_chan_then_mutex", kFree,
       [] {
         // A -> B through a channel, B -> C through a mutex: A's write is visible to C.
         Shared<int> x;
         Shared<bool> published;
         weft::Mutex mu;
         auto ab = make_chan<Unit>();
         weft::WaitGroup wg;
         wg.add(3);
         weft::go([&] {
           x.write(1);
           ab.send({});
           wg.done();
         });
         weft::go([&] {
           ab.recv();
           mu.lock();
           published.write(true);
           mu.unlock();
           wg.done();
         });
         weft::go([&] {
           bool ok = false;
           while (!ok) {
             mu.lock();
             ok = published.read();
             mu.unlock();
             if (!ok) weft::yield();
           }
           (void)x.read();
           wg.done();
         });
         wg.wait();
       }},
      {"transitive_chain_broken_in_the_middle", kRacy,
       [] {
         // B publishes under the mutex before it has received from A.
         Shared<int> x;
         Shared<bool> published;
         weft::Mutex mu;
         auto ab = make_chan<Unit>();
         weft::WaitGroup wg;
         wg.add(3);
         weft::go([&] {
           x.write(1);
           ab.send({});
           wg.done();
         });
         weft::go([&] {
           mu.lock();
           published.write(true);
           mu.unlock();
           ab.recv();
           wg.done();
         });
         weft::go([&] {
           bool ok = false;
           while (!ok) {
             mu.lock();
             ok = published.read();
             mu.unlock();
             if (!ok) weft::yield();
           }
           (void)x.read();
           wg.done();
         });
         wg.wait();
       }},
      {"transitive_mutex_then_waitgroup_then_chan", kFree,
       [] {
         Shared<int> x;
         weft::Mutex mu;
         weft::WaitGroup wg;
         auto out = make_chan<Unit>();
         auto done = make_chan<Unit>();
         mu.lock();
         wg.add(1);
         weft::go([&] {
           mu.lock();  // after main's unlock
           x.with_mut([](int& v) { v += 1; });
           mu.unlock();
           wg.done();
         });
         weft::go([&] {
           wg.wait();
           out.send({});
         });
         weft::go([&] {
           out.recv();
           (void)x.read();
           done.send({});
         });
         x.write(1);
         mu.unlock();
         done.recv();
       }},
      {"grandchild_reads_write_made_before_spawning_child", kFree,
       [] {
         Shared<int> x;
         auto done = make_chan<Unit>();
         x.write(1);
         weft::go([&] { weft::go([&] {
                          (void)x.read();
                          done.send({});
                        }); });
         done.recv();
       }},
      {"grandchild_write_vs_parent_read", kRacy,
       [] {
         Shared<int> x;
         auto done = make_chan<Unit>();
         weft::go([&] { weft::go([&] {
                          x.write(1);
                          done.send({});
                        }); });
         (void)x.read();
         done.recv();
       }},
      {"grandchild_write_published_to_parent", kFree,
       [] {
         Shared<int> x;
         auto done = make_chan<Unit>();
         weft::go([&] { weft::go([&] {
                          x.write(1);
                          done.send({});
                        }); });
         done.recv();
         (void)x.read();
       }},
      {"grandchild_vs_parent_write_after_spawning_child", kRacy,
       [] {
         Shared<int> x;
         auto done = make_chan<Unit>();
         weft::go([&] { weft::go([&] {
                          (void)x.read();
                          done.send({});
                        }); });
         x.write(1);
         done.recv();
       }},
  };
}

}  // namespace corpus
