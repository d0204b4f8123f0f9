// Race-free: a bounded std::deque queue with a Mutex and a Cond.
#include <cstdio>
#include <deque>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

class Queue {
 public:
  void put(int v) {
    mu_.lock();
    items_.push_back(v);
    cond_.signal();
    mu_.unlock();
  }
  int take() {
    mu_.lock();
    while (items_.empty()) cond_.wait();
    int v = items_.front();
    items_.pop_front();
    mu_.unlock();
    return v;
  }

 private:
  weft::Mutex mu_;
  weft::Cond cond_{mu_};
  std::deque<int> items_;
};

void program() {
  Queue q;
  weft::WaitGroup wg;
  long sum = 0;
  wg.add(1);
  weft::go([&] {
    for (int i = 0; i < 4; ++i) sum += q.take();
    wg.done();
  });
  for (int i = 1; i <= 4; ++i) q.put(i * 10);
  wg.wait();
  std::printf("sum=%ld\n", sum);
}

WEFT_E2E_MAIN(program)
