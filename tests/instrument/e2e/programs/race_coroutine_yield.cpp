// Racy: a generator coroutine yields a global that another thread updates without a lock.
// The read is the operand of `co_yield`, which the rewrite must keep valid C++.
#include <coroutine>
#include <cstdio>
#include <exception>
#include <thread>

#include "e2e_main.hpp"

struct Readings {
  struct promise_type {
    int current = 0;
    Readings get_return_object() {
      return Readings{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    std::suspend_always yield_value(int v) {
      current = v;
      return {};
    }
    void return_void() {}
    void unhandled_exception() { std::terminate(); }
  };
  explicit Readings(std::coroutine_handle<promise_type> h) : h(h) {}
  Readings(const Readings&) = delete;
  ~Readings() { h.destroy(); }
  int next() {
    h.resume();
    return h.promise().current;
  }
  std::coroutine_handle<promise_type> h;
};

int temperature = 20;

Readings sample() {
  for (;;) co_yield temperature;  // RACE: sample
}

void heat() {
  temperature = 25;  // RACE: heat
}

void program() {
  temperature = 20;
  Readings r = sample();
  std::thread heater(heat);
  const int v = r.next();
  heater.join();
  std::printf("reading %s\n", v == 20 || v == 25 ? "ok" : "torn");
}

WEFT_E2E_MAIN(program)
