// weft-instrument: instrumented copy of stdcalls.cpp; regenerate, do not edit.
#include "weft/instr.hpp"
#ifndef WEFT_SITES_weft_sites_9c795593691b5d7a_
#define WEFT_SITES_weft_sites_9c795593691b5d7a_
inline constexpr ::weft::instr::Site weft_sites_9c795593691b5d7a_[] = {
    {"stdcalls.cpp", "clamp_to", 26, 53},
    {"stdcalls.cpp", "clamp_to", 26, 95},
    {"stdcalls.cpp", "scaled", 29, 57},
    {"stdcalls.cpp", "scaled", 29, 99},
    {"stdcalls.cpp", "calls", 31, 29},
    {"stdcalls.cpp", "calls", 32, 35},
    {"stdcalls.cpp", "calls", 32, 98},
    {"stdcalls.cpp", "calls", 33, 33},
    {"stdcalls.cpp", "calls", 33, 62},
    {"stdcalls.cpp", "calls", 33, 123},
    {"stdcalls.cpp", "calls", 34, 49},
    {"stdcalls.cpp", "calls", 35, 42},
    {"stdcalls.cpp", "calls", 36, 31},
    {"stdcalls.cpp", "calls", 37, 36},
    {"stdcalls.cpp", "calls", 37, 101},
    {"stdcalls.cpp", "calls", 38, 46},
    {"stdcalls.cpp", "calls", 39, 35},
    {"stdcalls.cpp", "calls", 40, 24},
    {"stdcalls.cpp", "calls", 40, 98},
    {"stdcalls.cpp", "calls", 41, 24},
    {"stdcalls.cpp", "calls", 41, 100},
    {"stdcalls.cpp", "calls", 41, 162},
    {"stdcalls.cpp", "calls", 42, 47},
    {"stdcalls.cpp", "calls", 42, 109},
    {"stdcalls.cpp", "calls", 43, 24},
    {"stdcalls.cpp", "calls", 44, 35},
    {"stdcalls.cpp", "calls", 45, 33},
    {"stdcalls.cpp", "calls", 45, 96},
    {"stdcalls.cpp", "calls::<lambda>", 46, 47},
    {"stdcalls.cpp", "calls::<lambda>", 46, 143},
    {"stdcalls.cpp", "calls", 49, 38},
    {"stdcalls.cpp", "calls", 50, 49},
    {"stdcalls.cpp", "calls", 54, 68, "clamp_to"},
    {"stdcalls.cpp", "calls", 54, 176, "scaled"},
    {"stdcalls.cpp", "ranges", 60, 14},
    {"stdcalls.cpp", "ranges", 61, 44},
    {"stdcalls.cpp", "ranges", 61, 117},
    {"stdcalls.cpp", "ranges", 62, 60},
    {"stdcalls.cpp", "ranges", 62, 134},
    {"stdcalls.cpp", "ranges", 63, 33},
    {"stdcalls.cpp", "ranges", 63, 110},
    {"stdcalls.cpp", "ranges", 64, 44},
    {"stdcalls.cpp", "ranges", 64, 117},
    {"stdcalls.cpp", "ranges", 64, 194},
};
inline constexpr ::weft::instr::ColumnShift weft_sites_9c795593691b5d7a_columns_[] = {
    {26, 33, 20},
    {26, 37, 36},
    {26, 40, 69},
    {29, 37, 20},
    {29, 40, 36},
    {29, 44, 69},
    {31, 30, 69},
    {32, 13, 22},
    {32, 16, 36},
    {32, 18, 22},
    {32, 22, 36},
    {33, 13, 20},
    {33, 22, 20},
    {33, 25, 36},
    {33, 27, 20},
    {33, 31, 36},
    {33, 32, 36},
    {34, 27, 22},
    {34, 30, 37},
    {35, 20, 22},
    {35, 24, 37},
    {36, 9, 22},
    {36, 13, 37},
    {37, 16, 20},
    {37, 20, 37},
    {37, 24, 20},
    {37, 27, 37},
    {38, 26, 20},
    {38, 30, 37},
    {39, 15, 20},
    {39, 19, 37},
    {40, 3, 21},
    {40, 9, 37},
    {40, 20, 20},
    {40, 24, 37},
    {41, 3, 21},
    {41, 8, 37},
    {41, 22, 20},
    {41, 25, 37},
    {41, 27, 20},
    {41, 31, 37},
    {42, 27, 20},
    {42, 30, 37},
    {42, 32, 20},
    {42, 36, 37},
    {43, 3, 21},
    {43, 9, 37},
    {44, 15, 20},
    {44, 32, 37},
    {45, 12, 21},
    {45, 15, 37},
    {45, 17, 21},
    {45, 21, 37},
    {46, 48, 70},
    {46, 51, 22},
    {46, 52, 37},
    {49, 16, 22},
    {49, 22, 37},
    {50, 29, 20},
    {50, 35, 37},
    {54, 10, 58},
    {54, 56, 1},
    {54, 59, 58},
    {54, 68, 1},
    {60, 15, 70},
    {61, 13, 31},
    {61, 19, 37},
    {61, 29, 20},
    {61, 35, 37},
    {62, 31, 29},
    {62, 37, 37},
    {62, 48, 20},
    {62, 54, 37},
    {63, 13, 20},
    {63, 19, 37},
    {63, 33, 20},
    {63, 39, 37},
    {64, 24, 20},
    {64, 30, 37},
    {64, 40, 20},
    {64, 46, 37},
    {64, 60, 20},
    {64, 66, 37},
};
static const ::weft::instr::ColumnMap weft_sites_9c795593691b5d7a_column_map_{"stdcalls.cpp", weft_sites_9c795593691b5d7a_columns_, 83};
#endif
#line 1 "stdcalls.cpp"
// Calls into the standard library, whose code is not instrumented: what a std function does
// through a reference parameter is recorded at the call. A reference to const or a forwarding
// reference is a read, any other reference a read-modify-write. Only data counts (scalars and
// standard containers); functions that only pass a reference on are left alone. Default
// arguments are recorded where they are written.
#include <algorithm>
#include <functional>
#include <iostream>
#include <iterator>
#include <mutex>
#include <numeric>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

int low = 1, high = 2;
std::string name = "n";
std::vector<int> values;
std::vector<std::pair<int, int>> pairs;
std::tuple<int, int> both{0, 0};
std::mutex mu;
int* cursor = nullptr;

int clamp_to(int v, int limit = ::weft::instr::read(high, ::weft_sites_9c795593691b5d7a_[0])) { ::weft::instr::Frame weft_frame_(::weft_sites_9c795593691b5d7a_[1]); return v < limit ? v : limit; }

template <class T>
T scaled(T v, T by = static_cast<T>(::weft::instr::read(low, ::weft_sites_9c795593691b5d7a_[2]))) { ::weft::instr::Frame weft_frame_(::weft_sites_9c795593691b5d7a_[3]); return v * by; }

int calls(std::istream& in) { ::weft::instr::Frame weft_frame_(::weft_sites_9c795593691b5d7a_[4]);
  std::swap(::weft::instr::update(low, ::weft_sites_9c795593691b5d7a_[5]), ::weft::instr::update(high, ::weft_sites_9c795593691b5d7a_[6]));                     // both written
  int top = ::weft::instr::read(std::max(::weft::instr::read(low, ::weft_sites_9c795593691b5d7a_[8]), ::weft::instr::read(high, ::weft_sites_9c795593691b5d7a_[9])), ::weft_sites_9c795593691b5d7a_[7]);            // both read
  int was = std::exchange(::weft::instr::update(low, ::weft_sites_9c795593691b5d7a_[10]), 7);          // written
  std::getline(in, ::weft::instr::update(name, ::weft_sites_9c795593691b5d7a_[11]));                   // name written, the stream left alone
  in >> ::weft::instr::update(high, ::weft_sites_9c795593691b5d7a_[12]);                               // written
  std::cout << ::weft::instr::read(name, ::weft_sites_9c795593691b5d7a_[13]) << ::weft::instr::read(low, ::weft_sites_9c795593691b5d7a_[14]) << '\n';         // name read (low is passed by value)
  std::string greeting = ::weft::instr::read(name, ::weft_sites_9c795593691b5d7a_[15]) + "!";        // read
  bool same = ::weft::instr::read(name, ::weft_sites_9c795593691b5d7a_[16]) == greeting;             // read
  ::weft::instr::write(values, ::weft_sites_9c795593691b5d7a_[17]).push_back(::weft::instr::read(high, ::weft_sites_9c795593691b5d7a_[18]));                   // high read (and values written)
  ::weft::instr::write(pairs, ::weft_sites_9c795593691b5d7a_[19]).emplace_back(::weft::instr::read(low, ::weft_sites_9c795593691b5d7a_[20]), ::weft::instr::read(high, ::weft_sites_9c795593691b5d7a_[21]));            // forwarding references: reads
  auto p = std::make_pair(::weft::instr::read(low, ::weft_sites_9c795593691b5d7a_[22]), ::weft::instr::read(high, ::weft_sites_9c795593691b5d7a_[23]));       // reads
  ::weft::instr::write(values, ::weft_sites_9c795593691b5d7a_[24]).push_back(std::move(top));         // a private local moved: left alone
  int first = ::weft::instr::read(std::get<0>(both), ::weft_sites_9c795593691b5d7a_[25]);            // the element is read, not the whole tuple
  std::tie(::weft::instr::write(low, ::weft_sites_9c795593691b5d7a_[26]), ::weft::instr::write(high, ::weft_sites_9c795593691b5d7a_[27])) = p;                  // both written, by the tuple's operator=
  std::function<void(int&)> bump = [](int& x) { ::weft::instr::Frame weft_frame_(::weft_sites_9c795593691b5d7a_[28]); ++::weft::instr::update(x, ::weft_sites_9c795593691b5d7a_[29]); };
  bump(low);                                // the lambda body records its own access
  std::lock_guard<std::mutex> hold(mu);     // a mutex is not data
  std::advance(::weft::instr::update(cursor, ::weft_sites_9c795593691b5d7a_[30]), 0);                  // written
  std::size_t n = std::size(::weft::instr::read(values, ::weft_sites_9c795593691b5d7a_[31]));        // read
  int* raw = std::data(values);             // only the address
  int local = 3;
  std::swap(local, top);                    // private locals: left alone
  return (::weft::instr::Call(::weft_sites_9c795593691b5d7a_[32]), clamp_to(was + first + local + (same ? 1 : 0))) + (::weft::instr::Call(::weft_sites_9c795593691b5d7a_[33]), scaled(2)) + static_cast<int>(n) +
         (raw ? 1 : 0);
}

// Whole-range algorithms record the container's elements (read, or read and written);
// partial ranges and algorithms that may stop early record only the container object.
int ranges() { ::weft::instr::Frame weft_frame_(::weft_sites_9c795593691b5d7a_[34]);
  std::sort(::weft::instr::update_elements(values, ::weft_sites_9c795593691b5d7a_[35]).begin(), ::weft::instr::read(values, ::weft_sites_9c795593691b5d7a_[36]).end());                       // elements read and written
  int total = std::accumulate(::weft::instr::read_elements(values, ::weft_sites_9c795593691b5d7a_[37]).cbegin(), ::weft::instr::read(values, ::weft_sites_9c795593691b5d7a_[38]).cend(), 0);  // elements read
  std::fill(::weft::instr::read(values, ::weft_sites_9c795593691b5d7a_[39]).begin() + 1, ::weft::instr::read(values, ::weft_sites_9c795593691b5d7a_[40]).end(), 0);                // partial: the object only
  bool has = std::find(::weft::instr::read(values, ::weft_sites_9c795593691b5d7a_[41]).begin(), ::weft::instr::read(values, ::weft_sites_9c795593691b5d7a_[42]).end(), 3) != ::weft::instr::read(values, ::weft_sites_9c795593691b5d7a_[43]).end();  // may stop early
  std::vector<int> mine{3, 1};
  std::sort(mine.begin(), mine.end());                           // private: left alone
  return total + (has ? 1 : 0) + mine[0];
}
