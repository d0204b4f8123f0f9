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

int clamp_to(int v, int limit = high) { return v < limit ? v : limit; }

template <class T>
T scaled(T v, T by = static_cast<T>(low)) { return v * by; }

int calls(std::istream& in) {
  std::swap(low, high);                     // both written
  int top = std::max(low, high);            // both read
  int was = std::exchange(low, 7);          // written
  std::getline(in, name);                   // name written, the stream left alone
  in >> high;                               // written
  std::cout << name << low << '\n';         // name read (low is passed by value)
  std::string greeting = name + "!";        // read
  bool same = name == greeting;             // read
  values.push_back(high);                   // high read (and values written)
  pairs.emplace_back(low, high);            // forwarding references: reads
  auto p = std::make_pair(low, high);       // reads
  values.push_back(std::move(top));         // a private local moved: left alone
  int first = std::get<0>(both);            // the element is read, not the whole tuple
  std::tie(low, high) = p;                  // both written, by the tuple's operator=
  std::function<void(int&)> bump = [](int& x) { ++x; };
  bump(low);                                // the lambda body records its own access
  std::lock_guard<std::mutex> hold(mu);     // a mutex is not data
  std::advance(cursor, 0);                  // written
  std::size_t n = std::size(values);        // read
  int* raw = std::data(values);             // only the address
  int local = 3;
  std::swap(local, top);                    // private locals: left alone
  return clamp_to(was + first + local + (same ? 1 : 0)) + scaled(2) + static_cast<int>(n) +
         (raw ? 1 : 0);
}

// Whole-range algorithms record the container's elements (read, or read and written);
// partial ranges and algorithms that may stop early record only the container object.
int ranges() {
  std::sort(values.begin(), values.end());                       // elements read and written
  int total = std::accumulate(values.cbegin(), values.cend(), 0);  // elements read
  std::fill(values.begin() + 1, values.end(), 0);                // partial: the object only
  bool has = std::find(values.begin(), values.end(), 3) != values.end();  // may stop early
  std::vector<int> mine{3, 1};
  std::sort(mine.begin(), mine.end());                           // private: left alone
  return total + (has ? 1 : 0) + mine[0];
}
