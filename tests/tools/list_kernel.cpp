// A program that speaks the CLI's "weft" protocol (tools/PROTOCOL.md) without GoogleTest:
// `--list` prints its explorations, `--only NAME` runs one under weft::explore with the
// WEFT_* variables applied. Used by cli_test.cpp.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>

#include "weft/weft.hpp"

int main(int argc, char** argv) {
  std::map<std::string, std::function<void()>> bodies{
      {"leaky",
       [] {
         auto c = weft::make_chan<int>();
         weft::go([c] { c.send(1); });  // nobody receives: a goroutine leak
       }},
      {"fine",
       [] {
         auto c = weft::make_chan<int>(1);
         c.send(1);
         (void)c.recv();
       }},
  };
  // With LIST_KERNEL_GARBLE set, one more exploration whose description and failure hold
  // bytes that are not UTF-8 (the JSON the CLI writes must still be written).
  const bool garble = std::getenv("LIST_KERNEL_GARBLE") != nullptr;
  if (garble)
    bodies["garbled"] = [] { throw std::runtime_error("bytes \xff\xfe from a binary buffer"); };
  if (argc == 2 && std::strcmp(argv[1], "--list") == 0) {
    std::printf("fine   a buffered send and receive\nleaky  a sender nobody receives from\n");
    if (garble) std::printf("garbled  throws \xff\xfe\n");
    return 0;
  }
  if (argc == 3 && std::strcmp(argv[1], "--only") == 0 && bodies.count(argv[2])) {
    auto r = weft::explore(bodies[argv[2]]);
    std::fputs(r.to_string().c_str(), stdout);
    return r.ok() ? 0 : 1;
  }
  std::fprintf(stderr, "usage: %s --list | --only NAME\n", argv[0]);
  return 2;
}
