// Race-free: readers take the RWMutex shared, the reloader takes it exclusively.
#include <cstdio>
#include <string>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

class Settings {
 public:
  int limit() {
    mu_.rlock();
    int v = limit_;
    mu_.runlock();
    return v;
  }
  void reload(int v, const std::string& by) {
    mu_.lock();
    limit_ = v;
    source_ = by;
    mu_.unlock();
  }
  std::string source() {
    mu_.rlock();
    std::string s = source_;
    mu_.runlock();
    return s;
  }

 private:
  weft::RWMutex mu_;
  int limit_ = 10;
  std::string source_ = "default";
};

void program() {
  Settings s;
  weft::WaitGroup wg;
  int seen[3] = {0, 0, 0};
  wg.add(3);
  for (int i = 0; i < 2; ++i)
    weft::go([&, i] {
      seen[i] = s.limit();
      wg.done();
    });
  weft::go([&] {
    s.reload(20, "admin");
    seen[2] = 1;
    wg.done();
  });
  wg.wait();
  int ok = (seen[0] == 10 || seen[0] == 20) && (seen[1] == 10 || seen[1] == 20);
  std::printf("ok=%d limit=%d source=%s\n", ok, s.limit(), s.source().c_str());
}

WEFT_E2E_MAIN(program)
