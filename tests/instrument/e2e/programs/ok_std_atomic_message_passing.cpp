// Race-free: plain data handed between std::threads through std::atomics only: a
// release/acquire flag, a seq_cst sequence number read through the implicit conversion, an
// acq_rel countdown whose last decrement reads what every worker wrote, and a pointer
// published with a release compare-exchange.
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "e2e_main.hpp"

struct Message {
  int payload = 0;
};

Message box;
std::atomic<int> sequence{0};
std::atomic<bool> box_full{false};
int partial[3];
std::atomic<int> remaining{3};
int total = 0;
std::atomic<Message*> published{nullptr};

void send(int v) {
  box.payload = v;
  box_full.store(true, std::memory_order_release);
  sequence = 1;
}

int receive() {
  while (!box_full.load(std::memory_order_acquire)) std::this_thread::yield();
  while (sequence != 1) std::this_thread::yield();
  return box.payload;
}

void work(int i) {
  partial[i] = (i + 1) * 10;
  // The last worker to finish sums every part: acq_rel orders the others' writes before it.
  if (remaining.fetch_sub(1, std::memory_order_acq_rel) == 1)
    total = partial[0] + partial[1] + partial[2];
}

void program() {
  box = Message{};
  box_full = false;
  sequence = 0;
  remaining = 3;
  total = 0;
  published = nullptr;
  int got = 0;
  int via_pointer = 0;
  std::thread receiver([&] { got = receive(); });
  std::thread sender([] { send(7); });
  std::vector<std::thread> workers;
  for (int i = 0; i < 3; ++i) workers.emplace_back(work, i);
  Message* fresh = new Message{99};
  std::thread publisher([fresh] {
    Message* expected = nullptr;
    published.compare_exchange_strong(expected, fresh, std::memory_order_release,
                                      std::memory_order_relaxed);
  });
  std::thread reader([&] {
    Message* m;
    while ((m = published.load(std::memory_order_acquire)) == nullptr) std::this_thread::yield();
    via_pointer = m->payload;
  });
  sender.join();
  receiver.join();
  for (auto& w : workers) w.join();
  publisher.join();
  reader.join();
  delete fresh;
  std::printf("got=%d via_pointer=%d total=%d\n", got, via_pointer, total);
}

WEFT_E2E_MAIN(program)
