// Unit tests of the text protocol.
#include <gtest/gtest.h>

#include "kvcache/protocol.hpp"

namespace kvcache {
namespace {

TEST(Protocol, ParsesEveryCommand) {
  Command c = parse_command("SET user:1 ann%20lee 250");
  EXPECT_EQ(c.op, Op::set);
  EXPECT_EQ(c.key, "user:1");
  EXPECT_EQ(c.value, "ann lee");
  EXPECT_EQ(c.ttl_ms, 250);
  EXPECT_EQ(parse_command("  get   user:1 ").op, Op::get);
  EXPECT_EQ(parse_command("DEL k").op, Op::del);
  EXPECT_EQ(parse_command("append k v").op, Op::append);
  EXPECT_EQ(parse_command("STATS").op, Op::stats);
  EXPECT_EQ(parse_command("PING").op, Op::ping);
}

TEST(Protocol, RejectsMalformedInput) {
  EXPECT_EQ(parse_command("").error, "empty command");
  EXPECT_EQ(parse_command("FLY away").error, "unknown command 'FLY'");
  EXPECT_EQ(parse_command("GET").error, "wrong number of arguments for GET");
  EXPECT_EQ(parse_command("SET k v 10 extra").error, "wrong number of arguments for SET");
  EXPECT_EQ(parse_command("SET k v -1").error, "bad ttl '-1'");
  EXPECT_EQ(parse_command("SET k v 12ms").error, "bad ttl '12ms'");
  EXPECT_EQ(parse_command("GET " + std::string(251, 'k')).error, "bad key");
}

TEST(Protocol, FormatsReplies) {
  EXPECT_EQ(format_reply({Status::value, "a b"}), "VALUE a%20b");
  EXPECT_EQ(format_reply({Status::not_found, ""}), "NOT_FOUND");
  EXPECT_EQ(format_reply({Status::length, "7"}), "LENGTH 7");
  EXPECT_EQ(format_reply({Status::error, "bad key"}), "ERROR bad key");
}

TEST(Protocol, EscapeRoundTrips) {
  for (std::string s : {"", "plain", "two words", "100%", "% 20", "%2", "a%20b"})
    EXPECT_EQ(unescape(escape(s)), s) << s;
}

}  // namespace
}  // namespace kvcache
