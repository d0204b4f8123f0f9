// weft-instrument: instrumented copy of atomics.cpp; regenerate, do not edit.
#include "weft/instr.hpp"
#include "weft/instr_atomic.hpp"
#ifndef WEFT_SITES_weft_sites_768d87c3f2ecf540_
#define WEFT_SITES_weft_sites_768d87c3f2ecf540_
inline constexpr ::weft::instr::Site weft_sites_768d87c3f2ecf540_[] = {
    {"atomics.cpp", "member_calls", 16, 27},
    {"atomics.cpp", "member_calls", 17, 25},
    {"atomics.cpp", "member_calls", 18, 25},
    {"atomics.cpp", "member_calls", 20, 25},
    {"atomics.cpp", "member_calls", 20, 115},
    {"atomics.cpp", "member_calls", 21, 32},
    {"atomics.cpp", "member_calls", 21, 130},
    {"atomics.cpp", "operators", 24, 17},
    {"atomics.cpp", "operators", 25, 27},
    {"atomics.cpp", "operators", 26, 25},
    {"atomics.cpp", "operators", 27, 25},
    {"atomics.cpp", "operators", 28, 25},
    {"atomics.cpp", "operators", 29, 33},
    {"atomics.cpp", "operators", 30, 37},
    {"atomics.cpp", "through_pointers", 33, 53},
    {"atomics.cpp", "through_pointers", 34, 29},
    {"atomics.cpp", "through_pointers", 35, 25},
    {"atomics.cpp", "through_pointers", 36, 38},
    {"atomics.cpp", "through_pointers", 37, 73},
    {"atomics.cpp", "through_pointers", 37, 73},
    {"atomics.cpp", "flag_and_free_functions", 40, 51},
    {"atomics.cpp", "flag_and_free_functions", 41, 32},
    {"atomics.cpp", "flag_and_free_functions", 43, 25},
    {"atomics.cpp", "flag_and_free_functions", 44, 26},
    {"atomics.cpp", "flag_and_free_functions", 45, 24},
    {"atomics.cpp", "flag_and_free_functions", 46, 26},
    {"atomics.cpp", "flag_and_free_functions", 48, 31},
    {"atomics.cpp", "left_alone", 51, 18},
    {"atomics.cpp", "through_atomic_ref", 60, 26},
    {"atomics.cpp", "through_atomic_ref", 62, 25},
    {"atomics.cpp", "through_atomic_ref", 63, 25},
    {"atomics.cpp", "through_atomic_ref", 64, 27},
    {"atomics.cpp", "through_atomic_ref", 65, 25},
    {"atomics.cpp", "through_atomic_ref", 66, 32},
    {"atomics.cpp", "through_atomic_ref", 66, 131},
};
inline constexpr ::weft::instr::ColumnShift weft_sites_768d87c3f2ecf540_columns_[] = {
    {16, 28, 69},
    {17, 3, 22},
    {17, 10, 36},
    {18, 3, 22},
    {18, 10, 36},
    {20, 3, 22},
    {20, 10, 36},
    {20, 35, 22},
    {20, 43, 36},
    {21, 10, 22},
    {21, 17, 36},
    {21, 52, 20},
    {21, 59, 36},
    {24, 18, 69},
    {25, 5, 22},
    {25, 12, 36},
    {26, 3, 22},
    {26, 10, 36},
    {27, 3, 22},
    {27, 10, 37},
    {28, 3, 22},
    {28, 10, 37},
    {29, 11, 22},
    {29, 18, 37},
    {30, 15, 22},
    {30, 22, 37},
    {33, 54, 70},
    {34, 3, 26},
    {34, 4, 37},
    {35, 3, 22},
    {35, 7, 37},
    {36, 16, 22},
    {36, 23, 37},
    {37, 29, 44},
    {37, 36, 37},
    {37, 50, 37},
    {40, 52, 70},
    {41, 10, 22},
    {41, 14, 37},
    {43, 3, 22},
    {43, 7, 37},
    {44, 3, 23},
    {45, 3, 21},
    {46, 3, 23},
    {48, 3, 28},
    {51, 19, 70},
    {60, 27, 70},
    {62, 3, 22},
    {62, 8, 37},
    {63, 3, 22},
    {63, 8, 37},
    {64, 5, 22},
    {64, 10, 37},
    {65, 3, 22},
    {65, 36, 37},
    {66, 10, 22},
    {66, 15, 37},
    {66, 50, 22},
    {66, 55, 37},
};
static const ::weft::instr::ColumnMap weft_sites_768d87c3f2ecf540_column_map_{"atomics.cpp", weft_sites_768d87c3f2ecf540_columns_, 59};
#endif
#line 1 "atomics.cpp"
// std::atomic, std::atomic_flag and std::atomic_ref: every operation gets the proxy of
// weft/instr_atomic.hpp (member calls, operators, the implicit conversion, `->`, the free
// functions and fences);
// is_lock_free, construction and private atomics are left alone.
#include <atomic>

std::atomic<int> counter{0};
std::atomic_flag busy;

struct Node {
  std::atomic<Node*> next{nullptr};
  std::atomic<bool> ready{false};
  int value = 0;
};

int member_calls(Node& n) { ::weft::instr::Frame weft_frame_(::weft_sites_768d87c3f2ecf540_[0]);
  ::weft::instr::atomic(counter, ::weft_sites_768d87c3f2ecf540_[1]).fetch_add(1, std::memory_order_relaxed);
  ::weft::instr::atomic(n.ready, ::weft_sites_768d87c3f2ecf540_[2]).store(true, std::memory_order_release);
  int expected = 0;
  ::weft::instr::atomic(counter, ::weft_sites_768d87c3f2ecf540_[3]).compare_exchange_strong(::weft::instr::update(expected, ::weft_sites_768d87c3f2ecf540_[4]), 1, std::memory_order_acq_rel);
  return ::weft::instr::atomic(n.ready, ::weft_sites_768d87c3f2ecf540_[5]).load(std::memory_order_acquire) ? ::weft::instr::read(n.value, ::weft_sites_768d87c3f2ecf540_[6]) : 0;
}

int operators() { ::weft::instr::Frame weft_frame_(::weft_sites_768d87c3f2ecf540_[7]);
  ++::weft::instr::atomic(counter, ::weft_sites_768d87c3f2ecf540_[8]);
  ::weft::instr::atomic(counter, ::weft_sites_768d87c3f2ecf540_[9])--;
  ::weft::instr::atomic(counter, ::weft_sites_768d87c3f2ecf540_[10]) += 2;
  ::weft::instr::atomic(counter, ::weft_sites_768d87c3f2ecf540_[11]) = 5;
  int v = ::weft::instr::atomic(counter, ::weft_sites_768d87c3f2ecf540_[12]);
  return v + (::weft::instr::atomic(counter, ::weft_sites_768d87c3f2ecf540_[13]) == 5 ? 1 : 0);
}

bool through_pointers(Node* n, std::atomic<int>* c) { ::weft::instr::Frame weft_frame_(::weft_sites_768d87c3f2ecf540_[14]);
  ::weft::instr::atomic_via(c, ::weft_sites_768d87c3f2ecf540_[15])->store(3);
  ::weft::instr::atomic((*c), ::weft_sites_768d87c3f2ecf540_[16])++;
  Node* next = ::weft::instr::atomic(n->next, ::weft_sites_768d87c3f2ecf540_[17]).load();
  return next != nullptr && ::weft::instr::atomic(::weft::instr::atomic(n->next, ::weft_sites_768d87c3f2ecf540_[18]).load()->ready, ::weft_sites_768d87c3f2ecf540_[19]);
}

void flag_and_free_functions(std::atomic<int>* c) { ::weft::instr::Frame weft_frame_(::weft_sites_768d87c3f2ecf540_[20]);
  while (::weft::instr::atomic(busy, ::weft_sites_768d87c3f2ecf540_[21]).test_and_set(std::memory_order_acquire)) {
  }
  ::weft::instr::atomic(busy, ::weft_sites_768d87c3f2ecf540_[22]).clear(std::memory_order_release);
  ::weft::instr::hooked::std::atomic_fetch_add(c, 1);
  ::weft::instr::hooked::std::atomic_store_explicit(c, 2, std::memory_order_release);
  ::weft::instr::hooked::std::atomic_thread_fence(std::memory_order_seq_cst);
  using namespace std;
  ::weft::instr::hooked::std::atomic_load(c);
}

int left_alone() { ::weft::instr::Frame weft_frame_(::weft_sites_768d87c3f2ecf540_[27]);
  std::atomic<int> mine{0};  // private: not shared with anyone
  mine.store(1);
  return counter.is_lock_free() ? mine.load() : 0;
}

// std::atomic_ref: a named reference (even a private one: what it refers to may be shared),
// a temporary, and operators; all wrapped.
int plain_total = 0;
int through_atomic_ref() { ::weft::instr::Frame weft_frame_(::weft_sites_768d87c3f2ecf540_[28]);
  std::atomic_ref<int> total(plain_total);
  ::weft::instr::atomic(total, ::weft_sites_768d87c3f2ecf540_[29]).fetch_add(2, std::memory_order_relaxed);
  ::weft::instr::atomic(total, ::weft_sites_768d87c3f2ecf540_[30]) = 4;
  ++::weft::instr::atomic(total, ::weft_sites_768d87c3f2ecf540_[31]);
  ::weft::instr::atomic(std::atomic_ref<int>(plain_total), ::weft_sites_768d87c3f2ecf540_[32]).store(1, std::memory_order_release);
  return ::weft::instr::atomic(total, ::weft_sites_768d87c3f2ecf540_[33]).load(std::memory_order_acquire) + ::weft::instr::atomic(total, ::weft_sites_768d87c3f2ecf540_[34]);
}
