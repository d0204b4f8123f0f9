// Shared memory protected by an RWMutex.
//
// An RWMutex lets many readers in at once (lock_shared / Go's RLock) but a writer only
// alone (lock). It suits data that is read often and changed rarely. Here a writer
// publishes new versions of a configuration whose two fields must agree, yielding halfway
// through each update; readers hold the read lock, so none of them ever sees a half-written
// configuration. std::shared_lock and std::lock_guard take the two kinds of lock.
#include <mutex>
#include <shared_mutex>

#include "bodies.hpp"
#include "weft/weft.hpp"

namespace weft_examples::rwmutex_config {

namespace {

struct Config {
  mutable weft::RWMutex mu;
  int version = 0;  // guarded by mu
  int limit = 0;    // guarded by mu; always version * 100

  void publish(int v) {
    std::lock_guard lock(mu);
    version = v;
    weft::yield();  // halfway: readers must not see this state
    limit = v * 100;
  }
  // Returns the version read; checks that the fields agree.
  int read_consistent() const {
    std::shared_lock lock(mu);
    int v = version;
    weft::yield();  // other readers may come in here too
    weft::check(limit == v * 100, "a reader saw a half-written configuration");
    return v;
  }
};

}  // namespace

void run() {
  Config config;
  weft::WaitGroup wg;
  wg.add(1);
  weft::go([&config, &wg] {
    for (int v = 1; v <= 3; ++v) config.publish(v);
    wg.done();
  });
  for (int r = 0; r < 3; ++r) {
    wg.add(1);
    weft::go([&config, &wg] {
      int last = 0;
      for (int i = 0; i < 3; ++i) {
        int v = config.read_consistent();
        weft::check(v >= last, "versions only move forward");
        last = v;
      }
      wg.done();
    });
  }
  wg.wait();
  weft::check(config.read_consistent() == 3, "the last version published wins");
}

}  // namespace weft_examples::rwmutex_config
