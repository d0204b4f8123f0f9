// Corpus: what counts as the same memory. Shadow state is exact to the byte (neighbouring
// fields are different memory, overlapping ranges of any size are the same), reads never
// race with reads, and freed heap blocks and recycled goroutine stacks start afresh.
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "corpus.hpp"

namespace corpus {

using weft::make_chan;
using weft::Shared;
using weft::Unit;
namespace race = weft::race;

namespace {

struct Pair {
  int a;
  int b;
};

struct Bytes {
  char c[8];
};

// Runs `first` and `second` in two goroutines, `second` after `first` in virtual time but
// with no happens-before edge between them; waits for both.
template <class F, class G>
void in_order_without_sync(F first, G second) {
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {
    first();
    wg.done();
  });
  weft::go([&] {
    let_others_run();
    second();
    wg.done();
  });
  wg.wait();
}

// Runs `f(i)` in n goroutines and waits for all of them.
template <class F>
void in_parallel(int n, F f) {
  weft::WaitGroup wg;
  wg.add(n);
  for (int i = 0; i < n; ++i)
    weft::go([&, i] {
      f(i);
      wg.done();
    });
  wg.wait();
}

int recurse_with_locals(int depth) {
  int local[4] = {depth, depth, depth, depth};
  race::write(local, sizeof local);
  int below = depth > 0 ? recurse_with_locals(depth - 1) : 0;
  race::read(local, sizeof local);
  return local[0] + below;
}

// Writes the block for real too: GCC warns that race::write of memory fresh from malloc
// reads it uninitialised.
void* filled(void* p, std::size_t n) { return std::memset(p, 0, n); }

}  // namespace

// Formerly false reports of the operator-delete hook, fixed by clearing shadow on allocation
// and by libstdc++'s reference-count annotations.
std::vector<Program> memory_allocator_programs() {
  return {
      {"calloc_free_reused_by_unrelated_goroutine", kFree,
       [] {
         in_order_without_sync(
             [] {
               void* p = std::calloc(1, sizeof(Pair));
               race::write(p, sizeof(Pair));
               std::free(p);
             },
             [] {
               void* q = std::calloc(1, sizeof(Pair));
               race::write(q, sizeof(Pair));
               std::free(q);
             });
       }},
      {"malloc_free_reused_by_unrelated_goroutine", kFree,
       [] {
         in_order_without_sync(
             [] {
               void* p = filled(std::malloc(sizeof(Pair)), sizeof(Pair));
               race::write(p, sizeof(Pair));
               std::free(p);
             },
             [] {
               void* q = filled(std::malloc(sizeof(Pair)), sizeof(Pair));  // likely the same block
               race::read(q, sizeof(Pair));
               std::free(q);
             });
       }},
      // realloc ends the old object: its block, back in the allocator, starts clean for
      // the next owner, whether the data moved (growth) or stayed (shrinking in place).
      {"realloc_old_block_reused_by_unrelated_goroutine", kFree,
       [] {
         in_order_without_sync(
             [] {
               void* p = filled(std::malloc(sizeof(Pair)), sizeof(Pair));
               race::write(p, sizeof(Pair));
               void* grown = filled(std::realloc(p, 4096), 4096);
               race::write(grown, 4096);
               void* small = filled(std::malloc(64), 64);
               race::write(small, 64);
               void* shrunk = std::realloc(small, 16);
               race::write(shrunk, 16);
               std::free(shrunk);
               std::free(grown);
             },
             [] {
               void* q = filled(std::malloc(sizeof(Pair)), sizeof(Pair));
               race::write(q, sizeof(Pair));
               void* r = filled(std::malloc(64), 64);
               race::write(r, 64);
               void* t = filled(::reallocarray(nullptr, 512, 8), 4096);
               race::write(t, 4096);
               std::free(t);
               std::free(r);
               std::free(q);
             });
       }},
      {"aligned_blocks_reused_by_unrelated_goroutine", kFree,
       [] {
         auto aligned_blocks = [] {
           void* p = nullptr;
           weft::check(::posix_memalign(&p, 64, 128) == 0, "posix_memalign failed");
           race::write(filled(p, 128), 128);
           void* q = filled(std::aligned_alloc(64, 128), 128);
           race::write(q, 128);
           std::free(q);
           std::free(p);
         };
         in_order_without_sync(aligned_blocks, aligned_blocks);
       }},
      {"shared_ptr_last_owner_frees_in_another_goroutine", kFree,
       [] {
         // Each goroutine writes its own field; whichever drops the last reference deletes
         // the object (the reference count orders the deletion after both writes).
         weft::WaitGroup wg;
         wg.add(2);
         {
           auto p = std::make_shared<Pair>();
           weft::go([p, &wg] {
             race::write(&p->a, sizeof p->a);
             wg.done();
           });
           weft::go([p, &wg] {
             race::write(&p->b, sizeof p->b);
             wg.done();
           });
         }
         wg.wait();
       }},
  };
}

// A free or realloc is a write of the whole block: one that races with another goroutine's
// access is reported. Only where weft's C allocation hooks are compiled (not under
// AddressSanitizer or ThreadSanitizer, which intercept malloc themselves).
std::vector<Program> heap_release_race_programs() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return {};
#else
  return {
      {"free_races_with_a_read_in_another_goroutine", kRacy,
       [] {
         void* p = filled(std::malloc(sizeof(Pair)), sizeof(Pair));
         in_order_without_sync([p] { race::read(p, sizeof(Pair)); }, [p] { std::free(p); });
       }},
      {"realloc_races_with_a_read_in_another_goroutine", kRacy,
       [] {
         void* p = std::calloc(4, sizeof(Pair));
         void* grown = nullptr;
         in_order_without_sync([p] { race::read(p, sizeof(Pair)); },
                               [p, &grown] { grown = std::realloc(p, 64 * sizeof(Pair)); });
         std::free(grown);
       }},
      {"free_after_a_handoff_is_no_race", kFree,
       [] {
         void* p = filled(std::malloc(sizeof(Pair)), sizeof(Pair));
         auto done = make_chan<Unit>();
         weft::go([&] {
           race::read(p, sizeof(Pair));
           done.send({});
         });
         done.recv();
         std::free(p);
       }},
  };
#endif
}

std::vector<Program> memory_programs() {
  return {
      // ---- struct fields and byte ranges ---------------------------------------------------
      {"struct_neighbour_fields_different_goroutines", kFree,
       [] {
         Pair s{};
         in_parallel(2, [&](int i) {
           if (i == 0)
             race::write(&s.a, sizeof s.a);
           else
             race::write(&s.b, sizeof s.b);
         });
       }},
      {"struct_same_field_different_goroutines", kRacy,
       [] {
         Pair s{};
         in_parallel(2, [&](int) { race::write(&s.b, sizeof s.b); });
       }},
      {"struct_neighbour_bytes", kFree,
       [] {
         Bytes s{};
         in_parallel(8, [&](int i) { race::write(&s.c[i], 1); });
       }},
      {"struct_whole_write_vs_field_write", kRacy,
       [] {
         Pair s{};
         in_parallel(2, [&](int i) {
           if (i == 0)
             race::write(&s, sizeof s);
           else
             race::write(&s.b, sizeof s.b);
         });
       }},
      {"struct_whole_read_vs_field_write", kRacy,
       [] {
         Pair s{};
         in_parallel(2, [&](int i) {
           if (i == 0)
             race::read(&s, sizeof s);
           else
             race::write(&s.a, sizeof s.a);
         });
       }},
      {"struct_overlapping_ranges_of_different_sizes", kRacy,
       [] {
         Bytes s{};
         in_parallel(2, [&](int i) {
           if (i == 0)
             race::write(&s.c[1], 4);  // bytes 1..4
           else
             race::write(&s.c[4], 2);  // bytes 4..5
         });
       }},
      {"struct_adjacent_ranges_of_different_sizes", kFree,
       [] {
         Bytes s{};
         in_parallel(2, [&](int i) {
           if (i == 0)
             race::write(&s.c[0], 3);  // bytes 0..2
           else
             race::write(&s.c[3], 5);  // bytes 3..7
         });
       }},
      {"struct_unaligned_ranges_overlapping_by_one_byte", kRacy,
       [] {
         Bytes s{};
         in_parallel(2, [&](int i) {
           if (i == 0)
             race::write(&s.c[0], 3);  // bytes 0..2
           else
             race::read(&s.c[2], 5);  // bytes 2..6
         });
       }},
      {"struct_whole_reads_vs_field_reads", kFree,
       [] {
         Pair s{1, 2};
         in_parallel(3, [&](int i) {
           if (i == 0) race::read(&s, sizeof s);
           if (i == 1) race::read(&s.a, sizeof s.a);
           if (i == 2) race::read(&s.b, sizeof s.b);
         });
       }},
      {"shared_struct_is_one_cell", kRacy,
       [] {
         // Shared<T> checks the whole T: different members still race.
         Shared<Pair> s;
         in_parallel(2, [&](int i) {
           s.with_mut([i](Pair& p) { (i == 0 ? p.a : p.b) = 1; });
         });
       }},

      // ---- arrays ---------------------------------------------------------------------------
      {"array_different_elements", kFree,
       [] {
         int arr[8] = {};
         in_parallel(8, [&](int i) { race::write(&arr[i], sizeof arr[i]); });
       }},
      {"array_same_element", kRacy,
       [] {
         int arr[8] = {};
         in_parallel(2, [&](int) { race::write(&arr[3], sizeof arr[3]); });
       }},
      {"array_element_vs_whole_array", kRacy,
       [] {
         int arr[8] = {};
         in_parallel(2, [&](int i) {
           if (i == 0)
             race::read(arr, sizeof arr);
           else
             race::write(&arr[7], sizeof arr[7]);
         });
       }},
      {"array_range_ends_on_the_other_element", kRacy,
       [] {
         long arr[16] = {};
         in_parallel(2, [&](int i) {
           if (i == 0)
             race::write(arr, 16 * sizeof(long));
           else
             race::write(&arr[15], sizeof(long));
         });
       }},
      {"array_range_ends_just_before_the_other_element", kFree,
       [] {
         long arr[16] = {};
         in_parallel(2, [&](int i) {
           if (i == 0)
             race::write(arr, 15 * sizeof(long));
           else
             race::write(&arr[15], sizeof(long));
         });
       }},
      {"array_of_shared_cells_by_index", kFree,
       [] {
         Shared<int> cells[6];
         in_parallel(6, [&](int i) { cells[i].write(i); });
         for (auto& c : cells) (void)c.read();
       }},
      {"array_halves_then_whole_after_wait", kFree,
       [] {
         char buf[64] = {};
         in_parallel(2, [&](int i) { race::write(buf + 32 * i, 32); });
         race::read(buf, sizeof buf);
       }},
      {"array_halves_off_by_one", kRacy,
       [] {
         char buf[64] = {};
         in_parallel(2, [&](int i) { race::write(buf + 31 * i, 33); });
       }},

      // ---- access kinds ---------------------------------------------------------------------
      {"read_read_never_races", kFree,
       [] {
         int x = 1;
         in_parallel(4, [&](int) { race::read(&x, sizeof x); });
       }},
      {"read_read_after_unsynchronised_spawn_order", kFree,
       [] {
         int x = 1;
         in_order_without_sync([&] { race::read(&x, sizeof x); },
                               [&] { race::read(&x, sizeof x); });
       }},
      {"write_write", kRacy,
       [] {
         int x = 0;
         in_order_without_sync([&] { race::write(&x, sizeof x); },
                               [&] { race::write(&x, sizeof x); });
       }},
      {"read_then_write", kRacy,
       [] {
         int x = 0;
         in_order_without_sync([&] { race::read(&x, sizeof x); },
                               [&] { race::write(&x, sizeof x); });
       }},
      {"write_then_read", kRacy,
       [] {
         int x = 0;
         in_order_without_sync([&] { race::write(&x, sizeof x); },
                               [&] { race::read(&x, sizeof x); });
       }},
      {"many_reads_then_one_write", kRacy,
       [] {
         int x = 0;
         in_order_without_sync(
             [&] {
               for (int i = 0; i < 3; ++i) race::read(&x, sizeof x);
             },
             [&] { race::write(&x, sizeof x); });
       }},
      {"update_then_update", kRacy,
       [] {
         int x = 0;
         in_order_without_sync([&] { race::update(&x, sizeof x); },
                               [&] { race::update(&x, sizeof x); });
       }},
      {"read_then_update", kRacy,
       [] {
         Shared<int> x;
         in_order_without_sync([&] { (void)x.read(); },
                               [&] { x.with_mut([](int& v) { ++v; }); });
       }},
      {"with_then_with_mut", kRacy,
       [] {
         Shared<int> x;
         in_order_without_sync([&] { (void)x.with([](const int& v) { return v; }); },
                               [&] { x.with_mut([](int& v) { v = 3; }); });
       }},
      {"with_and_with_are_reads", kFree,
       [] {
         Shared<int> x{5};
         in_parallel(3, [&](int) { (void)x.with([](const int& v) { return v + 1; }); });
       }},
      {"unsafe_get_before_and_after_goroutines", kFree,
       [] {
         Shared<int> x;
         x.unsafe_get() = 1;
         in_parallel(2, [&](int i) {
           if (i == 0) (void)x.read();
         });
         x.unsafe_get() = 2;
       }},

      // ---- references, captures, locals -----------------------------------------------------
      {"captured_reference_in_lambda", kRacy,
       [] {
         int counter = 0;
         auto done = make_chan<Unit>();
         weft::go([&counter, done] {
           race::update(&counter, sizeof counter);
           done.send({});
         });
         race::update(&counter, sizeof counter);
         done.recv();
       }},
      {"captured_by_value_is_a_private_copy", kFree,
       [] {
         int counter = 0;
         auto done = make_chan<Unit>(2);
         for (int i = 0; i < 2; ++i)
           weft::go([counter, done]() mutable {
             race::update(&counter, sizeof counter);
             done.send({});
           });
         race::update(&counter, sizeof counter);
         done.recv();
         done.recv();
       }},
      {"local_address_passed_to_child", kRacy,
       [] {
         int local = 0;
         auto done = make_chan<Unit>();
         weft::go(
             [done](int* p) {
               race::write(p, sizeof *p);
               done.send({});
             },
             &local);
         race::read(&local, sizeof local);
         done.recv();
       }},
      {"go_arguments_are_copied", kFree,
       [] {
         int value = 3;
         auto done = make_chan<Unit>();
         weft::go(
             [done](int v) {
               race::write(&v, sizeof v);
               done.send({});
             },
             value);
         race::write(&value, sizeof value);
         done.recv();
       }},
      {"goroutine_locals_are_private", kFree,
       [] {
         in_parallel(4, [](int i) {
           int local[16];
           std::memset(local, i, sizeof local);
           race::write(local, sizeof local);
           weft::yield();
           race::read(local, sizeof local);
         });
       }},
      {"goroutine_stacks_recycled_without_sync", kFree,
       [] {
         // Short goroutines come and go; a new one gets a recycled stack and writes its
         // local where an earlier, unrelated goroutine wrote one.
         weft::WaitGroup wg;
         for (int i = 0; i < 24; ++i) {
           wg.add(1);
           weft::go([&wg, i] {
             int local = i;
             race::write(&local, sizeof local);
             race::read(&local, sizeof local);
             wg.done();
           });
           if (i % 4 == 3) let_others_run();  // the batch ends; its stacks go back
         }
         wg.wait();
       }},
      {"goroutine_stacks_recycled_deep_frames", kFree,
       [] {
         weft::WaitGroup wg;
         for (int i = 0; i < 12; ++i) {
           wg.add(1);
           weft::go([&wg, i] {
             (void)recurse_with_locals(i % 5);
             wg.done();
           });
           if (i % 3 == 2) let_others_run();
         }
         wg.wait();
       }},

      // ---- heap memory freed and reused --------------------------------------------------------
      {"heap_freed_and_reused_by_unrelated_goroutine", kFree,
       [] {
         in_order_without_sync(
             [] {
               auto* p = new Pair{};
               race::write(p, sizeof *p);
               delete p;
             },
             [] {
               auto* q = new Pair{};  // likely the same block
               race::write(q, sizeof *q);
               delete q;
             });
       }},
      {"heap_churn_in_parallel", kFree,
       [] {
         in_parallel(4, [](int i) {
           for (int k = 0; k < 8; ++k) {
             auto* p = new int[4]{i, k, 0, 0};
             race::write(p, 4 * sizeof(int));
             if (k % 2) weft::yield();
             race::read(p, 4 * sizeof(int));
             delete[] p;
           }
         });
       }},
      {"heap_vector_growth_in_parallel", kFree,
       [] {
         in_parallel(3, [](int i) {
           std::vector<int> v;
           for (int k = 0; k < 20; ++k) {
             v.push_back(i + k);
             race::write(v.data(), v.size() * sizeof(int));
             if (k % 5 == 0) weft::yield();
           }
         });
       }},
      {"heap_unique_ptr_per_goroutine", kFree,
       [] {
         in_parallel(4, [](int i) {
           for (int k = 0; k < 4; ++k) {
             auto p = std::make_unique<Shared<long>>(i);
             p->write(k);
             weft::yield();
             (void)p->read();
           }
         });
       }},
      {"heap_object_shared_without_sync", kRacy,
       [] {
         auto p = std::make_unique<Pair>();  // freed when the failed iteration unwinds
         in_parallel(2, [&](int) { race::write(&p->a, sizeof p->a); });
       }},
      {"heap_object_freed_by_owner_after_handoff", kFree,
       [] {
         auto c = make_chan<Pair*>();
         auto done = make_chan<Unit>();
         weft::go([&] {
           Pair* p = c.recv();
           race::write(p, sizeof *p);
           delete p;
           done.send({});
         });
         auto* p = new Pair{};
         race::write(p, sizeof *p);
         c.send(p);
         done.recv();
       }},
  };
}

}  // namespace corpus
