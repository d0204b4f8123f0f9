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

int member_calls(Node& n) {
  counter.fetch_add(1, std::memory_order_relaxed);
  n.ready.store(true, std::memory_order_release);
  int expected = 0;
  counter.compare_exchange_strong(expected, 1, std::memory_order_acq_rel);
  return n.ready.load(std::memory_order_acquire) ? n.value : 0;
}

int operators() {
  ++counter;
  counter--;
  counter += 2;
  counter = 5;
  int v = counter;
  return v + (counter == 5 ? 1 : 0);
}

bool through_pointers(Node* n, std::atomic<int>* c) {
  c->store(3);
  (*c)++;
  Node* next = n->next.load();
  return next != nullptr && n->next.load()->ready;
}

void flag_and_free_functions(std::atomic<int>* c) {
  while (busy.test_and_set(std::memory_order_acquire)) {
  }
  busy.clear(std::memory_order_release);
  std::atomic_fetch_add(c, 1);
  ::std::atomic_store_explicit(c, 2, std::memory_order_release);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  using namespace std;
  atomic_load(c);
}

int left_alone() {
  std::atomic<int> mine{0};  // private: not shared with anyone
  mine.store(1);
  return counter.is_lock_free() ? mine.load() : 0;
}

// std::atomic_ref: a named reference (even a private one: what it refers to may be shared),
// a temporary, and operators; all wrapped.
int plain_total = 0;
int through_atomic_ref() {
  std::atomic_ref<int> total(plain_total);
  total.fetch_add(2, std::memory_order_relaxed);
  total = 4;
  ++total;
  std::atomic_ref<int>(plain_total).store(1, std::memory_order_release);
  return total.load(std::memory_order_acquire) + total;
}
