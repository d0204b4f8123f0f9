// weft-instrument: instrumented copy of coroutines.cpp; regenerate, do not edit.
#include "weft/instr.hpp"
#ifndef WEFT_SITES_weft_sites_cd29c2f564b2192b_
#define WEFT_SITES_weft_sites_cd29c2f564b2192b_
inline constexpr ::weft::instr::Site weft_sites_cd29c2f564b2192b_[] = {
    {"coroutines.cpp", "Gen::promise_type::get_return_object", 12, 29},
    {"coroutines.cpp", "Gen::promise_type::initial_suspend", 13, 52},
    {"coroutines.cpp", "Gen::promise_type::final_suspend", 14, 50},
    {"coroutines.cpp", "Gen::promise_type::yield_value", 15, 42},
    {"coroutines.cpp", "Gen::promise_type::yield_value", 16, 28},
    {"coroutines.cpp", "Gen::promise_type::return_void", 19, 24},
    {"coroutines.cpp", "Gen::promise_type::unhandled_exception", 20, 32},
    {"coroutines.cpp", "Task::promise_type::get_return_object", 28, 30},
    {"coroutines.cpp", "Task::promise_type::initial_suspend", 29, 51},
    {"coroutines.cpp", "Task::promise_type::final_suspend", 30, 49},
    {"coroutines.cpp", "Task::promise_type::return_value", 31, 30},
    {"coroutines.cpp", "Task::promise_type::return_value", 31, 123},
    {"coroutines.cpp", "Task::promise_type::unhandled_exception", 32, 32},
    {"coroutines.cpp", "Ready::await_ready", 38, 22},
    {"coroutines.cpp", "Ready::await_suspend", 39, 47},
    {"coroutines.cpp", "Ready::await_resume", 40, 22},
    {"coroutines.cpp", "Ready::await_resume", 40, 121},
    {"coroutines.cpp", "Ready::await_resume", 40, 142},
    {"coroutines.cpp", "readings", 49, 32},
    {"coroutines.cpp", "readings", 50, 32},
    {"coroutines.cpp", "readings", 51, 32},
    {"coroutines.cpp", "readings", 53, 24},
    {"coroutines.cpp", "sum", 58, 33},
    {"coroutines.cpp", "twice", 63, 32},
    {"coroutines.cpp", "twice", 64, 32},
    {"coroutines.cpp", "twice", 64, 93},
    {"coroutines.cpp", "use", 67, 12},
    {"coroutines.cpp", "use", 70, 67, "twice"},
    {"coroutines.cpp", "use", 71, 67, "twice"},
    {"coroutines.cpp", "use", 72, 67, "sum"},
    {"coroutines.cpp", "use", 73, 67, "readings"},
};
inline constexpr ::weft::instr::ColumnShift weft_sites_cd29c2f564b2192b_columns_[] = {
    {12, 30, 69},
    {13, 53, 69},
    {14, 51, 69},
    {15, 43, 69},
    {16, 7, 21},
    {16, 14, 36},
    {19, 25, 69},
    {20, 33, 69},
    {28, 31, 69},
    {29, 52, 69},
    {30, 50, 69},
    {31, 31, 70},
    {31, 32, 21},
    {31, 38, 37},
    {32, 33, 70},
    {38, 23, 70},
    {39, 48, 70},
    {40, 23, 70},
    {40, 31, 20},
    {40, 32, 20},
    {40, 33, 74},
    {49, 12, 20},
    {49, 17, 37},
    {50, 12, 20},
    {50, 21, 37},
    {51, 12, 20},
    {51, 18, 37},
    {53, 3, 21},
    {53, 8, 37},
    {58, 13, 20},
    {58, 22, 37},
    {63, 12, 20},
    {63, 13, 37},
    {64, 12, 20},
    {64, 13, 37},
    {64, 16, 20},
    {64, 17, 37},
    {67, 13, 70},
    {70, 9, 58},
    {70, 17, 1},
    {71, 9, 58},
    {71, 25, 1},
    {72, 9, 58},
    {72, 15, 1},
    {73, 9, 58},
    {73, 24, 1},
};
static const ::weft::instr::ColumnMap weft_sites_cd29c2f564b2192b_column_map_{"coroutines.cpp", weft_sites_cd29c2f564b2192b_columns_, 46};
#endif
#line 1 "coroutines.cpp"
// Coroutines: the operands of co_yield, co_await and co_return are the user's code and are
// instrumented; the promise calls the compiler writes at the keyword (yield_value,
// return_value, await_*) are not, and no frame is opened in a coroutine body (it would span
// suspensions).
#include <coroutine>
#include <exception>

template <class T>
struct Gen {
  struct promise_type {
    T current{};
    Gen get_return_object() { ::weft::instr::Frame weft_frame_(::weft_sites_cd29c2f564b2192b_[0]); return Gen{std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_always initial_suspend() noexcept { ::weft::instr::Frame weft_frame_(::weft_sites_cd29c2f564b2192b_[1]); return {}; }
    std::suspend_always final_suspend() noexcept { ::weft::instr::Frame weft_frame_(::weft_sites_cd29c2f564b2192b_[2]); return {}; }
    std::suspend_always yield_value(T v) { ::weft::instr::Frame weft_frame_(::weft_sites_cd29c2f564b2192b_[3]);
      ::weft::instr::write(current, ::weft_sites_cd29c2f564b2192b_[4]) = v;
      return {};
    }
    void return_void() { ::weft::instr::Frame weft_frame_(::weft_sites_cd29c2f564b2192b_[5]);}
    void unhandled_exception() { ::weft::instr::Frame weft_frame_(::weft_sites_cd29c2f564b2192b_[6]); std::terminate(); }
  };
  std::coroutine_handle<promise_type> h;
};

struct Task {
  struct promise_type {
    int result = 0;
    Task get_return_object() { ::weft::instr::Frame weft_frame_(::weft_sites_cd29c2f564b2192b_[7]); return {}; }
    std::suspend_never initial_suspend() noexcept { ::weft::instr::Frame weft_frame_(::weft_sites_cd29c2f564b2192b_[8]); return {}; }
    std::suspend_never final_suspend() noexcept { ::weft::instr::Frame weft_frame_(::weft_sites_cd29c2f564b2192b_[9]); return {}; }
    void return_value(int x) { ::weft::instr::Frame weft_frame_(::weft_sites_cd29c2f564b2192b_[10]); ::weft::instr::write(result, ::weft_sites_cd29c2f564b2192b_[11]) = x; }
    void unhandled_exception() { ::weft::instr::Frame weft_frame_(::weft_sites_cd29c2f564b2192b_[12]); std::terminate(); }
  };
};

struct Ready {
  int* p;
  bool await_ready() { ::weft::instr::Frame weft_frame_(::weft_sites_cd29c2f564b2192b_[13]); return true; }
  void await_suspend(std::coroutine_handle<>) { ::weft::instr::Frame weft_frame_(::weft_sites_cd29c2f564b2192b_[14]);}
  int await_resume() { ::weft::instr::Frame weft_frame_(::weft_sites_cd29c2f564b2192b_[15]); return ::weft::instr::read(*::weft::instr::read(p, ::weft_sites_cd29c2f564b2192b_[17]), ::weft_sites_cd29c2f564b2192b_[16]); }
};

int level = 1;
struct Sensor {
  int reading = 2;
};

Gen<int> readings(Sensor& s, int* extra) {
  co_yield ::weft::instr::read(level, ::weft_sites_cd29c2f564b2192b_[18]);
  co_yield ::weft::instr::read(s.reading, ::weft_sites_cd29c2f564b2192b_[19]) + 1;
  co_yield ::weft::instr::read(*extra, ::weft_sites_cd29c2f564b2192b_[20]);
  co_await std::suspend_always{};
  ::weft::instr::write(level, ::weft_sites_cd29c2f564b2192b_[21]) = 3;
}

Task sum(Sensor& s) {
  int got = co_await Ready{&s.reading};
  co_return ::weft::instr::read(s.reading, ::weft_sites_cd29c2f564b2192b_[22]) + got;
}

template <class T>
Gen<T> twice(T& x) {
  co_yield ::weft::instr::read(x, ::weft_sites_cd29c2f564b2192b_[23]);
  co_yield ::weft::instr::read(x, ::weft_sites_cd29c2f564b2192b_[24]) + ::weft::instr::read(x, ::weft_sites_cd29c2f564b2192b_[25]);
}

void use() { ::weft::instr::Frame weft_frame_(::weft_sites_cd29c2f564b2192b_[26]);
  Sensor s;
  int v = 1;
  (void)(::weft::instr::Call(::weft_sites_cd29c2f564b2192b_[27]), twice(v));
  (void)(::weft::instr::Call(::weft_sites_cd29c2f564b2192b_[28]), twice(s.reading));
  (void)(::weft::instr::Call(::weft_sites_cd29c2f564b2192b_[29]), sum(s));
  (void)(::weft::instr::Call(::weft_sites_cd29c2f564b2192b_[30]), readings(s, &v));
}
