// Corpus: the go statement, channels (unbuffered, buffered, as semaphores, close, range)
// and select. Go memory model: spawn -> child; send -> matching receive completes; an
// unbuffered receive -> its send completes; k-th receive -> (k+C)-th send completes;
// close -> a receive that returns because of it.
#include <optional>

#include "corpus.hpp"

namespace corpus {

using weft::make_chan;
using weft::Shared;
using weft::Unit;

std::vector<Program> chan_programs() {
  return {
      // ---- the go statement ---------------------------------------------------------
      {"go_write_before_spawn_read_in_child", kFree,
       [] {
         Shared<int> x;
         auto done = make_chan<Unit>();
         x.write(1);
         weft::go([&] {
           (void)x.read();
           done.send({});
         });
         done.recv();
       }},
      {"go_write_in_child_read_in_parent", kRacy,
       [] {
         Shared<int> x;
         auto done = make_chan<Unit>();
         weft::go([&] {
           x.write(1);
           done.send({});
         });
         (void)x.read();
         done.recv();
       }},
      {"go_parent_writes_after_spawn", kRacy,
       [] {
         Shared<int> x;
         auto done = make_chan<Unit>();
         weft::go([&] {
           (void)x.read();
           done.send({});
         });
         x.write(1);
         done.recv();
       }},
      {"go_siblings_both_write", kRacy,
       [] {
         Shared<int> x;
         auto done = make_chan<Unit>(2);
         for (int i = 0; i < 2; ++i)
           weft::go([&, i] {
             x.write(i);
             done.send({});
           });
         done.recv();
         done.recv();
       }},
      {"go_siblings_read_value_written_before_both_spawns", kFree,
       [] {
         Shared<int> x;
         x.write(7);
         auto done = make_chan<Unit>(2);
         for (int i = 0; i < 2; ++i)
           weft::go([&] {
             (void)x.read();
             done.send({});
           });
         done.recv();
         done.recv();
       }},
      {"go_second_spawn_after_write_is_ordered_first_is_not", kRacy,
       [] {
         Shared<int> x;
         auto done = make_chan<Unit>(2);
         weft::go([&] {  // spawned before the write: concurrent with it
           (void)x.read();
           done.send({});
         });
         x.write(1);
         weft::go([&] {  // spawned after: ordered
           (void)x.read();
           done.send({});
         });
         done.recv();
         done.recv();
       }},

      // ---- unbuffered channels ------------------------------------------------------
      {"unbuffered_send_happens_before_recv", kFree,
       [] {
         Shared<int> x;
         auto c = make_chan<int>();
         weft::go([&] {
           x.write(1);
           c.send(1);
         });
         c.recv();
         (void)x.read();
       }},
      {"unbuffered_write_after_send", kRacy,
       [] {
         Shared<int> x;
         auto c = make_chan<int>();
         auto done = make_chan<Unit>();
         weft::go([&] {
           c.send(1);
           x.write(1);
           done.send({});
         });
         c.recv();
         (void)x.read();
         done.recv();
       }},
      {"unbuffered_read_before_recv", kRacy,
       [] {
         Shared<int> x;
         auto c = make_chan<int>();
         weft::go([&] {
           x.write(1);
           c.send(1);
         });
         (void)x.read();
         c.recv();
       }},
      {"unbuffered_recv_happens_before_send_completes", kFree,
       [] {
         Shared<int> x;
         auto c = make_chan<int>();
         weft::go([&] {
           x.write(1);
           (void)c.recv();
         });
         c.send(0);
         (void)x.read();
       }},
      {"unbuffered_write_after_recv_races_with_sender", kRacy,
       [] {
         Shared<int> x;
         auto c = make_chan<int>();
         auto done = make_chan<Unit>();
         weft::go([&] {
           (void)c.recv();
           x.write(1);
           done.send({});
         });
         c.send(0);
         (void)x.read();
         done.recv();
       }},
      {"unbuffered_ping_pong", kFree,
       [] {
         Shared<int> x;
         auto ping = make_chan<int>();
         auto pong = make_chan<int>();
         weft::go([&] {
           for (int i = 0; i < 3; ++i) {
             (void)ping.recv();
             x.with_mut([](int& v) { ++v; });
             pong.send(0);
           }
         });
         for (int i = 0; i < 3; ++i) {
           x.with_mut([](int& v) { ++v; });
           ping.send(0);
           (void)pong.recv();
         }
         (void)x.read();
       }},
      {"unbuffered_ping_pong_one_unordered_update", kRacy,
       [] {
         Shared<int> x;
         auto ping = make_chan<int>();
         auto pong = make_chan<int>();
         weft::go([&] {
           for (int i = 0; i < 3; ++i) {
             (void)ping.recv();
             pong.send(0);
             if (i == 1) x.with_mut([](int& v) { ++v; });  // after the hand-back
           }
         });
         for (int i = 0; i < 3; ++i) {
           ping.send(0);
           (void)pong.recv();
           x.with_mut([](int& v) { ++v; });
         }
       }},

      // ---- buffered channels --------------------------------------------------------
      {"buffered_send_happens_before_recv", kFree,
       [] {
         Shared<int> x;
         auto c = make_chan<int>(3);
         weft::go([&] {
           x.write(1);
           c.send(1);
         });
         c.recv();
         (void)x.read();
       }},
      {"buffered_write_after_send", kRacy,
       [] {
         Shared<int> x;
         auto c = make_chan<int>(3);
         auto done = make_chan<Unit>();
         weft::go([&] {
           c.send(1);
           x.write(1);
           done.send({});
         });
         c.recv();
         (void)x.read();
         done.recv();
       }},
      {"buffered_recv_does_not_order_before_send_with_room", kRacy,
       [] {
         // With room in the buffer a send does not wait for any receive.
         Shared<int> x;
         auto c = make_chan<int>(1);
         auto done = make_chan<Unit>();
         weft::go([&] {
           x.write(1);
           (void)c.recv();
           done.send({});
         });
         c.send(0);
         (void)x.read();
         done.recv();
       }},
      {"buffered_each_value_publishes_its_own_write", kFree,
       [] {
         Shared<int> a, b, c3;
         Shared<int>* cells[3] = {&a, &b, &c3};
         auto c = make_chan<int>(2);
         weft::go([&] {
           for (int i = 0; i < 3; ++i) {
             cells[i]->write(i);
             c.send(i);
           }
         });
         for (int i = 0; i < 3; ++i) (void)cells[c.recv()]->read();
       }},
      {"buffered_reading_a_cell_whose_value_is_not_received_yet", kRacy,
       [] {
         Shared<int> a, b;
         auto c = make_chan<int>(2);
         weft::go([&] {
           a.write(1);
           c.send(0);
           b.write(1);
           c.send(1);
         });
         (void)c.recv();
         (void)b.read();  // b's send has not been received
         (void)c.recv();
       }},
      {"buffered_fifo_through_many_values", kFree,
       [] {
         Shared<int> last;
         auto c = make_chan<int>(4);
         weft::go([&] {
           for (int i = 1; i <= 8; ++i) {
             last.write(i);
             c.send(i);
           }
           c.close();
         });
         for (int v : c) (void)v;
         (void)last.read();
       }},

      // ---- capacity-C channels: the k-th receive before the (k+C)-th send --------------
      {"semaphore_capacity_1_guards_counter", kFree,
       [] {
         Shared<int> counter;
         auto sem = make_chan<Unit>(1);
         auto done = make_chan<Unit>(3);
         for (int i = 0; i < 3; ++i)
           weft::go([&] {
             sem.send({});  // acquire
             counter.with_mut([](int& v) { ++v; });
             (void)sem.recv();  // release
             done.send({});
           });
         for (int i = 0; i < 3; ++i) done.recv();
         (void)counter.read();
       }},
      {"semaphore_capacity_2_guards_per_slot_work_and_a_capacity_1_inner_lock", kFree,
       [] {
         Shared<int> counter;
         auto outer = make_chan<Unit>(2);
         auto inner = make_chan<Unit>(1);
         auto done = make_chan<Unit>(4);
         for (int i = 0; i < 4; ++i)
           weft::go([&] {
             outer.send({});
             inner.send({});
             counter.with_mut([](int& v) { ++v; });
             (void)inner.recv();
             (void)outer.recv();
             done.send({});
           });
         for (int i = 0; i < 4; ++i) done.recv();
       }},
      {"semaphore_capacity_2_does_not_exclude", kRacy,
       [] {
         Shared<int> counter;
         auto sem = make_chan<Unit>(2);
         auto done = make_chan<Unit>(2);
         for (int i = 0; i < 2; ++i)
           weft::go([&] {
             sem.send({});
             counter.with_mut([](int& v) { ++v; });
             (void)sem.recv();
             done.send({});
           });
         done.recv();
         done.recv();
       }},
      {"kth_recv_before_k_plus_cap_send", kFree,
       [] {
         Shared<int> x;
         auto c = make_chan<int>(2);
         c.send(0);
         c.send(0);  // full
         weft::go([&] {
           x.write(1);
           (void)c.recv();  // receive #1
         });
         c.send(0);  // send #3 waits for receive #1
         (void)x.read();
       }},
      {"kth_recv_not_before_k_plus_cap_minus_1_send", kRacy,
       [] {
         Shared<int> x;
         auto c = make_chan<int>(2);
         auto done = make_chan<Unit>();
         c.send(0);
         weft::go([&] {
           x.write(1);
           (void)c.recv();  // receive #1
           done.send({});
         });
         c.send(0);  // send #2 has room: no edge from receive #1
         (void)x.read();
         done.recv();
       }},
      {"kth_recv_before_k_plus_cap_send_capacity_3", kFree,
       [] {
         Shared<int> x;
         auto c = make_chan<int>(3);
         for (int i = 0; i < 3; ++i) c.send(i);
         weft::go([&] {
           (void)c.recv();
           (void)c.recv();
           x.write(1);
           (void)c.recv();  // receive #3
         });
         c.send(0);  // #4 <- receive #1
         c.send(0);  // #5 <- receive #2
         c.send(0);  // #6 <- receive #3, after the write
         (void)x.read();
       }},
      {"kth_recv_capacity_3_write_between_receives", kRacy,
       [] {
         Shared<int> x;
         auto c = make_chan<int>(3);
         auto done = make_chan<Unit>();
         for (int i = 0; i < 3; ++i) c.send(i);
         weft::go([&] {
           (void)c.recv();
           x.write(1);
           (void)c.recv();
           (void)c.recv();
           done.send({});
         });
         c.send(0);  // #4 <- receive #1, before the write
         (void)x.read();
         c.send(0);
         c.send(0);
         done.recv();
       }},

      {"buffered_direct_handoff_then_kth_recv_rule", kFree,
       [] {
         // The receiver waits on the empty buffer, so send #1 is handed over directly; the
         // k-th receive -> (k+C)-th send rule still holds afterwards.
         Shared<int> x;
         auto c = make_chan<int>(1);
         weft::go([&] {
           (void)c.recv();  // #1, waiting
           x.write(1);
           (void)c.recv();  // #2
         });
         let_others_run();
         c.send(1);  // #1: direct
         c.send(2);  // #2
         c.send(3);  // #3 waits for receive #2
         (void)x.read();
       }},
      {"buffered_direct_handoff_write_after_last_recv", kRacy,
       [] {
         Shared<int> x;
         auto c = make_chan<int>(1);
         auto done = make_chan<Unit>();
         weft::go([&] {
           (void)c.recv();
           (void)c.recv();
           x.write(1);  // after receive #2: nothing waits for it
           done.send({});
         });
         let_others_run();
         c.send(1);
         c.send(2);
         c.send(3);
         (void)x.read();
         done.recv();
       }},
      {"buffered_capacity_1_chain_through_two_goroutines", kFree,
       [] {
         // send #1 -> receive #1 (R) -> send #2 completes (P) -> receive #2 (main).
         Shared<int> a;
         auto c = make_chan<int>(1);
         weft::go([&] {
           a.write(1);
           c.send(1);
         });
         let_others_run();
         weft::go([&] { (void)c.recv(); });
         let_others_run();
         weft::go([&] { c.send(2); });
         (void)c.recv();
         (void)a.read();
       }},
      {"buffered_capacity_2_no_chain_through_two_goroutines", kRacy,
       [] {
         // With capacity 2, receive #1 only orders send #3: send #2 publishes nothing of W.
         Shared<int> a;
         auto c = make_chan<int>(2);
         auto done = make_chan<Unit>();
         weft::go([&] {
           a.write(1);
           c.send(1);
           done.send({});
         });
         let_others_run();
         weft::go([&] { (void)c.recv(); });
         let_others_run();
         weft::go([&] { c.send(2); });
         (void)c.recv();
         (void)a.read();
         done.recv();
       }},

      // ---- close ------------------------------------------------------------------------
      {"close_happens_before_recv_that_sees_closed", kFree,
       [] {
         Shared<int> x;
         auto c = make_chan<int>();
         weft::go([&] {
           x.write(1);
           c.close();
         });
         std::optional<int> v = c.recv_ok();
         (void)v;
         (void)x.read();
       }},
      {"close_buffered_drained_then_closed", kFree,
       [] {
         Shared<int> x;
         auto c = make_chan<int>(2);
         weft::go([&] {
           c.send(1);
           x.write(1);
           c.close();
         });
         while (c.recv_ok()) {
         }
         (void)x.read();
       }},
      {"close_value_received_before_close_does_not_publish_later_write", kRacy,
       [] {
         Shared<int> x;
         auto c = make_chan<int>(1);
         weft::go([&] {
           c.send(1);
           x.write(1);
           c.close();
         });
         (void)c.recv();  // the value, not the close
         (void)x.read();
         (void)c.recv_ok();
       }},
      {"close_read_before_receiving", kRacy,
       [] {
         Shared<int> x;
         auto c = make_chan<Unit>();
         weft::go([&] {
           x.write(1);
           c.close();
         });
         (void)x.read();
         (void)c.recv_ok();
       }},
      {"close_write_after_close", kRacy,
       [] {
         Shared<int> x;
         auto c = make_chan<Unit>();
         auto done = make_chan<Unit>();
         weft::go([&] {
           c.close();
           x.write(1);
           done.send({});
         });
         (void)c.recv_ok();
         (void)x.read();
         done.recv();
       }},
      {"close_buffered_value_received_after_close_publishes_nothing", kRacy,
       [] {
         // The value was sent before the write; it is received after the close, but that
         // receive returns a value, not "closed".
         Shared<int> x;
         auto c = make_chan<int>(2);
         auto done = make_chan<Unit>();
         weft::go([&] {
           c.send(1);
           x.write(1);
           c.close();
           done.send({});
         });
         let_others_run();
         (void)c.recv_ok();
         (void)x.read();
         done.recv();
       }},
      {"close_does_not_carry_an_earlier_unbuffered_handoff", kRacy,
       [] {
         // R's write is published to S by their rendezvous, not to whoever later sees the
         // channel closed by an unrelated goroutine.
         Shared<int> y;
         auto c = make_chan<int>();
         auto done = make_chan<Unit>(3);
         weft::go([&] {  // S
           c.send(1);
           done.send({});
         });
         weft::go([&] {  // R
           y.write(1);
           (void)c.recv();
           done.send({});
         });
         weft::go([&] {  // the closer
           let_others_run();
           c.close();
           done.send({});
         });
         weft::sleep(std::chrono::milliseconds(2));
         (void)c.recv_ok();  // closed
         (void)y.read();
         for (int i = 0; i < 3; ++i) done.recv();
       }},
      {"close_broadcast_to_many_readers", kFree,
       [] {
         Shared<int> x;
         auto start = make_chan<Unit>();
         auto done = make_chan<Unit>(3);
         for (int i = 0; i < 3; ++i)
           weft::go([&] {
             (void)start.recv_ok();
             (void)x.read();
             done.send({});
           });
         x.write(42);
         start.close();
         for (int i = 0; i < 3; ++i) done.recv();
       }},
      {"close_broadcast_reader_writes", kRacy,
       [] {
         Shared<int> x;
         auto start = make_chan<Unit>();
         auto done = make_chan<Unit>(2);
         for (int i = 0; i < 2; ++i)
           weft::go([&, i] {
             (void)start.recv_ok();
             if (i == 0)
               x.write(1);
             else
               (void)x.read();
             done.send({});
           });
         start.close();
         done.recv();
         done.recv();
       }},
      {"range_until_closed_then_read", kFree,
       [] {
         Shared<int> total;
         auto c = make_chan<int>();
         weft::go([&] {
           for (int i = 0; i < 3; ++i) c.send(i);
           total.write(3);
           c.close();
         });
         int n = 0;
         for (int v : c) n += v;
         (void)total.read();
       }},
      {"try_recv_success_publishes", kFree,
       [] {
         Shared<int> x;
         auto c = make_chan<int>(1);
         weft::go([&] {
           x.write(1);
           c.send(1);
         });
         while (!c.try_recv()) weft::yield();
         (void)x.read();
       }},
      {"try_recv_failure_does_not_publish", kRacy,
       [] {
         Shared<int> x;
         auto c = make_chan<int>(1);
         weft::go([&] {
           x.write(1);
           c.send(1);
         });
         auto got = c.try_recv();  // may find nothing; read regardless
         (void)x.read();
         if (!got) (void)c.recv_ok();
       }},
      {"try_send_success_publishes", kFree,
       [] {
         Shared<int> x;
         auto c = make_chan<int>(1);
         weft::go([&] {
           x.write(1);
           while (!c.try_send(1)) weft::yield();
         });
         (void)c.recv();
         (void)x.read();
       }},
      {"ownership_transfer_of_heap_object", kFree,
       [] {
         struct Obj {
           Shared<int> a, b;
         };
         auto c = make_chan<Obj*>();
         weft::go([&] {
           auto* o = new Obj;
           o->a.write(1);
           o->b.write(2);
           c.send(o);
         });
         Obj* o = c.recv();
         o->a.write(o->a.read() + o->b.read());
         delete o;
       }},
      {"ownership_transfer_sender_keeps_using_object", kRacy,
       [] {
         auto c = make_chan<Shared<int>*>();
         auto done = make_chan<Unit>();
         Shared<int> obj;
         weft::go([&] {
           c.send(&obj);
           obj.write(2);  // still using it after handing it over
           done.send({});
         });
         Shared<int>* o = c.recv();
         o->write(1);
         done.recv();
       }},
      {"pipeline_three_stages", kFree,
       [] {
         Shared<int> x, y;
         auto ab = make_chan<int>();
         auto bc = make_chan<int>();
         auto done = make_chan<Unit>();
         weft::go([&] {
           x.write(1);
           ab.send(0);
         });
         weft::go([&] {
           (void)ab.recv();
           y.write(x.read());
           bc.send(0);
         });
         weft::go([&] {
           (void)bc.recv();
           (void)x.read();
           (void)y.read();
           done.send({});
         });
         done.recv();
       }},
      {"pipeline_last_stage_reads_before_receiving", kRacy,
       [] {
         Shared<int> x;
         auto ab = make_chan<int>();
         auto bc = make_chan<int>();
         auto done = make_chan<Unit>();
         weft::go([&] {
           x.write(1);
           ab.send(0);
         });
         weft::go([&] {
           (void)ab.recv();
           bc.send(0);
         });
         weft::go([&] {
           (void)x.read();
           (void)bc.recv();
           done.send({});
         });
         done.recv();
       }},

      // ---- select -------------------------------------------------------------------------
      {"select_recv_case_publishes", kFree,
       [] {
         Shared<int> x;
         auto c = make_chan<int>();
         weft::Chan<int> never;  // nil: never ready
         weft::go([&] {
           x.write(1);
           c.send(1);
         });
         weft::select(weft::recv_case(c), weft::recv_case(never));
         (void)x.read();
       }},
      {"select_send_case_publishes", kFree,
       [] {
         Shared<int> x;
         auto c = make_chan<int>();
         auto done = make_chan<Unit>();
         weft::go([&] {
           (void)c.recv();
           (void)x.read();
           done.send({});
         });
         x.write(1);
         weft::select(weft::send_case(c, 1));
         done.recv();
       }},
      {"select_send_completes_after_unbuffered_recv", kFree,
       [] {
         Shared<int> x;
         auto c = make_chan<int>();
         weft::go([&] {
           x.write(1);
           (void)c.recv();
         });
         weft::select(weft::send_case(c, 1), weft::recv_case(weft::Chan<int>{}));
         (void)x.read();
       }},
      {"select_recv_case_write_after_send", kRacy,
       [] {
         Shared<int> x;
         auto c = make_chan<int>();
         auto done = make_chan<Unit>();
         weft::go([&] {
           c.send(1);
           x.write(1);
           done.send({});
         });
         weft::select(weft::recv_case(c));
         (void)x.read();
         done.recv();
       }},
      {"select_default_taken_means_no_sync", kRacy,
       [] {
         Shared<int> x;
         auto c = make_chan<int>(1);
         auto done = make_chan<Unit>();
         weft::go([&] {
           x.write(1);
           done.send({});
         });
         weft::select(weft::recv_case(c), weft::default_case());  // c is never sent to
         (void)x.read();
         done.recv();
       }},
      {"select_default_polling_until_received", kFree,
       [] {
         Shared<int> x;
         auto c = make_chan<int>();
         weft::go([&] {
           x.write(1);
           c.send(1);
         });
         bool got = false;
         while (!got)
           weft::select(weft::recv_case(c, [&](int) { got = true; }),
                        weft::default_case([] { weft::yield(); }));
         (void)x.read();
       }},
      {"select_reads_only_what_its_case_published", kRacy,
       [] {
         Shared<int> a, b;
         auto ca = make_chan<int>(1);
         auto cb = make_chan<int>(1);
         auto done = make_chan<Unit>(2);
         weft::go([&] {
           a.write(1);
           ca.send(1);
           done.send({});
         });
         weft::go([&] {
           b.write(1);
           cb.send(1);
           done.send({});
         });
         // Whichever case fires, both cells are read: one of them is not yet published.
         weft::select(weft::recv_case(ca), weft::recv_case(cb));
         (void)a.read();
         (void)b.read();
         done.recv();
         done.recv();
       }},
      {"select_reads_what_its_case_published", kFree,
       [] {
         Shared<int> a, b;
         auto ca = make_chan<int>(1);
         auto cb = make_chan<int>(1);
         weft::go([&] {
           a.write(1);
           ca.send(1);
         });
         weft::go([&] {
           b.write(1);
           cb.send(1);
         });
         for (int i = 0; i < 2; ++i)
           weft::select(weft::recv_case(ca, [&](int) { (void)a.read(); }),
                        weft::recv_case(cb, [&](int) { (void)b.read(); }));
       }},
      {"select_recv_on_closed_channel_publishes", kFree,
       [] {
         Shared<int> x;
         auto c = make_chan<Unit>();
         weft::go([&] {
           x.write(1);
           c.close();
         });
         weft::select(weft::recv_case(c, [](std::optional<Unit>) {}));
         (void)x.read();
       }},
      {"select_in_both_goroutines", kFree,
       [] {
         Shared<int> x;
         auto c = make_chan<int>();
         auto back = make_chan<int>();
         // The child holds its own handles: its select may still touch the channels after
         // main, woken by it, has returned (a woken select relocks every case channel).
         weft::go([&x, c, back] {
           weft::select(weft::recv_case(c));
           x.write(2);
           weft::select(weft::send_case(back, 0));
         });
         x.write(1);
         weft::select(weft::send_case(c, 0));
         weft::select(weft::recv_case(back));
         (void)x.read();
       }},
  };
}

}  // namespace corpus
