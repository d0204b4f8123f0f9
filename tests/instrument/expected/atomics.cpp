// weft-instrument: instrumented copy of atomics.cpp; regenerate, do not edit.
#include "weft/instr.hpp"
#include "weft/instr_atomic.hpp"
#ifndef WEFT_SITES_weft_sites_768d87c3f2ecf540_
#define WEFT_SITES_weft_sites_768d87c3f2ecf540_
inline constexpr ::weft::instr::Site weft_sites_768d87c3f2ecf540_[] = {
    {"atomics.cpp", "member_calls", 15, 27},
    {"atomics.cpp", "member_calls", 16, 25},
    {"atomics.cpp", "member_calls", 17, 25},
    {"atomics.cpp", "member_calls", 19, 25},
    {"atomics.cpp", "member_calls", 19, 115},
    {"atomics.cpp", "member_calls", 20, 32},
    {"atomics.cpp", "member_calls", 20, 130},
    {"atomics.cpp", "operators", 23, 17},
    {"atomics.cpp", "operators", 24, 27},
    {"atomics.cpp", "operators", 25, 25},
    {"atomics.cpp", "operators", 26, 25},
    {"atomics.cpp", "operators", 27, 25},
    {"atomics.cpp", "operators", 28, 33},
    {"atomics.cpp", "operators", 29, 37},
    {"atomics.cpp", "through_pointers", 32, 53},
    {"atomics.cpp", "through_pointers", 33, 29},
    {"atomics.cpp", "through_pointers", 34, 25},
    {"atomics.cpp", "through_pointers", 35, 38},
    {"atomics.cpp", "through_pointers", 36, 73},
    {"atomics.cpp", "through_pointers", 36, 73},
    {"atomics.cpp", "flag_and_free_functions", 39, 51},
    {"atomics.cpp", "flag_and_free_functions", 40, 32},
    {"atomics.cpp", "flag_and_free_functions", 42, 25},
    {"atomics.cpp", "flag_and_free_functions", 43, 26},
    {"atomics.cpp", "flag_and_free_functions", 44, 24},
    {"atomics.cpp", "flag_and_free_functions", 45, 26},
    {"atomics.cpp", "flag_and_free_functions", 47, 31},
    {"atomics.cpp", "left_alone", 50, 18},
};
inline constexpr ::weft::instr::ColumnShift weft_sites_768d87c3f2ecf540_columns_[] = {
    {15, 28, 69},
    {16, 3, 22},
    {16, 10, 36},
    {17, 3, 22},
    {17, 10, 36},
    {19, 3, 22},
    {19, 10, 36},
    {19, 35, 22},
    {19, 43, 36},
    {20, 10, 22},
    {20, 17, 36},
    {20, 52, 20},
    {20, 59, 36},
    {23, 18, 69},
    {24, 5, 22},
    {24, 12, 36},
    {25, 3, 22},
    {25, 10, 36},
    {26, 3, 22},
    {26, 10, 37},
    {27, 3, 22},
    {27, 10, 37},
    {28, 11, 22},
    {28, 18, 37},
    {29, 15, 22},
    {29, 22, 37},
    {32, 54, 70},
    {33, 3, 26},
    {33, 4, 37},
    {34, 3, 22},
    {34, 7, 37},
    {35, 16, 22},
    {35, 23, 37},
    {36, 29, 44},
    {36, 36, 37},
    {36, 50, 37},
    {39, 52, 70},
    {40, 10, 22},
    {40, 14, 37},
    {42, 3, 22},
    {42, 7, 37},
    {43, 3, 23},
    {44, 3, 21},
    {45, 3, 23},
    {47, 3, 28},
    {50, 19, 70},
};
static const ::weft::instr::ColumnMap weft_sites_768d87c3f2ecf540_column_map_{"atomics.cpp", weft_sites_768d87c3f2ecf540_columns_, 46};
#endif
#line 1 "atomics.cpp"
// std::atomic and std::atomic_flag: every operation gets the proxy of weft/instr_atomic.hpp
// (member calls, operators, the implicit conversion, `->`, the free functions and fences);
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
