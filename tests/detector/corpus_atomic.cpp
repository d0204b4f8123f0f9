// Corpus: weft::Atomic. Go's atomics are sequentially consistent: a store (or
// read-modify-write) happens before a load (or read-modify-write) that observes it. A plain
// Shared flag used the same way is itself a race.
#include "corpus.hpp"

namespace corpus {

using weft::Atomic;
using weft::make_chan;
using weft::Shared;
using weft::Unit;

std::vector<Program> atomic_programs() {
  return {
      {"atomic_flag_publishes_write", kFree,
       [] {
         Shared<int> x;
         Atomic<int> flag{0};
         weft::go([&] {
           x.write(1);
           flag.store(1);
         });
         while (flag.load() == 0) weft::yield();
         (void)x.read();
       }},
      {"plain_shared_flag_instead_of_atomic", kRacy,
       [] {
         Shared<int> x;
         Shared<int> flag;
         weft::go([&] {
           x.write(1);
           flag.write(1);
         });
         while (flag.read() == 0) weft::yield();
         (void)x.read();
       }},
      {"atomic_flag_stored_before_the_write", kRacy,
       [] {
         Shared<int> x;
         Atomic<int> flag{0};
         auto done = make_chan<Unit>();
         weft::go([&] {
           flag.store(1);
           x.write(1);
           done.send({});
         });
         while (flag.load() == 0) weft::yield();
         (void)x.read();
         done.recv();
       }},
      {"atomic_flag_loaded_but_not_checked", kRacy,
       [] {
         Shared<int> x;
         Atomic<int> flag{0};
         auto done = make_chan<Unit>();
         weft::go([&] {
           x.write(1);
           flag.store(1);
           done.send({});
         });
         (void)flag.load();  // may see 0: no edge
         (void)x.read();
         done.recv();
       }},
      {"atomic_flag_on_a_different_atomic", kRacy,
       [] {
         Shared<int> x;
         Atomic<int> flag_a{0}, flag_b{0};
         auto done = make_chan<Unit>();
         weft::go([&] {
           x.write(1);
           flag_a.store(1);
           done.send({});
         });
         weft::go([&] { flag_b.store(1); });
         while (flag_b.load() == 0) weft::yield();
         (void)x.read();
         done.recv();
       }},
      {"atomic_store_does_not_acquire", kRacy,
       [] {
         // A store observes nothing, so it orders nothing after it.
         Shared<int> a;
         Atomic<int> flag{0};
         auto done = make_chan<Unit>();
         weft::go([&] {
           a.write(1);
           flag.store(1);
           done.send({});
         });
         let_others_run();
         flag.store(2);
         (void)a.read();
         done.recv();
       }},
      {"atomic_overwritten_store_publishes_nothing", kRacy,
       [] {
         // W1's store is overwritten by W2's before main loads: main observes W2's store
         // only, which is not ordered after W1's write.
         Shared<int> a;
         Atomic<int> flag{0};
         auto done = make_chan<Unit>(2);
         weft::go([&] {
           a.write(1);
           flag.store(1);
           done.send({});
         });
         weft::go([&] {
           let_others_run();
           flag.store(2);
           done.send({});
         });
         weft::sleep(std::chrono::milliseconds(2));
         while (flag.load() != 2) weft::yield();
         (void)a.read();
         done.recv();
         done.recv();
       }},
      {"atomic_rmw_continues_the_chain", kFree,
       [] {
         // W2's read-modify-write observes W1's store: a load of its result orders both.
         Shared<int> a;
         Atomic<int> flag{0};
         weft::go([&] {
           a.write(1);
           flag.store(1);
         });
         weft::go([&] {
           let_others_run();
           flag.fetch_add(1);
         });
         weft::sleep(std::chrono::milliseconds(2));  // both have run
         while (flag.load() != 2) weft::yield();
         (void)a.read();
       }},
      {"atomic_bool_flag", kFree,
       [] {
         Shared<int> x;
         Atomic<bool> ready{false};
         weft::go([&] {
           x.write(1);
           ready.store(true);
         });
         while (!ready.load()) weft::yield();
         (void)x.read();
       }},
      {"atomic_counter_last_one_reads_all", kFree,
       [] {
         // The goroutine whose increment is the last observes every earlier increment.
         constexpr int n = 3;
         Shared<int> cells[n];
         Atomic<int> finished{0};
         Atomic<int> reader_done{0};
         for (int i = 0; i < n; ++i)
           weft::go([&, i] {
             cells[i].write(i);
             if (finished.add(1) == n) {
               for (auto& c : cells) (void)c.read();
               reader_done.store(1);
             }
           });
         while (reader_done.load() == 0) weft::yield();
       }},
      {"atomic_counter_first_one_reads_all", kRacy,
       [] {
         constexpr int n = 3;
         Shared<int> cells[n];
         Atomic<int> finished{0};
         weft::WaitGroup wg;
         wg.add(n);
         for (int i = 0; i < n; ++i)
           weft::go([&, i] {
             cells[i].write(i);
             if (finished.add(1) == 1)
               for (auto& c : cells) (void)c.read();  // the others may not have written
             wg.done();
           });
         wg.wait();
       }},
      {"atomic_cas_spinlock", kFree,
       [] {
         Shared<int> counter;
         Atomic<int> lock{0};
         weft::WaitGroup wg;
         for (int i = 0; i < 3; ++i) {
           wg.add(1);
           weft::go([&] {
             int expected = 0;
             while (!lock.compare_exchange(expected, 1)) {
               expected = 0;
               weft::yield();
             }
             counter.with_mut([](int& v) { ++v; });
             lock.store(0);
             wg.done();
           });
         }
         wg.wait();
       }},
      {"atomic_cas_spinlock_released_too_early", kRacy,
       [] {
         Shared<int> counter;
         Atomic<int> lock{0};
         weft::WaitGroup wg;
         for (int i = 0; i < 2; ++i) {
           wg.add(1);
           weft::go([&] {
             int expected = 0;
             while (!lock.compare_exchange(expected, 1)) {
               expected = 0;
               weft::yield();
             }
             lock.store(0);
             counter.with_mut([](int& v) { ++v; });
             wg.done();
           });
         }
         wg.wait();
       }},
      {"atomic_exchange_spinlock", kFree,
       [] {
         Shared<int> counter;
         Atomic<bool> held{false};
         weft::WaitGroup wg;
         for (int i = 0; i < 3; ++i) {
           wg.add(1);
           weft::go([&] {
             while (held.exchange(true)) weft::yield();
             counter.with_mut([](int& v) { ++v; });
             held.store(false);
             wg.done();
           });
         }
         wg.wait();
       }},
      {"atomic_failed_cas_observes_the_store", kFree,
       [] {
         Shared<int> x;
         Atomic<int> state{0};
         weft::go([&] {
           x.write(1);
           state.store(1);
         });
         for (;;) {
           int expected = 0;
           if (state.compare_exchange(expected, 0)) {  // still 0
             weft::yield();
             continue;
           }
           break;  // failed: observed the 1
         }
         (void)x.read();
       }},
      {"atomic_pointer_publishes_object", kFree,
       [] {
         struct Obj {
           Shared<int> a;
         };
         Atomic<Obj*> slot{nullptr};
         weft::go([&] {
           auto* o = new Obj;
           o->a.write(7);
           slot.store(o);
         });
         Obj* o;
         while ((o = slot.load()) == nullptr) weft::yield();
         (void)o->a.read();
         delete o;
       }},
      {"atomic_pointer_object_modified_after_publishing", kRacy,
       [] {
         Shared<int> obj;
         Atomic<Shared<int>*> slot{nullptr};
         auto done = make_chan<Unit>();
         weft::go([&] {
           slot.store(&obj);
           obj.write(7);
           done.send({});
         });
         Shared<int>* o;
         while ((o = slot.load()) == nullptr) weft::yield();
         (void)o->read();
         done.recv();
       }},
      {"atomic_fetch_or_bits_then_check_all", kFree,
       [] {
         Shared<int> a, b;
         Atomic<unsigned> bits{0};
         weft::go([&] {
           a.write(1);
           bits.fetch_or(1u);
         });
         weft::go([&] {
           b.write(1);
           bits.fetch_or(2u);
         });
         while (bits.load() != 3u) weft::yield();
         (void)a.read();
         (void)b.read();
       }},
      {"atomic_fetch_or_bits_check_one_read_both", kRacy,
       [] {
         Shared<int> a, b;
         Atomic<unsigned> bits{0};
         weft::WaitGroup wg;
         wg.add(2);
         weft::go([&] {
           a.write(1);
           bits.fetch_or(1u);
           wg.done();
         });
         weft::go([&] {
           b.write(1);
           bits.fetch_or(2u);
           wg.done();
         });
         while ((bits.load() & 1u) == 0) weft::yield();
         (void)a.read();
         (void)b.read();  // b's bit was not checked
         wg.wait();
       }},
      {"atomic_counter_itself_is_never_a_race", kFree,
       [] {
         Atomic<long> hits{0};
         weft::WaitGroup wg;
         for (int i = 0; i < 4; ++i) {
           wg.add(1);
           weft::go([&] {
             hits.fetch_add(1);
             hits.fetch_sub(1);
             hits.fetch_add(2);
             wg.done();
           });
         }
         wg.wait();
         (void)hits.load();
       }},
      {"atomic_load_acquires_from_every_earlier_store", kFree,
       [] {
         // A chain through one atomic: the second publisher loaded the first's store before
         // storing its own, so a load that sees the second store orders both writes.
         Shared<int> a, b;
         Atomic<int> stage{0};
         weft::go([&] {
           a.write(1);
           stage.store(1);
         });
         weft::go([&] {
           while (stage.load() != 1) weft::yield();
           b.write(1);
           stage.store(2);
         });
         while (stage.load() != 2) weft::yield();
         (void)a.read();
         (void)b.read();
       }},
  };
}

}  // namespace corpus
