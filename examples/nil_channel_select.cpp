// Nil channels in select: switching a case off.
//
// A nil channel (a default-constructed Chan) is never ready, so a select case on it can
// never fire. That makes it a switch: to merge two channels until both are closed, keep
// selecting on both, and when one reports closed set it to nil so the select stops
// choosing it (a closed channel would otherwise be ready forever and spin the loop). When
// both are nil, stop: a select over nothing but nil channels would block forever.
#include <initializer_list>
#include <optional>
#include <vector>

#include "bodies.hpp"
#include "weft/weft.hpp"

namespace weft_examples::nil_channel_select {

namespace {
weft::Chan<int> send_all(std::initializer_list<int> values) {
  auto c = weft::make_chan<int>();
  weft::go([c, v = std::vector<int>(values)] {
    for (int x : v) c.send(x);
    c.close();
  });
  return c;
}
}  // namespace

void run() {
  weft::Chan<int> a = send_all({1, 2, 3});
  weft::Chan<int> b = send_all({10, 20});
  int sum = 0;
  int received = 0;
  while (!a.nil() || !b.nil()) {
    weft::select(
        weft::recv_case(a, [&](std::optional<int> v) {
          if (!v) { a = weft::Chan<int>(); return; }  // closed: disable this case
          sum += *v;
          ++received;
        }),
        weft::recv_case(b, [&](std::optional<int> v) {
          if (!v) { b = weft::Chan<int>(); return; }
          sum += *v;
          ++received;
        }));
  }
  weft::check(received == 5 && sum == 36, "every value from both channels, once");
}

}  // namespace weft_examples::nil_channel_select
