// Unbuffered channels: a send and a receive meet.
//
// make_chan<T>() with no capacity gives a rendezvous: send() blocks until another
// goroutine receives, and recv() blocks until another goroutine sends, so each exchange
// also synchronises the two goroutines. Here main and a player goroutine pass a ball back
// and forth; the player ranges over its input channel until main closes it, then closes
// its own output, which tells main that the player has finished.
#include "bodies.hpp"
#include "weft/weft.hpp"

namespace weft_examples::unbuffered_channels {

void run() {
  auto ping = weft::make_chan<int>();
  auto pong = weft::make_chan<int>();
  weft::go([ping, pong] {
    for (int ball : ping) pong.send(ball + 1);  // until ping is closed
    pong.close();
  });

  int ball = 0;
  for (int hit = 0; hit < 3; ++hit) {
    ping.send(ball);     // blocks until the player has taken the ball
    ball = pong.recv();  // blocks until the player sends it back
  }
  ping.close();
  weft::check(ball == 3, "each hit adds one");
  weft::check(!pong.recv_ok().has_value(), "the player closes pong when ping is closed");
}

}  // namespace weft_examples::unbuffered_channels
