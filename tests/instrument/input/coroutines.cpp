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
    Gen get_return_object() { return Gen{std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    std::suspend_always yield_value(T v) {
      current = v;
      return {};
    }
    void return_void() {}
    void unhandled_exception() { std::terminate(); }
  };
  std::coroutine_handle<promise_type> h;
};

struct Task {
  struct promise_type {
    int result = 0;
    Task get_return_object() { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_value(int x) { result = x; }
    void unhandled_exception() { std::terminate(); }
  };
};

struct Ready {
  int* p;
  bool await_ready() { return true; }
  void await_suspend(std::coroutine_handle<>) {}
  int await_resume() { return *p; }
};

int level = 1;
struct Sensor {
  int reading = 2;
};

Gen<int> readings(Sensor& s, int* extra) {
  co_yield level;
  co_yield s.reading + 1;
  co_yield *extra;
  co_await std::suspend_always{};
  level = 3;
}

Task sum(Sensor& s) {
  int got = co_await Ready{&s.reading};
  co_return s.reading + got;
}

template <class T>
Gen<T> twice(T& x) {
  co_yield x;
  co_yield x + x;
}

void use() {
  Sensor s;
  int v = 1;
  (void)twice(v);
  (void)twice(s.reading);
  (void)sum(s);
  (void)readings(s, &v);
}
