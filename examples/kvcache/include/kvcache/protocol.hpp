// kvcache/protocol.hpp — the text protocol the server speaks (one command per request).
//
//   GET <key>                 -> VALUE <value> | NOT_FOUND
//   SET <key> <value> [ttl_ms] -> STORED | UPDATED
//   DEL <key>                 -> DELETED | NOT_FOUND
//   APPEND <key> <value>      -> LENGTH <n>
//   STATS                     -> STATS hits=.. misses=.. ...
//   PING                      -> PONG
// Keys are 1..250 printable, non-space characters; values may not contain spaces (clients
// escape them as %20, which `unescape` reverses). Malformed input gives ERROR <reason>.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kvcache {

enum class Op { get, set, del, append, stats, ping, invalid };

struct Command {
  Op op = Op::invalid;
  std::string key;
  std::string value;
  std::int64_t ttl_ms = 0;
  std::string error;  // set iff op == invalid
};

enum class Status { value, not_found, stored, updated, deleted, length, stats, pong, error };

struct Reply {
  Status status = Status::error;
  std::string body;  // the value, the length, the stats line or the error reason
};

std::vector<std::string_view> split_words(std::string_view line);
Command parse_command(std::string_view line);
std::string format_reply(const Reply& r);
std::string_view op_name(Op op);
std::string escape(std::string_view raw);
std::string unescape(std::string_view text);
bool valid_key(std::string_view key);

}  // namespace kvcache
