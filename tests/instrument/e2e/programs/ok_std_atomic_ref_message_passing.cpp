// Race-free: plain variables shared between std::threads only through std::atomic_ref — a
// release/acquire flag publishing a plain payload, a relaxed counter that several threads
// bump (atomic against atomic never races) and that main reads after joining them, and a
// temporary atomic_ref (`std::atomic_ref<int>(x).load()`) polled in a loop.
#include <atomic>
#include <cstdio>
#include <thread>

#include "e2e_main.hpp"

struct Job {
  int input = 0;
  int output = 0;
};

Job job;
bool job_ready = false;  // only ever accessed through std::atomic_ref
int served = 0;          // likewise while the workers run
int stop = 0;

void producer() {
  job.input = 21;
  std::atomic_ref<bool>(job_ready).store(true, std::memory_order_release);
}

void consumer() {
  std::atomic_ref<bool> ready(job_ready);
  while (!ready.load(std::memory_order_acquire)) std::this_thread::yield();
  job.output = job.input * 2;
  std::atomic_ref<int>(served).fetch_add(1, std::memory_order_relaxed);
  std::atomic_ref<int>(stop).store(1, std::memory_order_release);
}

void counter() {
  std::atomic_ref<int> s(served);
  ++s;
  while (std::atomic_ref<int>(stop).load(std::memory_order_acquire) == 0)
    std::this_thread::yield();
}

void program() {
  job = Job{};
  job_ready = false;
  served = 0;
  stop = 0;
  std::thread c(consumer);
  std::thread p(producer);
  std::thread k(counter);
  p.join();
  c.join();
  k.join();
  std::printf("output=%d served=%d\n", job.output, served);
}

WEFT_E2E_MAIN(program)
